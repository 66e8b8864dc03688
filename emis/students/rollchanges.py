"""Roll changes (学籍异动) as guided actions: 学年升级, 县内转学, 转出县外, 休学, 复学, 辍学.

Each action is one service here, with its rules, a named domain event (``students.rollchange.<kind>``) and a
RollChange row that lists what it wrote (RollChangeLine), so that :func:`rollchange_undo` can take it back as one
unit while nothing later touches those pupils (:func:`undo_refusal` says why not otherwise).

The single-pupil actions write through the ORM (the save signals write the change records); the 学年升级 of a
school, a township or the county writes in bulk (insert_rows/update_rows with record_changes_bulk, ADR 0006) and
runs as a background task with progress (:func:`promotion_request`, :func:`promotion_run`).

A pupil's enrolment history keeps one current row per school year (Enrollment): a status change closes the current
row and opens a new one (services.enrollment_change_status), a 升级 opens the next year's row and leaves the old
year's as it was; graduation (毕业) closes the final grade's row and opens a 毕业 row in the same year.

Scope: every action starts from ``Enrollment.objects.for_user(user, CHANGE)``; a 县内转学 needs a user who covers
both schools (a 乡镇 account inside its township, the county's 股室), see docs/domains/students.md.

控辍保学: recording a 辍学 calls the function another app offers under the name ``dropout_recorded`` in the registry
(``AppRegistration.provides``), when one does: the hook where a later app opens its case; nothing is imported here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emis.common.schoolyear import school_year_label
from emis.core import access, registry
from emis.core.access import CHANGE
from emis.core.audit import audit_context, record_changes_bulk, record_event
from emis.core.bulk import allocate_ids, delete_rows, insert_rows, update_rows
from emis.core.models import ChangeAction, ChangeSource
from emis.core.writes import Refused, update_logged
from emis.orgs.models import School, SchoolYear

from .apps import DOMAIN
from .choices import GRADE_LEVEL, ON_ROLL_STATUSES, EnrollmentStatus, Grade
from .models import Enrollment, RollChange, RollChangeKind, RollChangeLine, RollChangeState, SchoolClass, Student
from .services import ENROLLMENT_COLUMNS, student_sync_current_school

# The grade a pupil moves up to at the start of the next school year; the final grade of each level graduates.
NEXT_GRADE = {
    "K1": "K2",
    "K2": "K3",
    "P1": "P2",
    "P2": "P3",
    "P3": "P4",
    "P4": "P5",
    "P5": "P6",
    "J1": "J2",
    "J2": "J3",
    "S1": "S2",
    "S2": "S3",
    "V1": "V2",
    "V2": "V3",
}
# 大班 (幼儿园), 六年级 (小学), 九年级/初三, 高三, 中职三年级: 毕业. A 九年一贯制 school's 六年级 also graduates from
# 小学: entering 七年级 is an admission (a new enrolment), not a 升级.
FINAL_GRADES = ("K3", "P6", "J3", "S3", "V3")
GRADE_ORDER = {g: i for i, g in enumerate(Grade.values)}

# What a change did to one pupil (RollChangeLine.outcome).
PROMOTED, REPEATED, GRADUATED = "promoted", "repeated", "graduated"
MOVED, LEFT, SUSPENDED, RESUMED, DROPPED = "moved", "left", "suspended", "resumed", "dropped"
OUTCOME_LABELS = {
    PROMOTED: gettext_lazy("升级"),
    REPEATED: gettext_lazy("留级"),
    GRADUATED: gettext_lazy("毕业"),
    MOVED: gettext_lazy("转学"),
    LEFT: gettext_lazy("转出县外"),
    SUSPENDED: gettext_lazy("休学"),
    RESUMED: gettext_lazy("复学"),
    DROPPED: gettext_lazy("辍学"),
}

EXCEPTIONS_SHOWN = 200  # names listed per exception on the preview; the counts are always whole


def _event(kind: str) -> str:
    return f"students.rollchange.{kind}"


def _labeler():
    """label(name, year label, grade, status): an enrolment's text in a change record (as Enrollment.__str__), for
    rows written in bulk; the translated part is worked out once per (year, grade, status) and call, since a county's
    升级 writes a hundred thousand of them."""
    tails: dict[tuple, str] = {}

    def label(student_name: str, year_label: str, grade: str, status: str) -> str:
        key = (year_label, grade, status)
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = f"{year_label} {Grade(grade).label} {EnrollmentStatus(status).label}"
        return f"{student_name} {tail}"[:200]

    return label


# ---- scope -------------------------------------------------------------------------------------------------------


def require_writer(user) -> None:
    if not access.role_may(user, DOMAIN, CHANGE):
        raise Refused(_("您的角色不能办理学籍异动。"))


def current_enrollment(user, student: Student) -> Enrollment:
    """The pupil's current enrolment of the latest year, if the user may change it; Refused otherwise (the pages
    answer 404 before, by reading the pupil through the same scope)."""
    require_writer(user)
    enrollment = (
        Enrollment.objects.for_user(user, CHANGE)
        .filter(student=student, is_current=True)
        .select_related("school__township", "school_year", "school_class", "student")
        .order_by("-school_year__start_year", "-status_date", "-id")
        .first()
    )
    if enrollment is None:
        raise Refused(_("没有找到该学生在您管辖范围内的当前学籍记录。"))
    latest = (
        Enrollment.objects.filter(student=student, is_current=True)
        .order_by("-school_year__start_year", "-status_date", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != enrollment.pk:
        raise Refused(_("该学生的最新学籍记录不在您的管辖范围内。"))
    return enrollment


# ---- the single-pupil actions ----------------------------------------------------------------------------------


def _require_status(enrollment: Enrollment, allowed, action_label: str) -> None:
    if enrollment.status not in allowed:
        raise Refused(
            _("{name}：学籍状态为“{status}”，不能办理{action}。").format(
                name=enrollment.student.name, status=enrollment.get_status_display(), action=action_label
            )
        )


def _require_date(enrollment: Enrollment, date: dt.date) -> None:
    if date is None:
        raise Refused(_("请填写异动日期。"))
    if date < enrollment.status_date:
        raise Refused(
            _("{name}：异动日期 {date} 早于当前学籍状态日期 {since}。").format(
                name=enrollment.student.name, date=date.isoformat(), since=enrollment.status_date.isoformat()
            )
        )


def _open_row(enrollment: Enrollment, *, status, date, note="", school=None, school_class=None, grade=None):
    """Close the pupil's current row and open the new current one (the same rule as enrollment_change_status). The
    close is a flag: QuerySet.update keeps the row's updated_at, so once this change is undone the row reads as
    untouched to the undo of the change before it."""
    Enrollment.objects.filter(pk=enrollment.pk).update(is_current=False)
    enrollment.is_current = False
    record_changes_bulk([(enrollment, ChangeAction.UPDATE, {"is_current": [True, False]})])
    new = Enrollment(
        student=enrollment.student,
        school=school or enrollment.school,
        school_year=enrollment.school_year,
        school_class=school_class if school is not None else enrollment.school_class,
        grade=grade or enrollment.grade,
        status=status,
        status_date=date,
        note=note[:200],
        is_current=True,
    )
    new.full_clean(exclude=["student", "school", "school_year"])
    new.save()
    return new


def _finish(change: RollChange, lines: list[RollChangeLine], *, high_water: int) -> RollChange:
    change.pupils = len(lines)
    change.high_water = high_water
    change.finished_at = timezone.now()
    change.state = RollChangeState.DONE
    change.save()
    for line in lines:
        line.roll_change = change
    RollChangeLine.objects.bulk_create(lines)
    record_event(
        _event(change.kind),
        data={
            "roll_change": change.pk,
            "pupils": change.pupils,
            "school": change.school_id,
            "to_school": change.to_school_id,
            "students": [line.student_id for line in lines][:1000],
        },
        school_id=change.school_id,
        division_code=change.division_code,
    )
    return change


def _new_change(kind, *, user, enrollment: Enrollment | None, date, **fields) -> RollChange:
    school = enrollment.school if enrollment is not None else fields.pop("school", None)
    change = RollChange(
        kind=kind,
        state=RollChangeState.RUNNING,
        school_year=enrollment.school_year if enrollment is not None else fields.pop("school_year"),
        school=school,
        division_code=school.township.code if school is not None else fields.pop("division_code", ""),
        date=date,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **fields,
    )
    change.save()
    return change


def _single(kind, outcome, *, user, students, date, apply, allowed, action_label, **fields) -> RollChange:
    """One action for one or many pupils (a class at once): all or nothing."""
    enrollments = [current_enrollment(user, student) for student in students]
    if not enrollments:
        raise Refused(_("请至少选择一名学生。"))
    problems = []
    for enrollment in enrollments:
        try:
            _require_status(enrollment, allowed, action_label)
            _require_date(enrollment, date)
        except Refused as exc:
            problems += exc.messages
    if problems:
        raise Refused(*problems[:20], more=len(problems) > 20)
    schools = {e.school_id for e in enrollments}
    first = enrollments[0]
    change = _new_change(
        kind,
        user=user,
        enrollment=first if len(schools) == 1 else None,
        date=date,
        student=first.student if len(enrollments) == 1 else None,
        area_name=first.school.name if len(schools) == 1 else "",
        **(
            {}
            if len(schools) == 1
            else {"school_year": first.school_year, "division_code": os_common_division(enrollments)}
        ),
        **fields,
    )
    lines, high = [], 0
    for enrollment in enrollments:
        previous_school = enrollment.student.current_school_id
        new, extra = apply(enrollment)
        student_sync_current_school(student=enrollment.student)
        high = max(high, new.pk)
        lines.append(
            RollChangeLine(
                student=enrollment.student,
                outcome=outcome,
                from_grade=enrollment.grade,
                to_grade=new.grade,
                closed_enrollment_id=enrollment.pk,
                new_enrollment_id=new.pk,
                previous_school_id=previous_school,
                **extra,
            )
        )
    return _finish(change, lines, high_water=high)


def os_common_division(enrollments) -> str:
    """The longest division code all the pupils' schools share (a township, else the county)."""
    codes = [e.school.township.code for e in enrollments]
    common = codes[0]
    for code in codes[1:]:
        while not code.startswith(common):
            common = common[:-1]
    return common


