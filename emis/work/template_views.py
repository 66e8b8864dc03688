"""公文模板: a county bureau replaces the Word template of a kind of document (the 整改通知书's letterhead and wording)
with its own, downloads the one in use or the default to edit in Word, tries it on a sample (样张), or goes back to
the default. Rights and checks are emis.work.documents'; out of reach answers 404 like every page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from emis.core.audit import record_event
from emis.orgs.area import counties

from . import attachments as attachment_store
from . import documents
from .models import DocumentTemplate


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("新模板（.docx）"),
        help_text=gettext_lazy("在 Word 中修改下载的模板后上传；{{ 字段 }} 标记须保留，可用字段见下表。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx", "class": "form-control"}),
    )


def _readable_counties(user, kind):
    return [county for county in counties(user) if documents.may_read_templates(user, kind, county.code)]


def templates_in_reach(user) -> bool:
    """Does the user read any county's templates (the page exists for them)?"""
    return any(_readable_counties(user, kind) for kind in documents.kinds())


def _kind_and_county(user, kind_code: str, county_code: str):
    try:
        kind = documents.kind(kind_code)
    except LookupError:
        raise Http404("no such kind") from None
    county = next((c for c in _readable_counties(user, kind) if c.code == county_code), None)
    if county is None:
        raise Http404("out of scope")
    return kind, county


def _rows(user, form_for=None, form=None):
    """One row per kind and county the user may read, with the template in use."""
    rows = []
    for kind in documents.kinds():
        readable = _readable_counties(user, kind)
        uploaded = {
            t.county_code: t
            for t in DocumentTemplate.objects.filter(
                kind=kind.code, county_code__in=[c.code for c in readable]
            ).select_related("uploaded_by")
        }
        for county in readable:
            may_replace = documents.may_replace_template(user, kind, county.code)
            mine = form_for == (kind.code, county.code)
            rows.append(
                {
                    "kind": kind,
                    "county": county,
                    "uploaded": uploaded.get(county.code),
                    "may_replace": may_replace,
                    "form": (form if mine else TemplateUploadForm(prefix=f"{kind.code}-{county.code}"))
                    if may_replace
                    else None,
                }
            )
    return rows


def _braces(text) -> str:
    """A field's meaning may quote template syntax ({%tr for … %}): braces as character references, so the page shows
    them and holds no template syntax of its own (tests/test_security_defaults.py)."""
    return mark_safe(escape(str(text)).replace("{", "&#123;").replace("}", "&#125;"))  # noqa: S308 - escaped first


def _page(request, *, form_for=None, form=None, status=200):
    rows = _rows(request.user, form_for, form)
    if not rows:
        raise Http404("no templates in reach")
    return render(
        request,
        "work/document_templates.html",
        {
            "rows": rows,
            # As a list: a field named "items" would shadow dict.items in the template language.
            "kinds": [
                (kind, [(name, _braces(meaning)) for name, meaning in kind.fields.items()])
                for kind in documents.kinds()
            ],
            "max_mb": documents.TEMPLATE_MAX_BYTES >> 20,
        },
        status=status,
    )


@login_required
@require_GET
def document_templates(request):
    return _page(request)


@login_required
@require_POST
def document_template_upload(request, kind: str, county: str):
    kind, county = _kind_and_county(request.user, kind, county)
    if not documents.may_replace_template(request.user, kind, county.code):
        raise Http404("read only")
    form = TemplateUploadForm(request.POST, request.FILES, prefix=f"{kind.code}-{county.code}")
    if form.is_valid():
        try:
            documents.template_upload(
                kind=kind, county_code=county.code, upload=form.cleaned_data["file"], acting_user=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        except PermissionDenied:
            raise Http404("read only") from None
        else:
            messages.success(
                request,
                _("{county}的{kind}模板已更换，此后生成的公文使用新模板。").format(county=county.name, kind=kind.label),
            )
            return redirect("work:document_templates")
    return _page(request, form_for=(kind.code, county.code), form=form, status=400)


@login_required
@require_POST
def document_template_revert(request, kind: str, county: str):
    kind, county = _kind_and_county(request.user, kind, county)
    try:
        documents.template_revert(kind=kind, county_code=county.code, acting_user=request.user)
    except PermissionDenied:
        raise Http404("read only") from None
    messages.success(request, _("{county}的{kind}已恢复使用默认模板。").format(county=county.name, kind=kind.label))
    return redirect("work:document_templates")


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=attachment_store.DOCX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def document_template_download(request, kind: str, county: str, which: str):
    """The template in use (``current``), the app's default (``default``), or the sample filled in (``sample``)."""
    kind, county = _kind_and_county(request.user, kind, county)
    if which == "default":
        content = kind.default.read_bytes()
        filename = _("{kind}（默认模板）.docx").format(kind=kind.label)
    elif which == "current":
        source = documents.template_for(kind.code, kind.default, county_code=county.code)
        content = source.getvalue() if hasattr(source, "getvalue") else source.read_bytes()
        filename = _("{county}{kind}模板.docx").format(county=county.name, kind=kind.label)
    elif which == "sample":
        content = documents.sample_document(kind, county.code)
        filename = _("{county}{kind}（样张）.docx").format(county=county.name, kind=kind.label)
    else:
        raise Http404("no such file")
    record_event(
        "work.document_template.downloaded",
        data={"kind": kind.code, "county": county.code, "which": which},
        division_code=county.code,
    )
    return _docx_response(content, filename)
