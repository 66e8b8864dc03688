"""Forms of the admission round. Rows of a published round are locked: their forms show every field disabled and
say why (``lock_reason``, shown by the generic form page), and refuse to save (the model's clean() says why).
Saving is the ModelUI's save hook (ui.py): the service sends the round back to the step a change affects."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.core.forms import ScopedModelForm
from emis.core.pickers import use_picker
from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES, SENIOR_SCHOOL_CATEGORIES

from .choices import APPEAL_DECISIONS, AppealStatus, RoundStatus
from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool, locked_message


class LockableForm(ScopedModelForm):
    """A round row's form: ``lock_reason`` names why the row cannot change (its round is published); the fields
    are then disabled, and saving is refused by the model's clean() with the same message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "round" in self.fields:
            # Rows are added to rounds that are not published yet, and never moved between rounds.
            self.fields["round"].queryset = self.fields["round"].queryset.exclude(status=RoundStatus.PUBLISHED)
            if self.instance.pk:
                self.fields["round"].disabled = True
        self.lock_reason = self.locked_reason()
        if self.lock_reason:
            for field in self.fields.values():
                field.disabled = True

    def locked_reason(self) -> str | None:
        admission_round = self.instance.round if self.instance.pk else None
        if admission_round is not None and admission_round.is_locked:
            return locked_message(admission_round)
        return None


class AdmissionRoundForm(LockableForm):
    class Meta:
        model = AdmissionRound
        fields = ("school_year", "name", "quota_share", "quota_rule", "preference_count", "tie_break", "note")

    def locked_reason(self) -> str | None:
        if self.instance.pk and self.instance.is_locked:
            return locked_message(self.instance)
        return None


class RoundSchoolForm(LockableForm):
    class Meta:
        model = RoundSchool
        fields = ("round", "school", "open_seats", "quota_seats", "quota_min_score", "is_quality")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = self.fields["school"].queryset.filter(category__in=SENIOR_SCHOOL_CATEGORIES)
        use_picker(self.fields["school"], filter="senior")


class QuotaAllocationForm(LockableForm):
    class Meta:
        model = QuotaAllocation
        fields = ("round", "school", "junior_school", "seats")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = self.fields["school"].queryset.filter(category__in=SENIOR_SCHOOL_CATEGORIES)
        self.fields["junior_school"].queryset = self.fields["junior_school"].queryset.filter(
            category__in=JUNIOR_SCHOOL_CATEGORIES
        )
        use_picker(self.fields["school"], filter="senior")
        use_picker(self.fields["junior_school"], filter="junior")

    def clean(self):
        cleaned = super().clean()
        admission_round, school, seats = cleaned.get("round"), cleaned.get("school"), cleaned.get("seats")
        if admission_round and school and seats is not None:
            plan = RoundSchool.objects.filter(round=admission_round, school=school).first()
            if plan is not None:
                others = (
                    QuotaAllocation.objects.filter(round=admission_round, school=school)
                    .exclude(pk=self.instance.pk)
                    .values_list("seats", flat=True)
                )
                total = sum(others) + seats
                if total > plan.quota_seats:
                    self.add_error(
                        "seats",
                        _("{school} 的指标分配合计将为 {total}，超过其指标到校名额 {seats}。").format(
                            school=school.name, total=total, seats=plan.quota_seats
                        ),
                    )
        return cleaned


class PreferencesField(forms.CharField):
    """School codes in order of preference, separated by spaces, commas or 、; stored as a list."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return " ".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return [code for code in re.split(r"[\s,，、;；]+", (value or "").strip()) if code]


class ApplicantForm(LockableForm):
    preferences = PreferencesField(
        label=gettext_lazy("志愿"),
        required=False,
        help_text=gettext_lazy("按志愿顺序填写高中学校标识码，以空格或逗号分隔。"),
    )

    class Meta:
        model = Applicant
        fields = (
            "round",
            "exam_no",
            "name",
            "id_number",
            "junior_school",
            "total",
            "chinese",
            "math",
            "english",
            "preferences",
            "eligible",
        )
        widgets = {"id_number": forms.TextInput(attrs={"autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["junior_school"].queryset = self.fields["junior_school"].queryset.filter(
            category__in=JUNIOR_SCHOOL_CATEGORIES
        )
        use_picker(self.fields["junior_school"], filter="junior")


class AppealForm(ScopedModelForm):
    """Record an appeal: the round (published ones) and the exam number find the applicant within the user's
    scope. Once decided, an appeal no longer changes."""

    appeal_round = forms.ModelChoiceField(
        queryset=AdmissionRound.objects.filter(status=RoundStatus.PUBLISHED), label=gettext_lazy("录取批次")
    )
    exam_no = forms.CharField(label=gettext_lazy("考号"), max_length=32)

    class Meta:
        model = Appeal
        fields = ("received_on", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appeal_round"].queryset = self.fields["appeal_round"].queryset.filter(status=RoundStatus.PUBLISHED)
        self.order_fields(["appeal_round", "exam_no", "received_on", "reason"])
        self.lock_reason = None
        if self.instance.pk:
            del self.fields["appeal_round"]
            del self.fields["exam_no"]
            if self.instance.is_decided:
                self.lock_reason = _("申诉已处理，不能再修改。")
                for field in self.fields.values():
                    field.disabled = True

    def clean(self):
        cleaned = super().clean()  # a decided appeal is refused by Appeal.clean(), with lock_reason's message
        if not self.instance.pk:
            admission_round, exam_no = cleaned.get("appeal_round"), (cleaned.get("exam_no") or "").strip()
            if admission_round and exam_no:
                applicant = (
                    Applicant.objects.for_user(self.user)
                    .filter(round=admission_round, exam_no=exam_no)
                    .select_related("round")
                    .first()
                )
                if applicant is None:
                    self.add_error("exam_no", _("该批次没有考号为 {exam_no} 的考生。").format(exam_no=exam_no))
                else:
                    self.instance.applicant = applicant
        return cleaned


class AppealDecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[(value, label) for value, label in AppealStatus.choices if value in APPEAL_DECISIONS],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    decision = forms.CharField(label=gettext_lazy("处理意见"), widget=forms.Textarea(attrs={"rows": 3}))


class ApplicantUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("考生文件"))
