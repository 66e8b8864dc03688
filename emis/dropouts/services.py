"""控辍保学's writes. Every move of a case is a transition of the declared workflows (emis.dropouts.workflows) taken
through the work engine's one service (``case_transition``: role, scope, level, state, version, audit, clocks); this
app adds what the generic step cannot check: the responsible people on both lines before 确认辍学, the numbered
限期返校通知书, a contact row per 劝返 (with its photo), the roll check on 复学, the school days before 销号.

A refused step raises TransitionRefused with the reason in Chinese and writes nothing (each function runs in one
transaction; the engine checks before it writes)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import acting_as
from emis.work import attachments as attachment_store
from emis.work import documents
from emis.work.calendar import CalendarUnknown, WorkCalendar
from emis.work.services import TransitionRefused, case_open, case_transition, refusal

from .categories import Category, FlaggedChild
from .models import (
    DUTIES,
    Contact,
    ContactKind,
    DropoutCase,
    DropoutReason,
    Exclusion,
    Line,
    MonthlyReport,
    Source,
)
from .workflows import DROPOUT_RETURN, MONTHLY_REPORT, NOTICE

log = logging.getLogger(__name__)

# Categories that open a case: 休学 children stay in the ledger without one (an approved 休学 is not a dropout);
# 疑似已在籍 waits for a person to confirm or reject the match.
OPENING_CATEGORIES = (Category.NOT_ENROLLED, Category.DROPPED_OUT, Category.TRANSFERRED_UNVERIFIED)

TEMPLATE_KIND = "dropout_return_notice"
DEFAULT_TEMPLATE = Path(__file__).parent / "docx" / "return_notice.docx"
SERIES_SUFFIX = "教控辍"
DEFAULT_NOTICE_DAYS = 15
# 销号 after this many school days in attendance since the return (working days of the official calendar).
DEFAULT_CLOSE_AFTER_DAYS = 20


def close_after_days() -> int:
    return int(getattr(settings, "EMIS_DROPOUTS_CLOSE_AFTER_DAYS", DEFAULT_CLOSE_AFTER_DAYS))


def _move(dc: DropoutCase, transition: str, acting_user, **step):
    """Take ``transition`` on the child's case through the engine and keep the moved case on ``dc``."""
    moved = case_transition(case=dc.case, transition=transition, acting_user=acting_user, **step)
    dc.case = moved.case
    return moved


def _refuse(message: str, code: str = "requirements"):
    raise TransitionRefused(message, code=code)


def _may(dc: DropoutCase, transition: str, user, workflow=DROPOUT_RETURN) -> None:
    reason = refusal(dc.case, workflow.transition(transition), user)
    if reason:
        _refuse(reason, "refused")


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# Opening ----------------------------------------------------------------------------------------------------------


@dataclass
class Opened:
    cases: list[DropoutCase] = field(default_factory=list)
    existing: int = 0  # the child already has a case this school year
    not_opened: int = 0  # 休学, 疑似已在籍, or no township to file the case under


def _place(flag: FlaggedChild):
    """(school, division code) the case is filed under: the child's school when known, else the 户籍 township."""
    from emis.orgs.models import Division, School

    if flag.school_id:
        school = School.objects.select_related("township").get(pk=flag.school_id)
        return school, school.township.code
    if flag.hukou_township_id:
        return None, Division.objects.values_list("code", flat=True).get(pk=flag.hukou_township_id)
    return None, ""


def _title(flag: FlaggedChild) -> str:
    return f"{flag.name}（{Category(flag.category).label}）"