@transaction.atomic
def pupils_suspend(*, students, date: dt.date, reason: str = "", acting_user) -> RollChange:
    """休学: an on-roll pupil keeps the place but leaves the roll (not counted as 在校生) until 复学."""

    def apply(enrollment):
        return _open_row(enrollment, status=EnrollmentStatus.SUSPENDED, date=date, note=reason), {}

    return _single(
        RollChangeKind.SUSPEND,
        SUSPENDED,
        user=acting_user,
        students=students,
        date=date,
        apply=apply,
        allowed=ON_ROLL_STATUSES,
        action_label=_("休学"),
        reason=reason,
    )


@transaction.atomic
def pupils_resume(*, students, date: dt.date, reason: str = "", acting_user) -> RollChange:
    """复学: a suspended pupil returns to the roll (在读) in the same school, grade and class."""

    def apply(enrollment):
        return _open_row(enrollment, status=EnrollmentStatus.ENROLLED, date=date, note=reason), {}

    return _single(
        RollChangeKind.RESUME,
        RESUMED,
        user=acting_user,
        students=students,
        date=date,
        apply=apply,
        allowed=(EnrollmentStatus.SUSPENDED,),
        action_label=_("复学"),
        reason=reason,
    )


@transaction.atomic
def pupils_drop_out(*, students, date: dt.date, reason: str = "", acting_user) -> RollChange:
    """辍学: recorded now; the 控辍保学 case is opened by the app that offers ``dropout_recorded`` (none yet)."""

    def apply(enrollment):
        return _open_row(enrollment, status=EnrollmentStatus.DROPPED_OUT, date=date, note=reason), {}

    change = _single(
        RollChangeKind.DROP_OUT,
        DROPPED,
        user=acting_user,
        students=students,
        date=date,
        apply=apply,
        allowed=(*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED),
        action_label=_("辍学登记"),
        reason=reason,
    )
    hook = registry.provided("dropout_recorded")
    if hook is not None:
        # The 控辍保学 app (a later issue) opens its 劝返 case for each pupil: hook(roll_change=..., acting_user=...).
        hook(roll_change=change, acting_user=acting_user)
    return change


