from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core.forms import ScopedModelForm, style_form

from .models import Appraisal, Building, Bus, Driver, Guard, SafetyFact


class SafetyFactForm(ScopedModelForm):
    class Meta:
        model = SafetyFact
        fields = (
            "school",
            "kind",
            "effective_on",
            "in_place",
            "linked_to_police",
            "tested_on",
            "channels",
            "xueliang",
            "retention_days",
            "evidence",
            "note",
        )


class GuardForm(ScopedModelForm):
    class Meta:
        model = Guard
        fields = (
            "school",
            "name",
            "full_time",
            "licence_no",
            "birth_date",
            "employer",
            "funding",
            "started_on",
            "ended_on",
            "note",
        )


class BuildingForm(ScopedModelForm):
    class Meta:
        model = Building
        fields = (
            "school",
            "name",
            "area",
            "year_built",
            "structure",
            "floors",
            "seismic",
            "seismic_intensity",
            "use",
            "fate",
            "fate_on",
            "fate_area",
            "note",
        )


class AppraisalForm(ScopedModelForm):
    class Meta:
        model = Appraisal
        fields = ("building", "grade", "appraised_on", "body", "report_no", "affected_part", "note")


class BusForm(ScopedModelForm):
    class Meta:
        model = Bus
        fields = (
            "school",
            "plate",
            "seats",
            "national_standard",
            "operator",
            "route",
            "schools",
            "in_service_on",
            "retired_on",
            "status",
            "insurance_expires",
            "inspection_due",
            "gps",
            "filed_on",
            "note",
        )


class DriverForm(ScopedModelForm):
    class Meta:
        model = Driver
        fields = (
            "school",
            "bus",
            "name",
            "id_number",
            "birth_date",
            "licence_class",
            "licence_expires",
            "driving_since",
            "record_clean",
            "reviewed_on",
            "active",
            "note",
        )


class HandleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class SweepForm(forms.Form):
    on = forms.DateField(
        label=_("按日期生成"),
        help_text=_("生成截至该日应提醒的到期事项（一般为今天）；已生成的不会重复。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        style_form(self)

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("不能晚于今天。"))
        return on