def open_cases(
    flags: Iterable[FlaggedChild], acting_user, *, source: str = Source.DETECTION, today: dt.date | None = None
) -> Opened:
    """立案: one 劝返 case per flagged child and school year, for the categories that open one. Idempotent: a child
    who already has a case that school year (open or closed) is left alone."""
    result = Opened()
    wanted = []
    for flag in flags:
        if flag.category not in OPENING_CATEGORIES or not flag.id_number:
            result.not_opened += 1
        else:
            wanted.append(flag)
    by_year: dict[int, set[str]] = {}
    for flag in wanted:
        by_year.setdefault(flag.school_year_id, set()).add(flag.id_number)
    existing: set[tuple[int, str]] = set()
    for year_id, numbers in by_year.items():
        found = DropoutCase.objects.filter(school_year_id=year_id, id_number__in=sorted(numbers)).values_list(
            "id_number", flat=True
        )
        existing.update((year_id, number) for number in found)
    with acting_as(acting_user), transaction.atomic():
        for flag in wanted:
            key = (flag.school_year_id, flag.id_number)
            if key in existing:
                result.existing += 1
                continue
            school, division = _place(flag)
            if not division:
                result.not_opened += 1
                continue
            case = case_open(
                workflow=DROPOUT_RETURN.code,
                title=_title(flag),
                school=school,
                division_code=division,
                acting_user=acting_user,
                values={"category": flag.category},
                comment=flag.reason,
                today=today,
            )
            dc = DropoutCase(
                case=case,
                school_year_id=flag.school_year_id,
                source=source,
                category=flag.category,
                reason=flag.reason[:300],
                id_number=flag.id_number,
                name=flag.name,
                gender=flag.gender,
                birth_date=flag.birth_date,
                hukou_township_id=flag.hukou_township_id,
                hukou_village_id=flag.hukou_village_id,
                population_record_id=flag.population_record_id,
                student_id=flag.student_id,
                school=school,
            )
            _default_responsibles(dc, school)
            dc.save()
            existing.add(key)
            result.cases.append(dc)
    return result


def _default_responsibles(dc: DropoutCase, school) -> None:
    """The school's principal as the education line's head, when the school records one."""
    principal = getattr(school, "principal", "") if school is not None else ""
    if principal and not dc.principal:
        dc.principal = principal
        dc.principal_phone = getattr(school, "phone", "") or ""


def dropout_recorded(*, roll_change, acting_user) -> Opened:
    """The registry's hook after a 辍学 roll change (emis.students.rollchanges.pupils_drop_out): a case per pupil.
    A recorder who may not open 控辍保学 cases (a 股室 account without the domain) records the 辍学 all the same:
    the case then waits for 四查三比对, which finds the child as 辍学."""
    from emis.students.models import Student

    lines = list(roll_change.lines.values_list("student_id", flat=True))
    ids = lines or ([roll_change.student_id] if roll_change.student_id else [])
    flags = []
    note = _("学籍异动：辍学")
    if roll_change.reason:
        note = f"{note}（{roll_change.reason}）"
    for student in Student.objects.filter(pk__in=ids).order_by("pk"):
        if not student.id_number:
            continue
        flags.append(
            FlaggedChild(
                school_year_id=roll_change.school_year_id,
                category=Category.DROPPED_OUT,
                reason=note,
                id_number=student.id_number,
                name=student.name,
                gender=student.gender,
                birth_date=student.birth_date,
                hukou_township_id=student.hukou_township_id,
                hukou_village_id=student.hukou_village_id,
                student_id=student.pk,
                school_id=roll_change.school_id or student.current_school_id,
            )
        )
    try:
        with transaction.atomic():
            return open_cases(flags, acting_user, source=Source.ROLL_CHANGE, today=roll_change.date)
    except TransitionRefused as exc:
        log.info("dropout case not opened after roll change %s: %s", roll_change.pk, exc.code)
        return Opened(not_opened=len(flags))


# Responsible people (双线) ----------------------------------------------------------------------------------------


RESPONSIBLE_FIELDS = tuple(f"{prefix}{suffix}" for prefix, _l, _t in DUTIES for suffix in ("", "_phone", "_user"))


def may_assign(dc: DropoutCase, user) -> bool:
    """The township side (who confirms and issues the notice) names the responsible people while the case is open."""
    return dc.case.closed_at is None and _township_side(dc, user)


def _township_side(dc: DropoutCase, user) -> bool:
    from emis.core import access
    from emis.work.declaration import Level
    from emis.work.scope import acting_role, covers

    from .workflows import TOWNSHIP_SIDE

    return (
        acting_role(user) in TOWNSHIP_SIDE
        and access.role_may(user, DROPOUT_RETURN.domain, "confirm")
        and covers(user, dc.case.school, dc.case.division_code, Level.TOWNSHIP)
    )


