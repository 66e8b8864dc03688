"""Import pages: upload a file for a dry run, watch progress, read the report, commit, roll back."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from emis.core import access, registry
from emis.core.forms import style_form
from emis.core.models import ImportBatch, ImportStatus

from . import masking, service
from .registry import get_spec, specs
from .templates import template_workbook


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入类型"))
    school_year = forms.TypedChoiceField(label=gettext_lazy("学年"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy("支持 .xlsx、.xls、.csv（UTF-8 或 GBK 编码）。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, get_spec(kind).label) for kind in specs()]
        # The school-year calendar is the orgs app's; it offers its choices under a name (core imports no domain).
        school_years = registry.provided("school_years")
        choices, current = school_years() if school_years else ([], None)
        self.fields["school_year"].choices = choices
        if current is not None:
            self.fields["school_year"].initial = current
        style_form(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.EMIS_IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(_("文件超过 {mb} MB 上限。").format(mb=settings.EMIS_IMPORT_MAX_UPLOAD_MB))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


def may_import(user) -> bool:
    """May the user import any kind (add rows to its model's domain)? The menu offers 数据导入 to these users only;
    read-only roles (局领导, 督学, the city) still open a batch they are sent a link to."""
    return any(access.role_may(user, get_spec(kind).model.domain, access.ADD) for kind in specs())


def _kinds() -> list[dict]:
    """The import kinds as the page names them: the kind (for its URL), its label and its template's title."""
    return [
        {"kind": kind, "label": get_spec(kind).label, "template": get_spec(kind).template_title()} for kind in specs()
    ]


def kind_label(kind: str) -> str:
    """A batch's kind as a clerk reads it (学生（学籍系统导出）); the code itself for a kind no longer offered."""
    return str(get_spec(kind).label) if kind in specs() else kind


def batch_heading(batch) -> dict:
    """A batch's header in words: its kind's name, the school year and where it is filed (the school, the division,
    or the whole area); the file's fingerprint is shown apart (文件指纹)."""
    from django.apps import apps

    from emis.common.schoolyear import school_year_label

    if batch.school_id:
        school = apps.get_model("orgs", "School").objects.filter(pk=batch.school_id).values_list("name", flat=True)
        where = school.first() or ""
    elif batch.division_code:
        division = apps.get_model("orgs", "Division").objects.filter(code=batch.division_code)
        where = division.values_list("name", flat=True).first() or batch.division_code
    else:
        where = _("全部范围")
    return {
        "mode": _("预检") if batch.dry_run else _("正式导入"),
        "kind": kind_label(batch.kind),
        "year": _("{years} 学年").format(years=school_year_label(batch.school_year)) if batch.school_year else "",
        "where": where,
    }


def _batches(user):
    return ImportBatch.objects.for_user(user).select_related("user")


def _upload_too_large(request) -> bool:
    """Judged on the declared length before the body is read, so an oversized upload is never stored."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.EMIS_IMPORT_MAX_UPLOAD_MB * 1024 * 1024 + 64 * 1024


@login_required
def import_list(request):
    if request.method == "POST" and _upload_too_large(request):
        form = UploadForm(request.POST, {})
        form.is_valid()  # the other fields keep their values; the file was skipped by the upload handler
        form.errors["file"] = form.error_class(
            [_("文件超过 {mb} MB 上限。").format(mb=settings.EMIS_IMPORT_MAX_UPLOAD_MB)]
        )
        batches = _batches(request.user).defer("report")[:50]
        return render(request, "imports/list.html", {"form": form, "batches": batches, "kinds": _kinds()}, status=413)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        spec = get_spec(form.cleaned_data["kind"])
        if not access.role_may(request.user, spec.model.domain, access.ADD):
            form.add_error("kind", _("您的角色无权导入此类数据。"))
        else:
            try:
                with transaction.atomic():
                    batch = service.import_batch_create(
                        kind=form.cleaned_data["kind"],
                        upload=form.cleaned_data["file"],
                        school_year=form.cleaned_data["school_year"],
                        dry_run=True,
                        acting_user=request.user,
                    )
            except service.BatchActionRefused as exc:
                form.add_error("file", str(exc))
            else:
                return redirect(batch.get_absolute_url())
    # The list shows no report; a report can be large, so it is not loaded for fifty batches.
    batches = _batches(request.user).defer("report")[:50]
    return render(request, "imports/list.html", {"form": form, "batches": batches, "kinds": _kinds()})


@login_required
def import_detail(request, pk: int):
    batch = get_object_or_404(_batches(request.user), pk=pk)
    # The page polls a running batch: one whose worker died is told failed now, not after hours.
    if batch.status == ImportStatus.RUNNING and service.fail_abandoned_batches(pks=[batch.pk]):
        batch.refresh_from_db()
    done, total = service.batch_progress(batch)
    context = {
        "batch": batch,
        "heading": batch_heading(batch),
        "done": done,
        "total": total,
        # ID numbers in the report as the user's role may see them (masked for 局领导 and 督学).
        "report": masking.report_for(request.user, batch.report or {}, get_spec(batch.kind)),
        "error_message": masking.text_masker(request.user)(batch.error_message),
        "running": batch.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
        "file_gone": None if service.batch_file_exists(batch) else service.file_gone_message(),
    }
    if request.htmx:
        return render(request, "imports/_progress.html", context)
    return render(request, "imports/detail.html", context)


@login_required
@require_POST
def import_commit(request, pk: int):
    batch = get_object_or_404(_batches(request.user), pk=pk)
    if not access.role_may(request.user, get_spec(batch.kind).model.domain, access.ADD):
        raise Http404  # a read-only role (leader, inspector) may see a batch but not import it
    try:
        committed = service.import_batch_commit(batch=batch, acting_user=request.user)
    except service.BatchActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(batch.get_absolute_url())
    return redirect(committed.get_absolute_url())


@login_required
@require_POST
def import_rollback(request, pk: int):
    batch = get_object_or_404(_batches(request.user), pk=pk)
    if not access.role_may(request.user, get_spec(batch.kind).model.domain, access.DELETE):
        raise Http404
    try:
        service.import_batch_rollback(batch=batch, acting_user=request.user)
    except service.BatchActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销该批次导入的全部数据。"))
    return redirect(batch.get_absolute_url())


@login_required
def import_errors(request, pk: int):
    batch = get_object_or_404(_batches(request.user), pk=pk)
    if batch.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        # The workbook is built from the finished report; a running batch has none yet.
        messages.error(request, _("批次处理完成后才能下载错误报告。"))
        return redirect(batch.get_absolute_url())
    response = HttpResponse(
        service.error_workbook(batch, user=request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="errors.xlsx"'
    return response


@login_required
def import_template(request, kind: str):
    if kind not in specs():
        raise Http404
    spec = get_spec(kind)
    response = HttpResponse(
        template_workbook(spec), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{spec.template_title()}.xlsx")
    return response
