import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.forms import ScopedModelForm, restrict_form_fields, style_form
from emis.orgs.models import School

from . import terms
from .models import Assignment, Inspector, LeaderPost, Matter, Method, Severity, VisitKind

FINDING_ROWS = 3


class InspectorForm(ScopedModelForm):
    class Meta:
        model = Inspector
        fields = ("name", "kind", "unit", "phone", "certificate_no", "user", "start_date", "end_date", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Within the accounts the user may see (accounts are the administrator's): those with the 督学 role.
        self.fields["user"].queryset = self.fields["user"].queryset.filter(role=Role.INSPECTOR)
        self.fields["user"].required = False


class AssignmentForm(ScopedModelForm):
    class Meta:
        model = Assignment
        fields = ("inspector", "school", "start_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for field in self.fields.values():
                field.disabled = True
            self.lock_reason = _("责任区记录不能修改；学校调整请在此记录上“终止”，再为新督学分配。")


class EndAssignmentForm(forms.Form):
    end_date = forms.DateField(
        label=_("终止日期"),
        help_text=_("该校在此督学责任区的最后一天。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class LeaderPostForm(ScopedModelForm):
    class Meta:
        model = LeaderPost
        fields = ("leader", "township", "start_date", "end_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = self.fields["leader"].queryset.filter(role=Role.LEADER)
        from emis.orgs.choices import DivisionLevel

        self.fields["township"].queryset = self.fields["township"].queryset.filter(level=DivisionLevel.TOWNSHIP)


def _years():
    this = timezone.localdate().year
    return [(year, f"{year}年") for year in range(this + 1, this - 6, -1)]


class TermForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=_years)
    term = forms.ChoiceField(label=_("学期"), choices=list(terms.TERMS.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year, term = terms.term_of(timezone.localdate())
        self.fields["year"].initial = year
        self.fields["term"].initial = term
        style_form(self)


class NoticeForm(forms.Form):
    days = forms.IntegerField(label=_("整改期限（工作日）"), min_value=1, max_value=120, initial=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class VisitForm(forms.Form):
    """督导记录 on a phone: the school (of the 督学's 责任区), the day, kind, methods, matters, and up to three
    findings. ``client_token`` is made by the page once, so a form sent twice records one visit."""

    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    inspector = forms.ModelChoiceField(label=_("督学"), queryset=Inspector.objects.all())
    school = forms.ModelChoiceField(label=_("学校"), queryset=School.objects.all())
    visited_on = forms.DateField(label=_("督导日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("督导类型"), choices=VisitKind.choices, initial=VisitKind.REGULAR)
    methods = forms.MultipleChoiceField(
        label=_("督导方式"), choices=Method.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    matters = forms.MultipleChoiceField(
        label=_("督导事项"), choices=Matter.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    summary = forms.CharField(label=_("督导情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()
        for i in range(1, FINDING_ROWS + 1):
            self.fields[f"finding_{i}"] = forms.CharField(
                label=_("发现的问题{n}").format(n=i), max_length=500, required=False
            )
            self.fields[f"severity_{i}"] = forms.ChoiceField(
                label=_("严重程度"), choices=Severity.choices, initial=Severity.GENERAL
            )
            self.fields[f"requirement_{i}"] = forms.CharField(label=_("整改要求"), max_length=500, required=False)
            self.fields[f"must_change_{i}"] = forms.BooleanField(label=_("须下发整改通知"), required=False)
            self.fields[f"photo_{i}"] = forms.FileField(
                label=_("现场照片"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
            )
        restrict_form_fields(self, user)
        own = Inspector.objects.filter(user=user).first() if user.role == Role.INSPECTOR else None
        if own is not None:
            self.fields["inspector"].queryset = Inspector.objects.filter(pk=own.pk)
            self.fields["inspector"].initial = own.pk
            self.fields["school"].queryset = School.objects.for_user(user)  # a 督学's scope is the 责任区
        style_form(self)
        for name in ("methods", "matters"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("督导日期不能晚于今天。"))
        if day < dt.date(2000, 1, 1):
            raise forms.ValidationError(_("请填写正确的督导日期。"))
        return day

    def findings(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "text": data.get(f"finding_{i}", ""),
                "severity": data.get(f"severity_{i}"),
                "requirement": data.get(f"requirement_{i}", ""),
                "must_change": data.get(f"must_change_{i}", False),
                "photo": data.get(f"photo_{i}") or None,
            }
            for i in range(1, FINDING_ROWS + 1)
            if data.get(f"finding_{i}")
        ]

    def finding_rows(self):
        return [
            (
                self[f"finding_{i}"],
                self[f"severity_{i}"],
                self[f"requirement_{i}"],
                self[f"must_change_{i}"],
                self[f"photo_{i}"],
            )
            for i in range(1, FINDING_ROWS + 1)
        ]