def set_responsibles(dc: DropoutCase, acting_user, values: dict) -> DropoutCase:
    """Name the four responsible people (乡镇责任人, 村（居）责任人 on the 行政 line; 校长, 班主任 on the 教育
    line), with phones and optionally their accounts; the linked accounts see the case in their 待办 (emis.work
    assignees)."""
    if dc.case.closed_at is not None or not _township_side(dc, acting_user):
        _refuse(_("只有乡镇或县教育局可以指定双线责任人。"), "refused")
    with acting_as(acting_user), transaction.atomic():
        for name in RESPONSIBLE_FIELDS:
            if name in values:
                value = values[name]
                if name.endswith("_user"):
                    setattr(dc, f"{name}_id", getattr(value, "pk", value) or None)
                else:
                    setattr(dc, name, (value or "").strip())
        dc.save()
        _sync_assignees(dc)
    return dc


def _sync_assignees(dc: DropoutCase) -> None:
    from emis.work.services import case_assign

    case_assign(
        dc.case,
        {
            getattr(dc, f"{prefix}_user_id"): str(label)
            for prefix, _line, label in DUTIES
            if getattr(dc, f"{prefix}_user_id")
        },
    )


# Steps ------------------------------------------------------------------------------------------------------------


def step(
    dc: DropoutCase,
    transition: str,
    acting_user,
    *,
    version: int | None = None,
    comment: str = "",
    values: dict | None = None,
    attachments: Sequence = (),
    today: dt.date | None = None,
) -> DropoutCase:
    """A step with nothing of this app's own to write: 开始核实, 延缓入学, 休学 (approved, with the document)."""
    if transition not in ("verify", "defer", "suspend"):
        _refuse(_("此环节须在个案页面办理。"), "unknown_transition")
    with acting_as(acting_user), transaction.atomic():
        _move(
            dc,
            transition,
            acting_user,
            version=version,
            comment=comment,
            values=values or {},
            attachments=attachments,
            today=today,
        )
    return dc


def confirm(
    dc: DropoutCase,
    acting_user,
    *,
    dropout_reason: str,
    version: int | None = None,
    comment: str = "",
    today: dt.date | None = None,
) -> DropoutCase:
    """确认辍学, with a reason code; refused until a responsible person is named on each line (two each)."""
    _may(dc, "confirm", acting_user)
    if dropout_reason not in DropoutReason.values:
        _refuse(_("请选择辍学原因。"))
    missing = dc.missing_duties()
    if missing:
        _refuse(_("确认辍学前须写明双线责任人：{names}。").format(names="、".join(str(m) for m in missing)))
    with acting_as(acting_user), transaction.atomic():
        moved = _move(
            dc,
            "confirm",
            acting_user,
            version=version,
            comment=comment,
            values={"dropout_reason": dropout_reason},
            today=today,
        )
        dc.dropout_reason = dropout_reason
        dc.confirmed_at = moved.at
        dc.save(update_fields=["dropout_reason", "confirmed_at", "updated_at"])
    return dc


def series(dc: DropoutCase) -> str:
    """文号代字 of the county's notices (通山县: 通教控辍〔2021〕3号); EMIS_DROPOUTS_SERIES = {"421224": "..."}."""
    county = _county(dc)
    configured = getattr(settings, "EMIS_DROPOUTS_SERIES", {}) or {}
    if county is not None and county.code in configured:
        return configured[county.code]
    return f"{county.name[:1]}{SERIES_SUFFIX}" if county is not None else SERIES_SUFFIX


def _county(dc: DropoutCase):
    from emis.orgs.models import Division

    return Division.objects.filter(code=dc.case.county_code).first()


def _township(dc: DropoutCase):
    from emis.orgs.models import Division

    return Division.objects.filter(code=dc.case.township_code).first()