@transaction.atomic
def pupil_transfer(
    *, student, to_school: School, date: dt.date, to_class: SchoolClass | None = None, reason: str = "", acting_user
) -> RollChange:
    """县内转学: the pupil leaves one school of the county and joins another, in one action by a user who covers both
    (the sending school sees the pupil left and where to; the receiving school sees the pupil arrive)."""
    enrollment = current_enrollment(acting_user, student)
    if to_school is None:
        raise Refused(_("请选择转入学校。"))
    if not access.covers(acting_user, school=to_school):
        raise Refused(_("转入学校不在您的管辖范围内：县内转学由同时管辖两所学校的乡镇中心学校或教育局办理。"))
    if to_school.pk == enrollment.school_id:
        raise Refused(_("转入学校与原学校相同。"))
    if to_school.township.code[:6] != enrollment.school.township.code[:6]:
        raise Refused(_("转入学校不在本县：请办理“转出县外”。"))
    if to_class is not None and (
        to_class.school_id != to_school.pk
        or to_class.school_year_id != enrollment.school_year_id
        or to_class.grade != enrollment.grade
    ):
        raise Refused(_("转入班级须是转入学校本学年同年级的班级。"))
    origin = enrollment.school

    def apply(enrollment):
        new = _open_row(
            enrollment,
            status=EnrollmentStatus.TRANSFERRED_IN,
            date=date,
            note=_("自{school}转入").format(school=origin.name) + (f"；{reason}" if reason else ""),
            school=to_school,
            school_class=to_class,
        )
        return new, {}

    return _single(
        RollChangeKind.TRANSFER,
        MOVED,
        user=acting_user,
        students=[student],
        date=date,
        apply=apply,
        allowed=(*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED),
        action_label=_("县内转学"),
        to_school=to_school,
        to_division_code=to_school.township.code,
        destination_name=to_school.name,
        reason=reason,
    )


@transaction.atomic
def pupils_transfer_out(
    *, students, date: dt.date, destination_name: str, destination_region: str, reason: str = "", acting_user
) -> RollChange:
    """转出县外: the pupil leaves for a school outside the county; a 县外就读 record of the year is added for a pupil
    with an ID number (the population app's list, which 控辍保学 counts as in school)."""
    from emis.population.models import OutsideEnrollment

    destination_name = (destination_name or "").strip()
    destination_region = (destination_region or "").strip()
    if not destination_name:
        raise Refused(_("请填写转入学校名称。"))
    if not destination_region:
        raise Refused(_("请填写转入学校所在省份（地区）。"))

    def apply(enrollment):
        new = _open_row(
            enrollment,
            status=EnrollmentStatus.TRANSFERRED_OUT,
            date=date,
            note=_("转至{region}{school}").format(region=destination_region, school=destination_name),
        )
        student = enrollment.student
        outside_id = None
        if (
            student.id_number
            and not OutsideEnrollment.objects.filter(
                school_year=enrollment.school_year, id_number=student.id_number
            ).exists()
        ):
            hukou = student.hukou_township if student.hukou_township_id else None
            outside = OutsideEnrollment(
                school_year=enrollment.school_year,
                id_number=student.id_number,
                name=student.name,
                hukou_township=hukou if hukou is not None and hukou.level == "township" else None,
                school_name=destination_name[:100],
                region=destination_region[:100],
                grade=enrollment.get_grade_display(),
                verified_on=date,
                note=_("学籍异动：转出县外"),
            )
            outside.save()
            outside_id = outside.pk
        return new, {"outside_id": outside_id}

    return _single(
        RollChangeKind.TRANSFER_OUT,
        LEFT,
        user=acting_user,
        students=students,
        date=date,
        apply=apply,
        allowed=(*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED),
        action_label=_("转出县外"),
        destination_name=destination_name[:100],
        destination_region=destination_region[:100],
        reason=reason,
    )


