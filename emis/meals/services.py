"""The programme's writes: the dated tables (a standard is added, never edited; a school's participations do not
overlap) and the monthly reports on the work engine (opened by the county, reported by the school, checked by the
township, confirmed by the county, or sent back). Every step goes through emis.work.services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.writes import Refused
from emis.work.services import case_open, case_transition

from . import selectors
from .models import DailyStandard, MonthlyReport, Participation, SchoolDays
from .workflows import MONTHLY_REPORT


def standard_save(*, standard: DailyStandard, acting_user=None) -> DailyStandard:
    """Add a standard with its date. One already entered is never changed: the months paid were computed with it."""
    if standard.pk is not None:
        raise Refused(_("补助标准一经录入不能修改；标准调整请按新的执行日期新增一条。"))
    standard.full_clean()
    standard.save()
    return standard


def standard_delete(*, standard: DailyStandard, acting_user=None, today: dt.date | None = None) -> None:
    """Only a standard not yet in force may be deleted (entered by mistake)."""
    today = today or timezone.localdate()
    if standard.effective_from <= today:
        raise Refused(_("已执行的补助标准不能删除。"))
    standard.delete()


def participation_save(*, participation: Participation, acting_user=None) -> Participation:
    """A school's participations may not overlap (one scheme on any day)."""
    participation.full_clean()
    end = participation.end_date or dt.date.max
    overlapping = (
        Participation.objects.filter(school=participation.school, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=participation.start_date))
        .exclude(pk=participation.pk)
    )
    if overlapping.exists():
        raise Refused(_("该学校在这段时间已有实施记录，请先为原记录填写退出日期。"))
    participation.save()
    return participation


def days_save(*, days: SchoolDays, acting_user=None) -> SchoolDays:
    days.month = selectors.month_start(days.month)
    days.full_clean()
    days.save()
    return days


# Monthly reports --------------------------------------------------------------------------------------------------


def _title(school, month: dt.date) -> str:
    return f"{school.name} {month:%Y年%m月}营养改善计划月报"


def reports_open(*, month: dt.date, acting_user, today: dt.date | None = None, schools=None) -> list[MonthlyReport]:
    """Open the month's report of every school taking part on its census day (within the user's scope, and among
    ``schools`` when given) that has none yet: one case each, whose clock gives the school REPORT_DAYS working days."""
    month = selectors.month_start(month)
    participating = selectors.participating_schools(selectors.census_day(month), acting_user)
    if schools is not None:
        participating = participating.filter(pk__in=[school.pk for school in schools])
    schools = (
        participating.exclude(pk__in=MonthlyReport.objects.filter(month=month).values("school"))
        .select_related("township")
        .order_by("code")
    )
    opened = []
    for school in schools:
        with transaction.atomic():
            case = case_open(
                workflow=MONTHLY_REPORT.code,
                title=_title(school, month),
                school=school,
                acting_user=acting_user,
                values={"month": month.isoformat()},
                today=today,
            )
            figures = selectors.expected(school, month)
            opened.append(
                MonthlyReport.objects.create(
                    case=case,
                    school=school,
                    month=month,
                    expected_beneficiaries=figures["beneficiaries"],
                    expected_days=figures["days"],
                    expected_amount=figures["amount"],
                )
            )
    return opened


def _number(value, label, *, decimal=False):
    try:
        number = Decimal(str(value)) if decimal else int(value)
    except (InvalidOperation, TypeError, ValueError):
        raise Refused(_("“{label}”须为数字。").format(label=label)) from None
    if number < 0:
        raise Refused(_("“{label}”不能为负数。").format(label=label))
    return number


@transaction.atomic
def report_submit(
    *,
    report: MonthlyReport,
    beneficiaries,
    days,
    amount,
    acting_user,
    version: int | None = None,
    comment: str = "",
    today: dt.date | None = None,
) -> MonthlyReport:
    """The school's report: its figures, stored with the step and on the report beside the expected figures
    (recomputed now, so a late change of the rolls or the days shows as a difference)."""
    beneficiaries = _number(beneficiaries, _("享受人数"))
    days = _number(days, _("供餐天数"))
    amount = _number(amount, _("金额（元）"), decimal=True).quantize(Decimal("0.01"))
    if days > 31:
        raise Refused(_("供餐天数不能超过31天。"))
    case_transition(
        case=report.case_id,
        version=report.case.version if version is None else version,
        transition="report",
        acting_user=acting_user,
        comment=comment,
        values={"beneficiaries": beneficiaries, "days": days, "amount": str(amount)},
        today=today,
    )
    figures = selectors.expected(report.school, report.month)
    report.beneficiaries, report.days, report.amount = beneficiaries, days, amount
    report.expected_beneficiaries = figures["beneficiaries"]
    report.expected_days = figures["days"]
    report.expected_amount = figures["amount"]
    report.reported_at = timezone.now()
    report.save()
    report.case.refresh_from_db()
    return report


def report_step(
    *,
    report: MonthlyReport,
    transition: str,
    acting_user,
    version: int | None = None,
    comment: str = "",
    today: dt.date | None = None,
) -> MonthlyReport:
    """审核, 确认 or 退回 (with its reason) through the engine."""
    if transition == "report":
        raise Refused(_("报送月报须填写人数、天数和金额。"))
    case_transition(
        case=report.case_id,
        version=report.case.version if version is None else version,
        transition=transition,
        acting_user=acting_user,
        comment=comment,
        today=today,
    )
    report.case.refresh_from_db()
    return report