def notice_context(dc: DropoutCase, *, days: int, due_on: dt.date | None, today: dt.date) -> dict:
    township = _township(dc)
    county = _county(dc)
    school = dc.school.name if dc.school_id else ""
    return {
        "issuer_unit": f"{township.name}人民政府" if township is not None else _("乡镇人民政府"),
        "county": county.name if county is not None else "",
        "guardian": dc.guardian or _("家长（监护人）"),
        "child": dc.name,
        "gender": dc.get_gender_display(),
        "birth_date": _date_cn(dc.birth_date),
        "school": school,
        "days": days,
        "due_on": _date_cn(due_on) if due_on else "",
        "township_official": dc.township_official,
        "township_official_phone": dc.township_official_phone,
        "principal": dc.principal,
        "principal_phone": dc.principal_phone,
        "signed_on": _date_cn(today),
    }


def issue_notice(
    dc: DropoutCase,
    acting_user,
    *,
    days: int = DEFAULT_NOTICE_DAYS,
    guardian: str = "",
    version: int | None = None,
    today: dt.date | None = None,
) -> DropoutCase:
    """下发限期返校通知书 (义务教育法 §58; the 乡镇 issues it): the numbered notice to the parents is generated from
    the county's template and stored with the case, and 劝返 starts with ``days`` working days as its limit."""
    _may(dc, "issue_notice", acting_user)
    today = today or timezone.localdate()
    if version is not None and dc.case.version != version:
        _refuse(_("办件已由他人办理，请刷新后查看最新情况再办理。"), "moved_on")
    if days < 1:
        _refuse(_("返校期限须至少1个工作日。"))
    with acting_as(acting_user), transaction.atomic():
        if guardian.strip():
            dc.guardian = guardian.strip()
        try:
            due_on = WorkCalendar().add(today, days)
        except CalendarUnknown as exc:
            raise TransitionRefused(exc.messages[0], code="calendar_unknown") from exc
        numbered = documents.generate(
            dc.case,
            document=NOTICE,
            series=series(dc),
            template=documents.template_for(TEMPLATE_KIND, DEFAULT_TEMPLATE, county_code=dc.case.county_code),
            context=notice_context(dc, days=days, due_on=due_on, today=today),
            filename=f"限期返校通知书-{dc.name}",
            user=acting_user,
            year=today.year,
        )
        _move(
            dc,
            "issue_notice",
            acting_user,
            version=dc.case.version,
            values={"days": days, "document_number": numbered.text},
            today=today,
        )
        dc.notice_number = numbered.text
        dc.save(update_fields=["notice_number", "guardian", "updated_at"])
    return dc


def record_contact(
    dc: DropoutCase,
    acting_user,
    *,
    date: dt.date,
    line: str,
    who: str,
    outcome: str,
    photo=None,
    version: int | None = None,
    today: dt.date | None = None,
) -> Contact:
    """One 劝返 contact (劝返中) or 送教上门 visit (送教上门): date, who, which line, outcome, and a photo."""
    transition = "home_visit" if dc.case.state == "home_teaching" else "contact"
    _may(dc, transition, acting_user)
    if line not in Line.values:
        _refuse(_("请选择责任线（行政或教育）。"))
    today = today or timezone.localdate()
    if date > today:
        _refuse(_("记录日期不能晚于今天。"))
    if not who.strip() or not outcome.strip():
        _refuse(_("请填写劝返人员和情况及结果。"))
    files = [photo] if photo is not None else []
    try:
        attachment_store.check_uploads(files)
    except ValidationError as exc:
        raise TransitionRefused(exc.messages[0], code="bad_file") from exc
    with acting_as(acting_user), transaction.atomic():
        moved = _move(
            dc,
            transition,
            acting_user,
            version=version,
            values={"date": date.isoformat(), "line": line, "who": who.strip(), "outcome": outcome.strip()},
            attachments=files,
            today=today,
        )
        stored = moved.attachments.order_by("-id").first() if files else None
        return Contact.objects.create(
            dropout_case=dc,
            kind=ContactKind.HOME_TEACHING if transition == "home_visit" else ContactKind.PERSUASION,
            date=date,
            line=line,
            who=who.strip(),
            outcome=outcome.strip(),
            photo=stored,
            step=moved,
            recorded_by=acting_user,
        )


def current_roll(dc: DropoutCase):
    """The child's current enrolment on a roll of the county (在读 / 转入) in the case's school year or later."""
    from emis.students.choices import ON_ROLL_STATUSES
    from emis.students.models import Enrollment

    return (
        Enrollment.objects.filter(
            student__id_number=dc.id_number,
            is_current=True,
            status__in=ON_ROLL_STATUSES,
            school_year__start_year__gte=dc.school_year.start_year,
        )
        .select_related("school")
        .order_by("-school_year__start_year", "-status_date")
        .first()
    )