# ---- undo ----------------------------------------------------------------------------------------------------------


def undo_refusal(change: RollChange, user=None) -> str | None:
    """Why the change may not be undone (in Chinese), or None when it may: it is in effect, the user may change its
    place, and nothing later touched its pupils (their enrolments since, edits of the rows it wrote or closed)."""
    return undo_refusals([change], user)[change.pk]


def undo_refusals(changes, user=None) -> dict[int, str | None]:
    """undo_refusal for several changes (a list page) in three queries whatever their number."""
    result: dict[int, str | None] = {}
    done = []
    for change in changes:
        result[change.pk] = None
        if change.state != RollChangeState.DONE:
            result[change.pk] = _("该异动状态为“{state}”，不能撤销。").format(state=change.get_state_display())
        elif user is not None and (reason := _scope_refusal(change, user)):
            result[change.pk] = reason
        else:
            done.append(change)
    if not done:
        return result
    ids = [c.pk for c in done]
    lines = RollChangeLine.objects.filter(roll_change_id__in=ids)
    rewritten = set(
        lines.exclude(new_enrollment_id=None)
        .annotate(
            intact=Exists(
                Enrollment.objects.filter(
                    pk=OuterRef("new_enrollment_id"),
                    is_current=True,
                    updated_at__lte=OuterRef("roll_change__finished_at"),
                )
            )
        )
        .filter(intact=False)
        .values_list("roll_change_id", flat=True)
        .distinct()
    )
    reopened = set(
        lines.exclude(closed_enrollment_id=None)
        .exclude(outcome__in=(PROMOTED, REPEATED))
        .annotate(
            touched=Exists(
                Enrollment.objects.filter(pk=OuterRef("closed_enrollment_id")).filter(
                    Q(is_current=True) | Q(updated_at__gt=OuterRef("roll_change__finished_at"))
                )
            )
        )
        .filter(touched=True)
        .values_list("roll_change_id", flat=True)
        .distinct()
    )
    later = set(
        lines.annotate(
            later=Exists(
                Enrollment.objects.filter(student_id=OuterRef("student_id"), pk__gt=OuterRef("roll_change__high_water"))
            )
        )
        .filter(later=True)
        .values_list("roll_change_id", flat=True)
        .distinct()
    )
    for pk in ids:
        if pk in later:
            result[pk] = _("之后这些学生已有新的学籍记录（再次异动或导入），不能撤销；请先撤销之后的异动。")
        elif pk in rewritten:
            result[pk] = _("之后已修改过本次异动写入的学籍记录，不能撤销。")
        elif pk in reopened:
            result[pk] = _("之后已修改过本次异动关闭的学籍记录，不能撤销。")
    return result


def _scope_refusal(change: RollChange, user) -> str | None:
    if not access.role_may(user, DOMAIN, CHANGE):
        return _("您的角色不能撤销学籍异动。")
    places = [p for p in (change.school, change.to_school) if p is not None]
    if places:
        covered = all(access.covers(user, school=p) for p in places)
    else:
        covered = bool(change.division_code) and access.covers(user, division=change.division_code)
    if not covered:
        return _("该异动涉及您管辖范围以外的学校，请由办理单位或上级撤销。")
    return None


@transaction.atomic
def rollchange_undo(*, roll_change: RollChange, acting_user) -> RollChange:
    """Take a roll change back as one unit: the rows it opened are deleted, the rows it closed reopened, the pupils'
    current school restored, the classes a 升级 created (and left empty) and the 县外就读 records it added removed."""
    change = RollChange.objects.select_for_update().get(pk=roll_change.pk)
    reason = undo_refusal(change, acting_user)
    if reason:
        raise Refused(reason)
    if change.kind == RollChangeKind.PROMOTE:
        _undo_bulk(change)
    else:
        _undo_rows(change)
    change.state = RollChangeState.UNDONE
    change.undone_at = timezone.now()
    change.undone_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    change.save()
    record_event(
        _event("undo"),
        data={"roll_change": change.pk, "kind": change.kind, "pupils": change.pupils},
        school_id=change.school_id,
        division_code=change.division_code,
    )
    return change


def _undo_rows(change: RollChange) -> None:
    from emis.population.models import OutsideEnrollment

    for line in RollChangeLine.objects.filter(roll_change=change).select_related("student"):
        if line.new_enrollment_id:
            Enrollment.objects.get(pk=line.new_enrollment_id).delete()
        if line.closed_enrollment_id:
            _reopen([line.closed_enrollment_id])
        if line.outside_id:
            for outside in OutsideEnrollment.objects.filter(pk=line.outside_id):
                outside.delete()  # one row: the delete signal writes its change record
        student = line.student
        if student.current_school_id != line.previous_school_id:
            student.current_school_id = line.previous_school_id
            if line.previous_school_id:
                student.county_code = School.objects.get(pk=line.previous_school_id).township.code[:6]
            student.save()


