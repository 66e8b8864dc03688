"""The guided roll-change pages: a pupil's 学籍异动 (休学, 复学, 辍学, 县内转学, 转出县外), a whole class at once, the
学年升级 with its preview before the commit (then its progress), and the undo. Views are thin: each reads through the
user's scope (404 outside it; a role that may not change pupils gets 404 too), calls one service of rollchanges.py
and shows its Chinese refusal."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from emis.core import access
from emis.core.access import CHANGE
from emis.core.forms import choose_prompt, style_form
from emis.core.pickers import use_picker
from emis.core.writes import Refused
from emis.orgs.models import Division, School, SchoolYear

from . import rollchanges as rc
from .apps import DOMAIN
from .choices import ON_ROLL_STATUSES, EnrollmentStatus
from .models import Enrollment, RollChange, RollChangeKind, RollChangeLine, RollChangeState, SchoolClass, Student

LINES_SHOWN = 100
ISO = "%Y-%m-%d"  # what an <input type="date"> takes


def _require_writer(request) -> None:
    if not access.role_may(request.user, DOMAIN, CHANGE):
        raise Http404


def _refused(request, exc: Refused) -> None:
    for message in exc.messages:
        messages.error(request, message)
    if exc.more:
        messages.error(request, _("……另有更多问题未列出。"))


# ---- forms -------------------------------------------------------------------------------------------------------

ACTIONS = {
    RollChangeKind.SUSPEND: (gettext_lazy("休学"), ON_ROLL_STATUSES),
    RollChangeKind.RESUME: (gettext_lazy("复学"), (EnrollmentStatus.SUSPENDED,)),
    RollChangeKind.DROP_OUT: (gettext_lazy("辍学"), (*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED)),
    RollChangeKind.TRANSFER: (gettext_lazy("县内转学"), (*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED)),
    RollChangeKind.TRANSFER_OUT: (gettext_lazy("转出县外"), (*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED)),
}
CLASS_ACTIONS = (
    RollChangeKind.SUSPEND,
    RollChangeKind.RESUME,
    RollChangeKind.DROP_OUT,
    RollChangeKind.TRANSFER_OUT,
)


def transfer_schools(user, exclude=None):
    """The schools a 县内转学 may go to: those the user covers (teaching points under their primary school)."""
    schools = School.objects.for_user(user).filter(parent=None, closed_on=None).select_related("township")
    if exclude is not None:
        schools = schools.exclude(pk=exclude.pk)
    return schools.order_by("township__code", "name")


class RollChangeForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("异动类型"), widget=forms.RadioSelect)
    date = forms.DateField(label=gettext_lazy("异动日期"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO))
    to_school = forms.ModelChoiceField(
        label=gettext_lazy("转入学校（县内转学）"), queryset=School.objects.none(), required=False
    )
    destination_name = forms.CharField(label=gettext_lazy("转入学校名称（转出县外）"), max_length=100, required=False)
    destination_region = forms.CharField(
        label=gettext_lazy("转入学校所在省份/地区（转出县外）"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("如：广东省广州市"),
    )
    reason = forms.CharField(label=gettext_lazy("原因或说明"), max_length=200, required=False)

    def __init__(self, *args, user, actions, school=None, transfer=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(kind, ACTIONS[kind][0]) for kind in actions]
        if transfer:
            self.fields["to_school"].queryset = transfer_schools(user, exclude=school)
            use_picker(self.fields["to_school"])  # typed, not a dropdown of the county's schools
        else:
            del self.fields["to_school"]
        self.fields["date"].initial = dt.date.today()
        style_form(self)
        choose_prompt(self)
        self.fields["action"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == RollChangeKind.TRANSFER and not data.get("to_school"):
            self.add_error("to_school", _("县内转学请选择转入学校。"))
        if action == RollChangeKind.TRANSFER_OUT:
            if not (data.get("destination_name") or "").strip():
                self.add_error("destination_name", _("转出县外请填写转入学校名称。"))
            if not (data.get("destination_region") or "").strip():
                self.add_error("destination_region", _("转出县外请填写转入学校所在省份或地区。"))
        return data


def run_action(kind, *, students, data, user, school=None) -> RollChange:
    date, reason = data["date"], data.get("reason", "")
    if kind == RollChangeKind.SUSPEND:
        return rc.pupils_suspend(students=students, date=date, reason=reason, acting_user=user)
    if kind == RollChangeKind.RESUME:
        return rc.pupils_resume(students=students, date=date, reason=reason, acting_user=user)
    if kind == RollChangeKind.DROP_OUT:
        return rc.pupils_drop_out(students=students, date=date, reason=reason, acting_user=user)
    if kind == RollChangeKind.TRANSFER:
        return rc.pupil_transfer(
            student=students[0], to_school=data["to_school"], date=date, reason=reason, acting_user=user
        )
    return rc.pupils_transfer_out(
        students=students,
        date=date,
        destination_name=data["destination_name"],
        destination_region=data["destination_region"],
        reason=reason,
        acting_user=user,
    )


# ---- a pupil ---------------------------------------------------------------------------------------------------


@login_required
def student_rollchange(request, pk: int):
    """办理学籍异动 for one pupil: the actions their current status allows, guided by the form's help."""
    _require_writer(request)
    student = get_object_or_404(Student.objects.for_user(request.user, CHANGE), pk=pk)
    enrollment = (
        Enrollment.objects.for_user(request.user, CHANGE)
        .filter(student=student, is_current=True)
        .select_related("school", "school_year", "school_class")
        .order_by("-school_year__start_year", "-status_date", "-id")
        .first()
    )
    if enrollment is None:
        raise Http404
    actions = [kind for kind, (_label, allowed) in ACTIONS.items() if enrollment.status in allowed]
    if not transfer_schools(request.user, exclude=enrollment.school).exists():
        # A school account covers no other school: a 县内转学 is the township's or the county's (docs).
        actions = [kind for kind in actions if kind != RollChangeKind.TRANSFER]
    form = RollChangeForm(
        request.POST or None,
        user=request.user,
        actions=actions,
        school=enrollment.school,
        transfer=RollChangeKind.TRANSFER in actions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                change = run_action(
                    form.cleaned_data["action"], students=[student], data=form.cleaned_data, user=request.user
                )
        except Refused as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已办理：{change}。").format(change=change))
            return redirect(change)
    return render(
        request,
        "students/rollchange_student.html",
        {"student": student, "enrollment": enrollment, "form": form, "actions": actions},
    )


# ---- a class at once ---------------------------------------------------------------------------------------------


@login_required
def class_rollchange(request, pk: int):
    """整班异动: tick pupils of the class, choose the action (休学, 复学, 辍学, 转出县外), all or nothing."""
    _require_writer(request)
    school_class = get_object_or_404(
        SchoolClass.objects.for_user(request.user, CHANGE).select_related("school", "school_year"), pk=pk
    )
    rows = list(
        Enrollment.objects.for_user(request.user, CHANGE)
        .filter(school_class=school_class, is_current=True)
        .select_related("student")
        .order_by("student__name_initials", "student__name", "id")
    )
    form = RollChangeForm(request.POST or None, user=request.user, actions=CLASS_ACTIONS, transfer=False)
    chosen = set()
    if request.method == "POST":
        by_id = {str(row.student_id): row.student for row in rows}
        picked = request.POST.getlist("students")
        chosen = {value for value in picked if value in by_id}
        unknown = [value for value in picked if value not in by_id]
        if unknown:
            raise Http404  # a pupil not on this class's page (or not the user's)
        if not chosen:
            messages.error(request, _("请至少勾选一名学生。"))
        elif form.is_valid():
            try:
                with transaction.atomic():
                    change = run_action(
                        form.cleaned_data["action"],
                        students=[by_id[value] for value in sorted(chosen, key=int)],
                        data=form.cleaned_data,
                        user=request.user,
                    )
            except Refused as exc:
                _refused(request, exc)
            else:
                messages.success(request, _("已办理：{change}，共 {n} 人。").format(change=change, n=change.pupils))
                return redirect(change)
    return render(
        request,
        "students/rollchange_class.html",
        {"school_class": school_class, "rows": rows, "form": form, "chosen": chosen},
    )


# ---- 学年升级 ---------------------------------------------------------------------------------------------------


def promotion_areas(user) -> list[tuple[str, str]]:
    """The places the user may promote, as form choices: the county or townships they cover, then schools (primary
    schools with their teaching points; no teaching point alone)."""
    choices = []
    divisions = Division.objects.filter(level__in=("county", "township")).order_by("code")
    _school_ids, codes = access.scope_of(user)
    divisions = divisions.filter(Q(*[Q(code__startswith=c) for c in codes], _connector=Q.OR)) if codes else []
    for division in divisions:
        if access.covers(user, division=division.code):
            prefix = _("全县") if division.level == "county" else _("乡镇")
            choices.append((f"d:{division.code}", f"{prefix} · {division.name}"))
    for school in transfer_schools(user):
        choices.append((f"s:{school.pk}", f"{_('学校')} · {school.name}"))
    return choices


# A list of places a clerk still reads as a dropdown; past it, schools are picked by typing.
SHORT_AREA_LIST = 40


class PromotionForm(forms.Form):
    area = forms.ChoiceField(label=gettext_lazy("升级范围"), required=False)
    area_school = forms.ModelChoiceField(
        label=gettext_lazy("或只升一所学校"), queryset=School.objects.none(), required=False
    )
    school_year = forms.ModelChoiceField(label=gettext_lazy("升级前学年"), queryset=SchoolYear.objects.all())
    graduate_date = forms.DateField(
        label=gettext_lazy("毕业日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO),
        help_text=gettext_lazy("毕业年级学生的学籍状态日期，须在升级前学年之内。"),
    )
    promote_date = forms.DateField(
        label=gettext_lazy("升级日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO),
        help_text=gettext_lazy("新学年学籍的状态日期，一般为 9 月 1 日。"),
    )
    repeaters = forms.CharField(
        label=gettext_lazy("留级学生"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个全国学籍号或身份证号；留级学生升入新学年的原年级同名班级。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        areas = promotion_areas(user)
        self.fields["area"].choices = [("", _("请选择")), *areas]
        if len(areas) > SHORT_AREA_LIST:
            # A county's or city's list: its county and townships in the dropdown, a single school typed.
            self.fields["area"].widget.choices = [("", _("请选择")), *(a for a in areas if a[0].startswith("d:"))]
            self.fields["area_school"].queryset = transfer_schools(user)
            use_picker(self.fields["area_school"])
        else:
            del self.fields["area_school"]
        current = (
            SchoolYear.objects.filter(is_current=True).first() or SchoolYear.objects.order_by("-start_year").first()
        )
        if current is not None:
            self.fields["school_year"].initial = current.pk
            self.fields["graduate_date"].initial = dt.date(current.start_year + 1, 7, 1)
            self.fields["promote_date"].initial = dt.date(current.start_year + 1, 9, 1)
        style_form(self)
        choose_prompt(self)

    def clean(self):
        cleaned = super().clean()
        school = cleaned.get("area_school")
        if school is not None:
            cleaned["area"] = f"s:{school.pk}"
        elif not cleaned.get("area") and "area" not in self.errors:
            self.add_error("area", _("请选择升级范围：全县、一个乡镇或一所学校。"))
        return cleaned

    def chosen_area(self) -> dict:
        kind, _sep, key = self.cleaned_data["area"].partition(":")
        if kind == "s":
            return {"school": get_object_or_404(School.objects.for_user(self.user), pk=int(key))}
        return {"division": get_object_or_404(Division, code=key)}


@login_required
def promotion(request):
    """学年升级: choose the area and year, see the preview (counts per grade, exceptions), then commit."""
    _require_writer(request)
    form = PromotionForm(request.POST or None, user=request.user)
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            repeat_ids = rc.repeaters_from_text(request.user, data["repeaters"], school_year=data["school_year"])
            if "commit" in request.POST:
                with transaction.atomic():
                    change = rc.promotion_request(
                        school_year=data["school_year"],
                        repeat_ids=repeat_ids,
                        promote_date=data["promote_date"],
                        graduate_date=data["graduate_date"],
                        acting_user=request.user,
                        **form.chosen_area(),
                    )
                if change.state == RollChangeState.DONE:
                    messages.success(request, change.message or _("学年升级已完成。"))
                elif change.state == RollChangeState.FAILED:
                    messages.error(request, change.message)
                else:
                    messages.success(request, _("学年升级已提交，正在后台处理，本页显示进度。"))
                return redirect(change)
            plan = rc.promotion_plan(
                request.user, school_year=data["school_year"], repeat_ids=repeat_ids, **form.chosen_area()
            )
        except Refused as exc:
            _refused(request, exc)
    return render(
        request,
        "students/promotion.html",
        {
            "form": form,
            "plan": plan,
            "exceptions": list(plan.exceptions.values()) if plan else [],
            "list_url": reverse("students:rollchange_list"),
        },
    )


@login_required
def rollchange_progress(request, pk: int):
    """The progress panel of a queued or running 学年升级 (polled by htmx); once it has ended the page reloads."""
    change = get_object_or_404(RollChange.objects.for_user(request.user), pk=pk)
    response = render(
        request,
        "students/_promotion_progress.html",
        {"change": change, "percent": rc.promotion_progress(change)},
    )
    if change.state not in (RollChangeState.QUEUED, RollChangeState.RUNNING) and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def rollchange_undo(request, pk: int):
    """撤销: the change as one unit, when nothing later depends on it (else the Chinese reason)."""
    _require_writer(request)
    change = get_object_or_404(RollChange.objects.for_user(request.user, CHANGE), pk=pk)
    try:
        rc.rollchange_undo(roll_change=change, acting_user=request.user)
    except Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("已撤销：{change}。").format(change=change))
    return redirect(change)


def detail_extra(change: RollChange, request) -> dict:
    """What a roll change's page shows beyond its fields: the undo (or why not), the progress of a running 升级,
    its counts per grade and the first lines with the pupils' names."""
    user = request.user
    lines = RollChangeLine.objects.filter(roll_change=change).select_related("student").order_by("id")[:LINES_SHOWN]
    refusal = rc.undo_refusal(change, user) if change.state == RollChangeState.DONE else None
    return {
        "change": change,
        "may_undo": change.state == RollChangeState.DONE and refusal is None,
        "undo_reason": refusal,
        "running": change.state in (RollChangeState.QUEUED, RollChangeState.RUNNING),
        "percent": rc.promotion_progress(change),
        "by_grade": change.details.get("by_grade", []) if change.kind == RollChangeKind.PROMOTE else [],
        "lines": [
            {"student": line.student, "outcome": rc.OUTCOME_LABELS.get(line.outcome, line.outcome), "line": line}
            for line in lines
        ],
        "lines_more": max(change.pupils - LINES_SHOWN, 0),
    }