def mark_returned(
    dc: DropoutCase,
    acting_user,
    *,
    returned_on: dt.date,
    version: int | None = None,
    comment: str = "",
    today: dt.date | None = None,
) -> DropoutCase:
    """已复学: refused unless the child is back on a roll (在读 or 转入 in this school year or later)."""
    _may(dc, "return", acting_user)
    today = today or timezone.localdate()
    if returned_on > today:
        _refuse(_("复学日期不能晚于今天。"))
    enrollment = current_roll(dc)
    if enrollment is None:
        _refuse(_("学籍中没有该儿童的在读记录：请学校先办理复学或入学（学籍异动），再登记已复学。"), "not_on_roll")
    with acting_as(acting_user), transaction.atomic():
        _move(
            dc,
            "return",
            acting_user,
            version=version,
            comment=comment,
            values={"returned_on": returned_on.isoformat(), "school": enrollment.school.name},
            today=today,
        )
        dc.returned_on = returned_on
        dc.return_school = enrollment.school
        dc.save(update_fields=["returned_on", "return_school", "updated_at"])
    return dc


def days_in_school(dc: DropoutCase, today: dt.date) -> int:
    """School days (working days of the official calendar) since the return, the return day not counted."""
    if dc.returned_on is None or today <= dc.returned_on:
        return 0
    return WorkCalendar().count(dc.returned_on, today)


def close(
    dc: DropoutCase, acting_user, *, version: int | None = None, comment: str = "", today: dt.date | None = None
) -> DropoutCase:
    """销号: a returned child after N school days in attendance (EMIS_DROPOUTS_CLOSE_AFTER_DAYS, default 20) and
    still on the roll; a 送教上门 case when the arrangement ends (with a comment)."""
    _may(dc, "close", acting_user)
    today = today or timezone.localdate()
    if dc.case.state == "returned":
        needed = close_after_days()
        try:
            done = days_in_school(dc, today)
        except CalendarUnknown as exc:
            raise TransitionRefused(exc.messages[0], code="calendar_unknown") from exc
        if done < needed:
            _refuse(
                _("复学满{needed}个在校日后方可销号（{day}复学，至今{done}个在校日）。").format(
                    needed=needed, day=_date_cn(dc.returned_on), done=done
                ),
                "too_early",
            )
        if current_roll(dc) is None:
            _refuse(_("该儿童已不在学籍中在读，不能销号。"), "not_on_roll")
    elif not comment.strip():
        _refuse(_("送教上门结束销号须写明情况。"))
    with acting_as(acting_user), transaction.atomic():
        _move(dc, "close", acting_user, version=version, comment=comment, today=today)
    return dc


def home_teaching(
    dc: DropoutCase,
    acting_user,
    *,
    comment: str,
    attachments: Sequence = (),
    version: int | None = None,
    today: dt.date | None = None,
) -> DropoutCase:
    """送教上门: a disabled child taught at home, kept on the roll (refused when the child is on no roll), with the
    assessment as evidence."""
    _may(dc, "home_teaching", acting_user)
    if current_roll(dc) is None:
        _refuse(_("送教上门的儿童须保留学籍：请学校先为其办理入学或复学。"), "not_on_roll")
    with acting_as(acting_user), transaction.atomic():
        _move(
            dc,
            "home_teaching",
            acting_user,
            version=version,
            comment=comment,
            attachments=attachments,
            today=today,
        )
    return dc


def exclude(
    dc: DropoutCase,
    acting_user,
    *,
    exclusion: str,
    comment: str = "",
    attachments: Sequence = (),
    version: int | None = None,
    today: dt.date | None = None,
) -> DropoutCase:
    """排除 (死亡, 迁出 with proof, already enrolled elsewhere, over age), with its evidence."""
    _may(dc, "exclude", acting_user)
    if exclusion not in Exclusion.values:
        _refuse(_("请选择排除原因。"))
    with acting_as(acting_user), transaction.atomic():
        _move(
            dc,
            "exclude",
            acting_user,
            version=version,
            comment=comment,
            values={"exclusion": exclusion},
            attachments=attachments,
            today=today,
        )
        dc.exclusion = exclusion
        dc.save(update_fields=["exclusion", "updated_at"])
    return dc