def _scoped_rows(ids):
    """(id, school_id, township code, grade, class id, status, year id, student name, year start) of enrolments."""
    rows = []
    ids = list(ids)
    for start in range(0, len(ids), 5000):
        rows += list(
            Enrollment.objects.filter(pk__in=ids[start : start + 5000]).values_list(
                "pk",
                "school_id",
                "school__township__code",
                "grade",
                "school_class_id",
                "status",
                "school_year_id",
                "student__name",
                "school_year__start_year",
            )
        )
    return rows


def _reopen(ids) -> None:
    """Make closed rows current again as they were: QuerySet.update leaves updated_at alone, so a row reopened by an
    undo reads as untouched to the undo of the change before it (undo_refusal compares updated_at)."""
    _label = _labeler()
    audit = [
        (
            (Enrollment, pk),
            ChangeAction.UPDATE,
            {"is_current": [False, True]},
            (school_id, code),
            _label(name, _year_label(start), grade, status),
        )
        for pk, school_id, code, grade, _class_id, status, _year, name, start in _scoped_rows(ids)
    ]
    ids = list(ids)
    for start in range(0, len(ids), 5000):
        Enrollment.objects.filter(pk__in=ids[start : start + 5000]).update(is_current=True)
    record_changes_bulk(audit)


def _year_label(start_year: int) -> str:
    return school_year_label(start_year)  # as SchoolYear.__str__


def _undo_bulk(change: RollChange) -> None:
    _label = _labeler()
    lines = list(
        RollChangeLine.objects.filter(roll_change=change).values_list(
            "outcome", "closed_enrollment_id", "new_enrollment_id"
        )
    )
    new_ids = [new for _o, _c, new in lines if new]
    reopen = [closed for outcome, closed, _n in lines if outcome == GRADUATED and closed]
    audit = []
    for pk, school_id, code, grade, class_id, status, year_id, name, start in _scoped_rows(new_ids):
        audit.append(
            (
                (Enrollment, pk),
                ChangeAction.DELETE,
                {
                    "school_year": [year_id, None],
                    "school_id": [school_id, None],
                    "grade": [grade, None],
                    "school_class_id": [class_id, None],
                    "status": [status, None],
                },
                (school_id, code),
                _label(name, _year_label(start), grade, status),
            )
        )
    delete_rows(Enrollment, new_ids)
    if reopen:
        _reopen(reopen)
    created = change.details.get("created_classes", [])
    if created:
        still_used = set(
            Enrollment.objects.filter(school_class_id__in=created).values_list("school_class_id", flat=True)
        )
        empty = [pk for pk in created if pk not in still_used]
        for cls in SchoolClass.objects.filter(pk__in=empty).select_related("school__township"):
            audit.append(
                (
                    (SchoolClass, cls.pk),
                    ChangeAction.DELETE,
                    {"school": [cls.school_id, None], "grade": [cls.grade, None], "name": [cls.name, None]},
                    (cls.school_id, cls.school.township.code),
                    str(cls),
                )
            )
        delete_rows(SchoolClass, empty)
    record_changes_bulk(audit)


# ---- 学年升级 ---------------------------------------------------------------------------------------------------


@dataclass
class PromotionPlan:
    """What a 学年升级 would do (the preview) and, for the commit, every pupil's row."""

    school_year: SchoolYear
    next_start: int
    by_grade: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    exceptions: dict = field(default_factory=dict)  # key -> {"count": n, "rows": [...]}
    # (enrollment id, student id, school id, township code, grade, class id, class name, status, student name)
    moves: list[tuple] = field(default_factory=list)
    repeat_ids: set = field(default_factory=set)
    students: object = None  # the area's pupils, as a subquery (values("student_id"))


EXCEPTION_LABELS = {
    "repeat": gettext_lazy("留级（留在原年级）"),
    "suspended": gettext_lazy("休学（不升级，留在本学年）"),
    "no_class": gettext_lazy("无班级（升级后无班级，请补分班）"),
    "next_year": gettext_lazy("下一学年已有学籍记录（不再升级）"),
}


def promotion_enrollments(user, *, school_year: SchoolYear, school: School | None = None, division: str = ""):
    """The current enrolments of ``school_year`` a 升级 of ``school`` (its teaching points too) or ``division`` (a
    township or the county) covers, within what the user may change."""
    queryset = Enrollment.objects.for_user(user, CHANGE).filter(school_year=school_year, is_current=True)
    if school is not None:
        return queryset.filter(Q(school=school) | Q(school__parent=school))
    return queryset.filter(school__township__code__startswith=division)


def promotion_area(user, *, school: School | None = None, division=None) -> tuple[School | None, str, str]:
    """(school, division code, name) of the area after checking the user covers it."""
    require_writer(user)
    if school is not None:
        if not access.covers(user, school=school):
            raise Refused(_("所选学校不在您的管辖范围内。"))
        return school, school.township.code, school.name
    if division is None:
        raise Refused(_("请选择升级范围（学校、乡镇或全县）。"))
    if not access.covers(user, division=division.code):
        raise Refused(_("所选区域不在您的管辖范围内。"))
    return None, division.code, division.name


