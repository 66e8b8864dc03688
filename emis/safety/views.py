"""The 安全工作 dashboard, the county table of 4个100% on a chosen date (page, print, xlsx) and the figures by year
(D-grade area eliminated and buses), all within the user's scope. The figures come from selectors."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from emis.core import files as core_files
from emis.core.exports import xlsx_response
from emis.core.forms import style_form
from emis.core.writes import Refused
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division
from emis.work import attachments as attachment_store

from . import selectors, services


class OnForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=gettext_lazy("按该年12月31日统计。"),
    )
    on = forms.DateField(
        label=gettext_lazy("统计日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("填写后优先于年度。"),
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"), queryset=Division.objects.none(), required=False, empty_label=gettext_lazy("全部")
    )
    q = forms.CharField(label=gettext_lazy("学校名称"), required=False, max_length=50)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = Division.objects.for_user(user).filter(level=DivisionLevel.TOWNSHIP)
        style_form(self)


def _chosen(request):
    form = OnForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    if data.get("on"):
        on = data["on"]
    elif data.get("year"):
        on = min(dt.date(data["year"], 12, 31), today) if data["year"] == today.year else dt.date(data["year"], 12, 31)
    else:
        on = today
    return form, on, data.get("township")


def _compliance(request):
    form, on, township = _chosen(request)
    search = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    result = selectors.compliance(request.user, on, township=township, search=search)
    title = _("校园安全4个100%达标情况（{day}）").format(day=on.isoformat())
    return form, result, title


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ComplianceView(LoginRequiredMixin, View):
    def get(self, request):
        form, result, title = _compliance(request)
        page = Paginator(result.rows, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "safety/compliance.html",
            {
                "form": form,
                "result": result,
                "title": title,
                "page": page,
                "query": _query(request),
                "items": selectors.ITEMS,
                "rule": selectors.guard_rule(),
            },
        )


class CompliancePrintView(LoginRequiredMixin, View):
    def get(self, request):
        _form, result, title = _compliance(request)
        return render(
            request,
            "safety/compliance_print.html",
            {"result": result, "title": title, "items": selectors.ITEMS, "today": timezone.localdate()},
        )


class ComplianceExportView(LoginRequiredMixin, View):
    def get(self, request):
        _form, result, title = _compliance(request)
        columns = [
            (_("学校标识码"), None),
            (_("学校名称"), None),
            (_("乡镇"), None),
            (_("在校生"), None),
            (_("寄宿生"), None),
            (_("应配保安员"), None),
            (_("在岗专职保安员"), None),
            *[(str(label), None) for label in selectors.ITEMS.values()],
            (_("全部达标"), None),
        ]
        yes, no = _("达标"), _("未达标")
        rows = [
            [
                row["school"].code,
                row["school"].name,
                row["township"],
                row["pupils"],
                row["boarders"],
                row["required"],
                row["guards"],
                *[yes if row["items"][key] else no for key in selectors.ITEMS],
                yes if row["all"] else no,
            ]
            for row in result.rows
        ]
        rows.append(
            [
                "",
                _("达标率（%）"),
                "",
                "",
                "",
                "",
                "",
                *[result.percent[key] for key in selectors.ITEMS],
                result.all_percent,
            ]
        )
        return xlsx_response(title, _("4个100%"), columns, rows)


def _figures(request):
    form, on, township = _chosen(request)
    form.fields.pop("q", None)  # the figures are the county's or a township's, not a school's
    area = selectors.d_area(request.user, on=on, township=township)
    years = selectors.bus_years(request.user)
    buses = selectors.bus_counts(request.user, years, township)
    return form, on, area, buses


class FiguresView(LoginRequiredMixin, View):
    def get(self, request):
        form, on, area, buses = _figures(request)
        top = max([row["area"] for row in area.by_year] or [0]) or 1
        for row in area.by_year:
            row["width"] = int(row["area"] * 100 / top)
        return render(
            request,
            "safety/figures.html",
            {"form": form, "on": on, "area": area, "buses": buses, "query": _query(request)},
        )


class FiguresExportView(LoginRequiredMixin, View):
    def get(self, request):
        _form, on, area, buses = _figures(request)
        columns = [
            (_("类别"), None),
            (_("年度"), None),
            (_("数量"), None),
            (_("面积（㎡）"), None),
            (_("累计（㎡）"), None),
        ]
        rows = [[_("Ｄ级危房消除"), r["year"], r["buildings"], r["area"], r["cumulative"]] for r in area.by_year]
        rows.append([_("剩余Ｄ级危房"), on.isoformat(), area.remaining_buildings, area.remaining, ""])
        rows += [[_("在用校车"), r["year"], r["buses"], "", ""] for r in buses]
        rows += [[_("国标校车"), r["year"], r["national"], "", ""] for r in buses]
        rows += [[_("公安交管备案校车"), r["year"], r["filed"], "", ""] for r in buses]
        return xlsx_response(_("校舍与校车统计"), _("统计"), columns, rows)


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        figures = selectors.dashboard(request.user)
        return render(request, "safety/dashboard.html", {"figures": figures, "items": selectors.ITEMS})


# Evidence files of the registers (佐证文件): upload and delete by those who may edit the row (the edit page's rule:
# the role's right and the row in the user's scope for changes, else 404); download and thumbnail within the scope
# (404 otherwise), each download recorded in the audit trail.


def _files_of(request):
    return [f for f in request.FILES.getlist("files") if f is not None and f.size]


def _evidence_response(evidence, *, thumbnail: bool = False):
    """The stored file (photos and PDFs shown in the browser) or its thumbnail (a tile naming the kind of file where
    there is none). 404 when the file is gone."""
    if thumbnail and not evidence.thumbnail:
        label = "PDF" if evidence.content_type == attachment_store.PDF else "FILE"
        response = HttpResponse(attachment_store.FILE_ICON.format(label=label), content_type="image/svg+xml")
    else:
        try:
            handle = core_files.upload_storage().open(evidence.thumbnail if thumbnail else evidence.file, "rb")
        except OSError:
            raise Http404("file missing") from None
        content_type = attachment_store.JPEG if thumbnail else evidence.content_type
        response = FileResponse(handle, filename=evidence.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class EvidenceUploadView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, kind: str, pk: int):
        row = selectors.evidence_parent(request.user, kind, pk, for_change=True)
        uploads = _files_of(request)
        if not uploads:
            messages.error(request, _("请选择要上传的照片或 PDF 文件。"))
            return HttpResponseRedirect(row.get_absolute_url() + "#evidence")
        try:
            services.evidence_add(row=row, uploads=uploads, acting_user=request.user)
        except Refused as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已上传{count}个佐证文件。").format(count=len(uploads)))
        return HttpResponseRedirect(row.get_absolute_url() + "#evidence")


class EvidenceDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        evidence = selectors.evidence_for_change(request.user, pk)
        back = evidence.parent.get_absolute_url() + "#evidence"
        name = evidence.name
        services.evidence_delete(evidence=evidence, acting_user=request.user)
        messages.success(request, _("已删除佐证文件：{name}").format(name=name))
        return HttpResponseRedirect(back)


class EvidenceDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        evidence = get_object_or_404(selectors.evidence_files(request.user), pk=pk)
        response = _evidence_response(evidence)
        services.evidence_downloaded(evidence=evidence, acting_user=request.user)
        return response


class EvidenceThumbnailView(LoginRequiredMixin, View):
    """A photo's small preview (or a tile naming the kind of file): not a download of the evidence, not recorded."""

    def get(self, request, pk: int):
        evidence = get_object_or_404(selectors.evidence_files(request.user), pk=pk)
        return _evidence_response(evidence, thumbnail=True)