# Monthly reports --------------------------------------------------------------------------------------------------


def report_schools(acting_user):
    """The compulsory-education schools in the user's scope that report monthly (teaching points report through
    their primary school)."""
    from emis.orgs.choices import CATEGORIES_OFFERING, SchoolCategory
    from emis.orgs.models import School

    categories = {*CATEGORIES_OFFERING["primary"], *CATEGORIES_OFFERING["junior"], SchoolCategory.SPECIAL}
    categories.discard(SchoolCategory.TEACHING_POINT)
    return (
        School.objects.for_user(acting_user)
        .filter(category__in=sorted(categories), closed_on__isnull=True)
        .select_related("township")
        .order_by("code")
    )


def request_reports(month: dt.date, acting_user, *, schools=None, today: dt.date | None = None) -> list[MonthlyReport]:
    """布置月报: a report case per school for ``month`` (idempotent), due 5 working days after ``today`` (by default
    the first day of the next month)."""
    month = month.replace(day=1)
    if today is None:
        today = (month + dt.timedelta(days=32)).replace(day=1)
    schools = list(schools if schools is not None else report_schools(acting_user))
    done = set(MonthlyReport.objects.filter(month=month, school__in=schools).values_list("school_id", flat=True))
    made = []
    with acting_as(acting_user), transaction.atomic():
        for school in schools:
            if school.pk in done:
                continue
            case = case_open(
                workflow=MONTHLY_REPORT.code,
                title=f"{school.name} {month.year}年{month.month}月控辍保学月报",
                school=school,
                acting_user=acting_user,
                today=today,
            )
            made.append(MonthlyReport.objects.create(case=case, school=school, month=month))
    return made


def submit_report(
    report: MonthlyReport,
    acting_user,
    *,
    suspected: int = 0,
    dropouts: int = 0,
    returned: int = 0,
    note: str = "",
    version: int | None = None,
    today: dt.date | None = None,
) -> MonthlyReport:
    """报送月报; a zero report (no suspected and no actual dropout) is 本月无辍学."""
    reason = refusal(report.case, MONTHLY_REPORT.transition("submit"), acting_user)
    if reason:
        _refuse(reason, "refused")
    if min(suspected, dropouts, returned) < 0:
        _refuse(_("人数不能为负数。"))
    if not (suspected or dropouts) and not note.strip():
        note = _("本月无辍学")
    with acting_as(acting_user), transaction.atomic():
        moved = case_transition(
            case=report.case,
            transition="submit",
            acting_user=acting_user,
            version=version,
            comment=note,
            values={"suspected": suspected, "dropouts": dropouts, "returned": returned},
            today=today,
        )
        report.case = moved.case
        report.suspected, report.dropouts, report.returned = suspected, dropouts, returned
        report.note = note[:300]
        report.submitted_at = moved.at
        report.save(update_fields=["suspected", "dropouts", "returned", "note", "submitted_at", "updated_at"])
    return report


def quarter_months(year: int, quarter: int) -> list[dt.date]:
    return [dt.date(year, 3 * (quarter - 1) + n, 1) for n in (1, 2, 3)]


def quarterly_recheck(acting_user, *, year: int, quarter: int, comment: str = "", today=None) -> int:
    """季度复核: the county re-checks every report of the quarter sent by its schools; returns how many."""
    if quarter not in (1, 2, 3, 4):
        _refuse(_("季度须为1至4。"))
    reports = list(
        MonthlyReport.objects.for_user(acting_user)
        .filter(month__in=quarter_months(year, quarter), case__state="submitted")
        .select_related("case")
    )
    with acting_as(acting_user), transaction.atomic():
        for report in reports:
            case_transition(
                case=report.case,
                transition="recheck",
                acting_user=acting_user,
                comment=comment or _("{year}年第{quarter}季度复核").format(year=year, quarter=quarter),
                today=today,
            )
    return len(reports)