def promotion_plan(
    user, *, school_year: SchoolYear, school: School | None = None, division=None, repeat_ids=()
) -> PromotionPlan:
    """The preview of a 学年升级: counts per grade (promoted, repeating, graduating) and the exceptions, read in a few
    queries whatever the number of pupils."""
    school, code, _name = promotion_area(user, school=school, division=division)
    plan = PromotionPlan(school_year=school_year, next_start=school_year.start_year + 1, repeat_ids=set(repeat_ids))
    source = promotion_enrollments(user, school_year=school_year, school=school, division=code)
    plan.students = source.values("student_id")
    rows = source.values_list(
        "pk",
        "student_id",
        "school_id",
        "school__township__code",
        "grade",
        "school_class_id",
        "school_class__name",
        "status",
    )
    rows = list(rows.order_by())
    # Pupils of the area who already have a current row in the next year: one query, the area as a subquery.
    already = set(
        Enrollment.objects.filter(
            is_current=True, school_year__start_year=plan.next_start, student_id__in=plan.students
        ).values_list("student_id", flat=True)
    )
    unknown_repeat = plan.repeat_ids - {r[1] for r in rows if r[7] in ON_ROLL_STATUSES}
    if unknown_repeat:
        raise Refused(*_repeat_refusals(unknown_repeat))
    grades: dict[str, Counter] = defaultdict(Counter)
    exceptions: dict[str, list] = {key: [] for key in EXCEPTION_LABELS}
    for row in rows:
        pk, student_id, school_id, _code, grade, class_id, _class_name, status = row
        counter = grades[grade]
        if status == EnrollmentStatus.SUSPENDED:
            counter["suspended"] += 1
            exceptions["suspended"].append(row)
            continue
        if status not in ON_ROLL_STATUSES:
            continue
        counter["on_roll"] += 1
        if student_id in already:
            counter["skipped"] += 1
            exceptions["next_year"].append(row)
            continue
        if student_id in plan.repeat_ids:
            counter["repeated"] += 1
            exceptions["repeat"].append(row)
        elif grade in FINAL_GRADES:
            counter["graduated"] += 1
        else:
            counter["promoted"] += 1
        if class_id is None:
            exceptions["no_class"].append(row)
        plan.moves.append(row)
    plan.by_grade = [
        {
            "grade": grade,
            "label": str(Grade(grade).label),
            "to_label": str(
                _("毕业") if grade in FINAL_GRADES else Grade(NEXT_GRADE[grade]).label if grade in NEXT_GRADE else ""
            ),
            **{
                key: grades[grade][key]
                for key in ("on_roll", "promoted", "repeated", "graduated", "suspended", "skipped")
            },
        }
        for grade in sorted(grades, key=GRADE_ORDER.get)
    ]
    plan.totals = {
        key: sum(row[key] for row in plan.by_grade)
        for key in ("on_roll", "promoted", "repeated", "graduated", "suspended", "skipped")
    }
    names = _names_of({r[1] for rows_ in exceptions.values() for r in rows_[:EXCEPTIONS_SHOWN]})
    school_names = dict(School.objects.filter(pk__in={r[2] for r in rows}).values_list("pk", "name"))
    plan.exceptions = {
        key: {
            "label": EXCEPTION_LABELS[key],
            "count": len(found),
            "rows": [
                {
                    "name": names.get(r[1], ""),
                    "school": school_names.get(r[2], ""),
                    "grade": Grade(r[4]).label,
                    "class": r[6] or "",
                }
                for r in found[:EXCEPTIONS_SHOWN]
            ],
        }
        for key, found in exceptions.items()
    }
    return plan


def _repeat_refusals(student_ids) -> list[str]:
    names = Student.objects.filter(pk__in=list(student_ids)[:20]).values_list("name", flat=True)
    return [_("留级学生“{name}”不是本次升级范围内的在读学生。").format(name=name) for name in names] or [
        _("留级学生不是本次升级范围内的在读学生。")
    ]


