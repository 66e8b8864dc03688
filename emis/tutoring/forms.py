from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core.forms import ScopedModelForm, style_form

from .models import Channel, FeePlan, Institution, JointCheck, Partner, Teacher


def _date_widget():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class InstitutionForm(ScopedModelForm):
    class Meta:
        model = Institution
        fields = (
            "name",
            "credit_code",
            "township",
            "address",
            "kind",
            "subjects",
            "legal_form",
            "supervisor",
            "converted_on",
            "reregistered_on",
            "licence_number",
            "licence_issued",
            "licence_expires",
            "principal",
            "phone",
            "premises_area",
            "fire_approved",
            "guided_price",
            "fund_supervision",
            "custodian_bank",
            "standard_contract",
            "status",
            "status_since",
            "list_mark",
            "note",
        )


class TeacherForm(ScopedModelForm):
    class Meta:
        model = Teacher
        fields = (
            "institution",
            "name",
            "subject",
            "certificate",
            "other_qualification",
            "in_service_teacher",
            "hired_on",
        )


class FeePlanForm(ScopedModelForm):
    class Meta:
        model = FeePlan
        fields = ("institution", "course", "price_per_hour", "prepaid_hours", "prepaid_months", "effective_from")


class JointCheckForm(ScopedModelForm):
    partners = forms.MultipleChoiceField(
        label=_("联合部门"), choices=Partner.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = JointCheck
        fields = (
            "checked_on",
            "township",
            "partners",
            "institutions",
            "inspection_campaign",
            "campaign",
            "findings",
            "measures",
        )


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ConcludeForm(StepForm):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintForm(forms.Form):
    received_on = forms.DateField(label=_("受理日期"), initial=timezone.localdate, widget=_date_widget())
    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices)
    complainant = forms.CharField(label=_("投诉人"), max_length=40)
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    content = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
