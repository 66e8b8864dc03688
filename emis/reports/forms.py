"""Forms of the reports app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from emis.core.forms import style_form
from emis.orgs.models import SchoolYear

from .services import MAX_DOCX_MB, validate_docx


class AnnualReportUploadForm(forms.Form):
    """The edited annual report (.docx) for a school year."""

    year = forms.TypedChoiceField(label=_("学年"), coerce=int)
    file = forms.FileField(label=_("修改稿（.docx）"))

    def __init__(self, *args, year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y.start_year, str(y)) for y in SchoolYear.objects.order_by("-start_year")]
        if year is not None:
            self.fields["year"].initial = year
        self.fields["file"].help_text = _("在 Word 或 WPS 中修改下载的草稿后另存为 .docx 上传，不超过 %(mb)s MB。") % {
            "mb": MAX_DOCX_MB
        }
        self.fields["file"].widget.attrs["accept"] = (
            ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        style_form(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_docx(upload)
        return upload

    def school_year(self) -> SchoolYear:
        return SchoolYear.objects.get(start_year=self.cleaned_data["year"])