def _names_of(student_ids) -> dict[int, str]:
    ids = list(student_ids)
    return dict(Student.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def repeaters_from_text(user, text: str, *, school_year: SchoolYear) -> list[int]:
    """Pupil ids named one a line by 全国学籍号 or 身份证号 (留级 on the preview form); Refused naming each line that
    finds no pupil the user may change."""
    from emis.core.selectors import find_by_id_number

    ids, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        value = line.strip()
        if not value:
            continue
        found = list(
            find_by_id_number(Student.objects.for_user(user, CHANGE), ("id_number", "student_no"), value).values_list(
                "pk", flat=True
            )
        )
        if len(found) != 1:
            problems.append(_("留级名单第 {line} 行：没有找到学籍号或身份证号为该值的本范围学生。").format(line=number))
        else:
            ids.append(found[0])
    if problems:
        raise Refused(*problems[:20], more=len(problems) > 20)
    return ids


PROGRESS_KEY = "students:promotion:{pk}:progress"


def promotion_progress(change: RollChange) -> int:
    if change.state in (RollChangeState.DONE, RollChangeState.UNDONE):
        return 100
    if change.state == RollChangeState.RUNNING:
        return cache.get(PROGRESS_KEY.format(pk=change.pk), 0)
    return 0


def _progress(change_id: int, percent: int) -> None:
    cache.set(PROGRESS_KEY.format(pk=change_id), percent, 3600)


def promotion_request(
    *,
    school_year: SchoolYear,
    school: School | None = None,
    division=None,
    repeat_ids=(),
    promote_date: dt.date,
    graduate_date: dt.date,
    acting_user,
) -> RollChange:
    """Check a 学年升级 and queue it as a task (the page polls its progress); refused when another 升级 of the same
    area is queued or running, or the plan moves nobody."""
    school, code, name = promotion_area(acting_user, school=school, division=division)
    if graduate_date > promote_date:
        raise Refused(_("毕业日期不能晚于升级日期。"))
    if not (school_year.start_date < graduate_date <= school_year.end_date):
        raise Refused(_("毕业日期须在 {year} 之内。").format(year=school_year))
    if promote_date <= school_year.end_date:
        raise Refused(_("升级日期须在下一学年之内（{date} 之后）。").format(date=school_year.end_date.isoformat()))
    busy = RollChange.objects.filter(
        kind=RollChangeKind.PROMOTE, state__in=(RollChangeState.QUEUED, RollChangeState.RUNNING)
    ).filter(Q(division_code__startswith=code) | Q(division_code__in=_prefixes(code)))
    if busy.exists():
        raise Refused(_("该范围内已有一次学年升级正在处理，请等待完成。"))
    # The plan itself is made by the task (promotion_run), as it stands when it runs; here only what refuses at once.
    source = promotion_enrollments(acting_user, school_year=school_year, school=school, division=code).filter(
        status__in=ON_ROLL_STATUSES
    )
    unknown = set(repeat_ids) - set(source.filter(student_id__in=list(repeat_ids)).values_list("student_id", flat=True))
    if unknown:
        raise Refused(*_repeat_refusals(unknown))
    pupils = source.count()
    if not pupils:
        raise Refused(_("该范围内 {year} 没有需要升级或毕业的在读学生。").format(year=school_year))
    change = RollChange.objects.create(
        kind=RollChangeKind.PROMOTE,
        state=RollChangeState.QUEUED,
        school_year=school_year,
        school=school,
        division_code=code,
        area_name=name,
        date=promote_date,
        pupils=pupils,
        created_by=acting_user,
        details={
            "repeat_ids": sorted(set(repeat_ids)),
            "graduate_date": graduate_date.isoformat(),
            "division": division.code if division is not None else "",
        },
    )
    from .tasks import promotion_task

    # Queued inside the transaction: the database backend's worker sees the task once the request commits (the
    # immediate backend of the tests runs it here).
    promotion_task.enqueue(change.pk)
    change.refresh_from_db()
    return change


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9) if n < len(code)]


def promotion_run(*, roll_change_id: int) -> RollChange:
    """The task's body: write the 升级 of a queued RollChange in bulk, as its requester, and mark it done (or failed
    with the reason). Pupils are read again: the plan is the one of the moment it runs."""
    change = RollChange.objects.select_related("created_by", "school__township", "school_year").get(pk=roll_change_id)
    if change.state != RollChangeState.QUEUED:
        return change
    user = change.created_by
    with audit_context(user=user, source=ChangeSource.WEB):
        update_logged(RollChange.objects.filter(pk=change.pk), state=RollChangeState.RUNNING)
        _progress(change.pk, 1)
        change.refresh_from_db()
        try:
            with transaction.atomic():
                division = None
                if change.school_id is None:
                    from emis.orgs.models import Division

                    division = Division.objects.get(code=change.details["division"])
                plan = promotion_plan(
                    user,
                    school_year=change.school_year,
                    school=change.school,
                    division=division,
                    repeat_ids=change.details.get("repeat_ids", ()),
                )
                if not plan.moves:
                    raise Refused(_("没有需要升级或毕业的在读学生（可能已由他人升级）。"))
                _promotion_write(change, plan, graduate_date=dt.date.fromisoformat(change.details["graduate_date"]))
        except Refused as exc:
            update_logged(RollChange.objects.filter(pk=change.pk), state=RollChangeState.FAILED, message=str(exc)[:500])
        except Exception:
            update_logged(
                RollChange.objects.filter(pk=change.pk),
                state=RollChangeState.FAILED,
                message=_("升级处理出错，未写入任何数据，请稍后重试或联系管理员。"),
            )
            raise
    change.refresh_from_db()
    return change


