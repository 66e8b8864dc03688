from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.access import Role
from emis.core.forms import style_form

from .models import DUTIES, DropoutCase, DropoutReason, Exclusion, Line


class _Styled:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class VersionForm(_Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(VersionForm):
    dropout_reason = forms.ChoiceField(label=_("辍学原因"), choices=[("", _("请选择")), *DropoutReason.choices])


class NoticeForm(_Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    guardian = forms.CharField(label=_("家长（监护人）"), max_length=50, required=False)
    days = forms.IntegerField(label=_("返校期限（工作日）"), min_value=1, max_value=60, initial=15)


class ContactForm(_Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    line = forms.ChoiceField(label=_("责任线"), choices=Line.choices)
    who = forms.CharField(label=_("劝返人员"), max_length=100)
    outcome = forms.CharField(label=_("情况及结果"), widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label=_("现场照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ReturnForm(VersionForm):
    returned_on = forms.DateField(
        label=_("复学日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class EvidenceForm(VersionForm):
    """送教上门, 延缓入学, 休学, 排除: a comment, the approval (document number) or the exclusion reason, and files."""

    approval = forms.CharField(label=_("批准文件"), max_length=100, required=False)
    exclusion = forms.ChoiceField(label=_("排除原因"), choices=[("", _("请选择")), *Exclusion.choices], required=False)


class ResponsibleForm(_Styled, forms.ModelForm):
    class Meta:
        model = DropoutCase
        fields = (
            "guardian",
            "guardian_phone",
            *(f"{prefix}{suffix}" for prefix, _line, _label in DUTIES for suffix in ("", "_phone", "_user")),
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The accounts that see the case (its township's, its school's): never another township's or county's users.
        case = self.instance.case
        users = (
            get_user_model()
            .objects.filter(is_active=True, role__in=(Role.TOWNSHIP, Role.SCHOOL))
            .filter(access.users_covering(division=case.division_code, school_id=case.school_id))
            .order_by("username")
        )
        for prefix, _line, _label in DUTIES:
            self.fields[f"{prefix}_user"].queryset = users
            self.fields[f"{prefix}_user"].required = False


class ReportForm(_Styled, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    suspected = forms.IntegerField(label=_("疑似辍学人数"), min_value=0, initial=0)
    dropouts = forms.IntegerField(label=_("辍学人数"), min_value=0, initial=0)
    returned = forms.IntegerField(label=_("本月复学人数"), min_value=0, initial=0)
    note = forms.CharField(
        label=_("说明"), max_length=300, required=False, help_text=_("无辍学时可留空：报送为“本月无辍学”。")
    )


class RequestReportsForm(_Styled, forms.Form):
    month = forms.DateField(
        label=_("月份"), widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m", "%Y-%m-%d"]
    )


class RecheckForm(_Styled, forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    quarter = forms.ChoiceField(label=_("季度"), choices=[(q, f"{q}") for q in (1, 2, 3, 4)])
    comment = forms.CharField(label=_("复核意见"), required=False)
