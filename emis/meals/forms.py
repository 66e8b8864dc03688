from django import forms
from django.utils.translation import gettext_lazy as _

from emis.core.forms import ScopedModelForm, style_form

from .models import DailyStandard, Participation, SchoolDays


class ParticipationForm(ScopedModelForm):
    class Meta:
        model = Participation
        fields = ("school", "scheme", "start_date", "end_date", "note")


class DailyStandardForm(ScopedModelForm):
    class Meta:
        model = DailyStandard
        fields = ("effective_from", "amount", "basis")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for field in self.fields.values():
                field.disabled = True
            self.lock_reason = _("补助标准一经录入不能修改；标准调整请按新的执行日期新增一条。")


class SchoolDaysForm(ScopedModelForm):
    class Meta:
        model = SchoolDays
        fields = ("month", "school", "days", "note")


class OpenMonthForm(forms.Form):
    month = forms.DateField(
        label=_("月份"),
        help_text=_("该月任一天，如 2021-03-01。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    beneficiaries = forms.IntegerField(label=_("享受人数"), min_value=0)
    days = forms.IntegerField(label=_("供餐天数"), min_value=0, max_value=31)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, max_digits=14, decimal_places=2)
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ReasonForm(StepForm):
    comment = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 2}))