def _promotion_write(change: RollChange, plan: PromotionPlan, *, graduate_date: dt.date) -> None:
    _label = _labeler()
    next_year, _created = SchoolYear.objects.get_or_create(
        start_year=plan.next_start, defaults={"census_date": dt.date(plan.next_start, 9, 1)}
    )
    _progress(change.pk, 10)
    # Classes of the next year: class N of grade G -> class N of grade G+1 (a repeater: of grade G), same school.
    targets = {}  # (school id, grade, class name) -> class id
    needed = set()
    for _pk, student_id, school_id, _code, grade, class_id, class_name, _status in plan.moves:
        if grade in FINAL_GRADES and student_id not in plan.repeat_ids:
            continue
        to_grade = grade if student_id in plan.repeat_ids else NEXT_GRADE[grade]
        if class_id is not None:
            needed.add((school_id, to_grade, class_name))
    schools = {key[0] for key in needed}
    for pk, school_id, grade, name in SchoolClass.objects.filter(
        school_year=next_year, school_id__in=schools
    ).values_list("pk", "school_id", "grade", "name"):
        targets[(school_id, grade, name)] = pk
    missing = sorted(key for key in needed if key not in targets)
    codes = {r[2]: r[3] for r in plan.moves}
    audit = []
    created_classes = allocate_ids(SchoolClass, len(missing))
    if missing:
        insert_rows(
            SchoolClass,
            ("id", "school_id", "school_year_id", "grade", "name"),
            [(pk, s, next_year.pk, g, n) for pk, (s, g, n) in zip(created_classes, missing, strict=True)],
        )
        for pk, (s, g, n) in zip(created_classes, missing, strict=True):
            targets[(s, g, n)] = pk
            audit.append(
                (
                    (SchoolClass, pk),
                    ChangeAction.CREATE,
                    {"school": [None, s], "school_year": [None, next_year.pk], "grade": [None, g], "name": [None, n]},
                    (s, codes.get(s, "")),
                    f"{Grade(g).label}{n}",
                )
            )
    _progress(change.pk, 20)
    names = dict(Student.objects.filter(pk__in=plan.students).values_list("pk", "name"))
    _progress(change.pk, 35)
    new_rows, closed, lines = [], [], []
    graduates = [m for m in plan.moves if m[4] in FINAL_GRADES and m[1] not in plan.repeat_ids]
    movers = [m for m in plan.moves if not (m[4] in FINAL_GRADES and m[1] not in plan.repeat_ids)]
    new_ids = allocate_ids(Enrollment, len(plan.moves))
    ids_iter = iter(new_ids)
    this_label, next_label = _year_label(plan.next_start - 1), _year_label(plan.next_start)
    for pk, student_id, school_id, code, grade, class_id, class_name, _status in movers:
        repeat = student_id in plan.repeat_ids
        to_grade = grade if repeat else NEXT_GRADE[grade]
        to_class = targets.get((school_id, to_grade, class_name)) if class_id is not None else None
        new_pk = next(ids_iter)
        new_rows.append(
            (
                new_pk,
                student_id,
                school_id,
                next_year.pk,
                to_class,
                to_grade,
                GRADE_LEVEL[to_grade],
                "enrolled",
                change.date,
                True,
            )
        )
        audit.append(
            (
                (Enrollment, new_pk),
                ChangeAction.CREATE,
                {
                    "school_year": [None, next_year.pk],
                    "school_id": [None, school_id],
                    "grade": [None, to_grade],
                    "school_class_id": [None, to_class],
                    "status": [None, "enrolled"],
                },
                (school_id, code),
                _label(names.get(student_id, ""), next_label, to_grade, "enrolled"),
            )
        )
        lines.append((change.pk, student_id, REPEATED if repeat else PROMOTED, grade, to_grade, pk, new_pk, school_id))
    for pk, student_id, school_id, code, grade, class_id, _class_name, _status in graduates:
        new_pk = next(ids_iter)
        closed.append((False, pk))
        new_rows.append(
            (
                new_pk,
                student_id,
                school_id,
                plan.school_year.pk,
                class_id,
                grade,
                GRADE_LEVEL[grade],
                "graduated",
                graduate_date,
                True,
            )
        )
        label = _label(names.get(student_id, ""), this_label, grade, "graduated")
        audit.append(((Enrollment, pk), ChangeAction.UPDATE, {"is_current": [True, False]}, (school_id, code), label))
        audit.append(
            (
                (Enrollment, new_pk),
                ChangeAction.CREATE,
                {
                    "school_id": [None, school_id],
                    "grade": [None, grade],
                    "school_class_id": [None, class_id],
                    "status": [None, "graduated"],
                },
                (school_id, code),
                label,
            )
        )
        lines.append((change.pk, student_id, GRADUATED, grade, "", pk, new_pk, school_id))
    _progress(change.pk, 45)
    if closed:
        update_rows(Enrollment, ("is_current",), closed)
    insert_rows(Enrollment, ("id", *ENROLLMENT_COLUMNS), new_rows)
    _progress(change.pk, 65)
    record_changes_bulk(audit)
    _progress(change.pk, 85)
    insert_rows(
        RollChangeLine,
        (
            "roll_change_id",
            "student_id",
            "outcome",
            "from_grade",
            "to_grade",
            "closed_enrollment_id",
            "new_enrollment_id",
            "previous_school_id",
        ),
        lines,
    )
    change.to_school_year = next_year
    change.pupils = len(plan.moves)
    change.high_water = max(new_ids) if new_ids else 0
    change.details = {
        **change.details,
        "created_classes": created_classes,
        "by_grade": plan.by_grade,
        "totals": plan.totals,
        "graduated": len(graduates),
    }
    change.finished_at = timezone.now()
    change.state = RollChangeState.DONE
    change.message = _("已升级 {promoted} 人，留级 {repeated} 人，毕业 {graduated} 人。").format(**plan.totals)
    change.save()
    record_event(
        _event(RollChangeKind.PROMOTE),
        data={
            "roll_change": change.pk,
            "area": change.division_code,
            "school": change.school_id,
            "from_year": plan.school_year.start_year,
            "to_year": plan.next_start,
            **plan.totals,
            "classes_created": len(created_classes),
        },
        school_id=change.school_id,
        division_code=change.division_code,
    )
    _progress(change.pk, 100)
