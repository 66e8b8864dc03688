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

from .choices import APPEAL_DECISIONS, TIE_BREAK_SCORES, AppealStatus, RoundStatus, tie_break_label
from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool, locked_message
from .solver.engine import parse_tie_break


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


class TieBreakWidget(forms.Widget):
    """The tie-break rule as an ordered list of choices (第 1 项 总分, 第 2 项 语数外合计, …), 考号 last. Posts
    ``<name>_0`` … ``<name>_4``; a single ``<name>`` value ("总分,数学" or the stored keys) is read too (scripts,
    tests)."""

    template_name = "rounds/widgets/tie_break.html"
    positions = len(TIE_BREAK_SCORES)

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}_{i}") for i in range(self.positions)]
        if any(part is not None for part in parts):
            return [part for part in parts if part]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_0" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, str):
            keys = [key.strip() for key in value.split(",") if key.strip()]
        else:
            keys = list(value or [])
        keys = [key for key in keys if key != "exam_no"]
        options = [("", _("（不再比较）"))] + [(key, tie_break_label(key)) for key in TIE_BREAK_SCORES]
        disabled = context["widget"]["attrs"].get("disabled")
        context["widget"]["rows"] = [
            {
                "name": f"{name}_{i}",
                "id": f"{context['widget']['attrs'].get('id', 'id_' + name)}_{i}",
                "number": i + 1,
                "value": keys[i] if i < len(keys) else "",
                "options": options,
                "disabled": disabled,
            }
            for i in range(self.positions)
        ]
        return context


class TieBreakField(forms.Field):
    """The rule stored as keys ("total,math,exam_no"), checked by the solver's own parser; errors in words."""

    widget = TieBreakWidget

    def to_python(self, value):
        if value in (None, "", []):
            return ""
        try:
            return ",".join(parse_tie_break(value))
        except ValueError as exc:
            item = exc.args[0] if exc.args else ""
            raise forms.ValidationError(
                _("“{item}”无法识别或重复：可依次选 {names}，每项只选一次；最后总按考号排序。").format(
                    item=tie_break_label(item), names="、".join(tie_break_label(k) for k in TIE_BREAK_SCORES)
                ),
                code="invalid",
            ) from None


class AdmissionRoundForm(LockableForm):
    tie_break = TieBreakField(
        label=gettext_lazy("同分排序规则"),
        help_text=gettext_lazy("名次先看第 1 项，相同再看下一项，依次比较；各项都相同时按考号排序，考号小者在前。"),
    )

    class Meta:
        model = AdmissionRound
        fields = ("school_year", "name", "quota_share", "quota_rule", "preference_count", "tie_break", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("tie_break", AdmissionRound._meta.get_field("tie_break").default)

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
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ApplicantUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("考生文件"))
