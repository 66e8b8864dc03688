"""The demo county's 营养改善计划 (emis load_demo, through the demo's "apps contribute demo data" hook).

For 通山县 the published figures for 2021 are "使用营养改善计划资金1831万元，惠及学生64238人". They are reproduced
by the engine (emis.meals.selectors) from rows entered here the way a county enters them — standards by date,
participating schools by date and scheme, the county's 供餐天数 per month and some schools' own days — never by
storing the figures. Which rows give exactly those figures is worked out here from the demo's rolls
(docs/domains/meals.md, "The demo county", states the assumptions):

- every school with compulsory pupils takes part (国家试点 for rural schools, 地方试点 for the county seat's), except
  a few small teaching points without a canteen, chosen so that the distinct pupils served in 2021 are 64,238;
- the county's default 供餐天数 of each month of 2021 follow a typical calendar scaled down to what the published
  funds imply, and a few schools served one more day in a month, chosen so that the funds come to 18,310,000 元.

Monthly reports of May and June 2021 for a few schools in several states (confirmed, checked, reported with a
difference, sent back, overdue) fill the report pages. Deterministic; nothing is added when the rows are there."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.db.models import Count, Q

from .apps import DOMAIN

TARGET_BENEFICIARIES = 64238
TARGET_FUNDS = Decimal("18310000")
YEAR = 2021
# Months of 2021 with meals (February: the Spring Festival holiday; July and August: the summer holiday) and the
# typical days a school is open in each, scaled down to the published funds.
TYPICAL_DAYS = {1: 12, 3: 22, 4: 20, 5: 19, 6: 20, 9: 20, 10: 16, 11: 22, 12: 22}
STANDARDS = (
    (dt.date(2011, 9, 1), Decimal("3.00"), "国办发〔2011〕54号：每生每天3元"),
    (dt.date(2014, 11, 1), Decimal("4.00"), "财教〔2014〕360号：每生每天4元"),
    (dt.date(2021, 9, 1), Decimal("5.00"), "财教〔2021〕174号：自2021年秋季学期起每生每天5元"),
)
NATIONAL_FROM = dt.date(2012, 3, 1)
LOCAL_FROM = dt.date(2014, 9, 1)
COMPULSORY_CATEGORIES = ("primary", "teaching_point", "junior", "nine_year", "twelve_year", "complete_secondary")


def section_domains() -> list[str]:
    """The demo 股室 account opens and confirms the monthly reports and keeps the tables."""
    return [DOMAIN]


def _months() -> list[dt.date]:
    return [dt.date(YEAR, number, 1) for number in TYPICAL_DAYS]


def subset_with_sum(items: list[tuple[object, int]], target: int) -> list[object] | None:
    """Keys of items whose values add up to ``target`` exactly (bitset dynamic programming), or None."""
    if target == 0:
        return []
    mask = (1 << (target + 1)) - 1
    reach = [1]
    for _key, value in items:
        reach.append((reach[-1] | (reach[-1] << value)) & mask)
    if not (reach[-1] >> target) & 1:
        return None
    chosen, rest = [], target
    for index in range(len(items), 0, -1):
        if (reach[index - 1] >> rest) & 1:
            continue
        key, value = items[index - 1]
        chosen.append(key)
        rest -= value
    return chosen


def _per_school(months, schools=None) -> dict:
    """Distinct pupils per school on roll on any of ``months``' census days at schools taking part."""
    from functools import reduce
    from operator import or_

    from emis.students.models import Enrollment

    from .selectors import census_day, on_roll

    parts = [Q(id__in=on_roll(census_day(month), schools=schools).values("id")) for month in months]
    rows = Enrollment.objects.filter(reduce(or_, parts)).order_by().values_list("school_id")
    return dict(rows.annotate(n=Count("student_id", distinct=True)))


def _participation(county, log) -> None:
    from emis.orgs.models import School

    from .models import Participation, Scheme

    schools = list(
        School.objects.filter(township__code__startswith=county.code, category__in=COMPULSORY_CATEGORIES).order_by(
            "code"
        )
    )
    Participation.objects.bulk_create(
        Participation(
            school=school,
            scheme=Scheme.LOCAL if school.urban_rural == "urban" else Scheme.NATIONAL,
            start_date=LOCAL_FROM if school.urban_rural == "urban" else NATIONAL_FROM,
            end_date=school.closed_on - dt.timedelta(days=1) if school.closed_on else None,
        )
        for school in schools
    )
    pupils = _per_school(_months())
    excess = sum(pupils.values()) - TARGET_BENEFICIARIES
    if excess < 0:
        log(f"  meals: the rolls hold {sum(pupils.values())} pupils in {YEAR}, fewer than {TARGET_BENEFICIARIES}")
        return
    points = [
        (school.pk, pupils[school.pk])
        for school in schools
        if school.category == "teaching_point" and school.pk in pupils
    ]
    left_out = subset_with_sum(sorted(points, key=lambda item: item[1]), excess)
    if left_out is None:
        log(f"  meals: no set of teaching points holds {excess} pupils; beneficiaries will differ")
        return
    Participation.objects.filter(school_id__in=left_out).delete()


def _days(county, log) -> None:
    from emis.orgs.models import School

    from .models import SchoolDays
    from .selectors import census_day, on_roll, standard_on

    months = _months()
    schools = School.objects.filter(township__code__startswith=county.code)
    counts = {
        month: dict(
            on_roll(census_day(month), schools=schools).order_by().values_list("school_id").annotate(n=Count("id"))
        )
        for month in months
    }
    standard = {month: standard_on(census_day(month)) for month in months}
    # Yuan a day of each month costs county-wide, in fen (whole numbers for the arithmetic below).
    weight = {month: int(sum(counts[month].values()) * standard[month] * 100) for month in months}
    target = int(TARGET_FUNDS * 100)
    scale = Decimal(target) / sum(weight[m] * TYPICAL_DAYS[m.month] for m in months)
    days = {m: int(TYPICAL_DAYS[m.month] * scale) for m in months}
    spent = sum(weight[m] * days[m] for m in months)
    for month in sorted(months, key=lambda m: -TYPICAL_DAYS[m.month]):
        if weight[month] and spent + weight[month] <= target:
            days[month] += 1
            spent += weight[month]
    rest = target - spent
    # The rest: some schools served one more day in a month (their own 供餐天数), the largest month's schools first.
    extra = None
    for month in sorted(months, key=lambda m: -weight[m]):
        items = [((school, month), int(n * standard[month] * 100)) for school, n in sorted(counts[month].items())]
        unit = math.gcd(rest, *(value for _key, value in items))  # fen add up in whole yuan or more: smaller sets
        extra = subset_with_sum([(key, value // unit) for key, value in items], rest // unit) if unit else None
        if extra is not None:
            break
    if extra is None:
        log(f"  meals: no school-day adjustment gives the published funds (short by {rest / 100} 元)")
        extra = []
    SchoolDays.objects.bulk_create(
        [SchoolDays(month=month, days=days[month], note="全县默认（演示）") for month in months]
        + [
            SchoolDays(month=month, school_id=school, days=days[month] + 1, note="补课加餐一天（演示）")
            for school, month in extra
        ]
    )


REPORT_PLAN = {
    # month: the states of the reports of the chosen schools, in order
    dt.date(YEAR, 5, 1): ("confirmed", "confirmed", "checked", "reported", "sent_back", "confirmed"),
    dt.date(YEAR, 6, 1): ("reported_differs", "checked", "reported", "due", "due", "reported"),
}


def _reports(county, log) -> int:
    from emis.accounts.models import User
    from emis.demo.loader import SCHOOL_ACCOUNT_SCHOOL, TOWNSHIP_ACCOUNT_DIVISION

    from . import services
    from .selectors import participating_schools

    desk = User.objects.filter(username="section").first()
    township = User.objects.filter(username="township").first()
    if desk is None or township is None:
        return 0
    census = dt.date(YEAR, 5, 15)
    schools = list(
        participating_schools(census)
        .filter(Q(name=SCHOOL_ACCOUNT_SCHOOL) | Q(township__code=TOWNSHIP_ACCOUNT_DIVISION))
        .exclude(category="teaching_point")
        .order_by("township__code", "code")[:6]
    )
    by_name = {school.name: school for school in schools}
    if SCHOOL_ACCOUNT_SCHOOL in by_name:  # the demo school account's school first
        schools.remove(by_name[SCHOOL_ACCOUNT_SCHOOL])
        schools.insert(0, by_name[SCHOOL_ACCOUNT_SCHOOL])
    opened = 0
    for month, plan in REPORT_PLAN.items():
        day = dt.date(month.year, month.month + 1, 1)
        reports = {
            r.school_id: r for r in services.reports_open(month=month, acting_user=desk, today=day, schools=schools)
        }
        opened += len(reports)
        for school, state in zip(schools, plan, strict=False):
            report = reports.get(school.pk)
            if report is None or state == "due":
                continue
            actor = _school_account(school)
            figures = (report.expected_beneficiaries, report.expected_days, report.expected_amount)
            if state == "reported_differs":
                standard = figures[2] / (figures[0] * figures[1]) if figures[0] and figures[1] else Decimal("4")
                figures = (
                    figures[0] + 3,
                    figures[1],
                    (figures[2] + 3 * figures[1] * standard).quantize(Decimal("0.01")),
                )
            report = services.report_submit(
                report=report,
                beneficiaries=figures[0],
                days=figures[1],
                amount=figures[2],
                acting_user=actor,
                today=day + dt.timedelta(days=2),
            )
            if state == "sent_back":
                services.report_step(
                    report=report,
                    transition="send_back",
                    acting_user=township if school.township.code == TOWNSHIP_ACCOUNT_DIVISION else desk,
                    comment="享受人数与学籍不符，请核对后重报",
                    today=day + dt.timedelta(days=6),
                )
                continue
            if state in ("checked", "confirmed"):
                checker = township if school.township.code == TOWNSHIP_ACCOUNT_DIVISION else _township_account(school)
                services.report_step(
                    report=report, transition="check", acting_user=checker, today=day + dt.timedelta(days=5)
                )
            if state == "confirmed":
                services.report_step(
                    report=report, transition="confirm", acting_user=desk, today=day + dt.timedelta(days=8)
                )
    return opened


def _school_account(school):
    """The demo account of a school (the demo's own for 迎宾路小学; one without a usable password otherwise)."""
    from emis.accounts.models import User
    from emis.core.access import Role

    user = User.objects.filter(role=Role.SCHOOL, schools=school).order_by("pk").first()
    if user is None:
        user = User(username=f"demo-school-{school.code}", role=Role.SCHOOL, display_name=f"{school.name}（演示）")
        user.set_unusable_password()
        user.save()
        user.schools.set([school])
    return user


def _township_account(school):
    from emis.accounts.models import User
    from emis.core.access import Role

    user = User.objects.filter(role=Role.TOWNSHIP, divisions=school.township).order_by("pk").first()
    if user is None:
        user = User(
            username=f"demo-township-{school.township.code}",
            role=Role.TOWNSHIP,
            display_name=f"{school.township.name}中心学校（演示）",
        )
        user.set_unusable_password()
        user.save()
        user.divisions.set([school.township])
    return user


def load(county, log) -> dict[str, int]:
    """Contribute 通山县's programme (once: nothing is added when its schools already take part)."""
    from django.utils import timezone

    from emis.demo.loader import TONGSHAN
    from emis.work.calendar import CalendarUnknown
    from emis.work.deadlines import sweep

    from .models import DailyStandard, Participation, SchoolDays

    if county.key != TONGSHAN.key:
        return {}
    if Participation.objects.filter(school__township__code__startswith=county.code).exists():
        return {}
    for effective_from, amount, basis in STANDARDS:
        DailyStandard.objects.get_or_create(effective_from=effective_from, defaults={"amount": amount, "basis": basis})
    _participation(county, log)
    if not SchoolDays.objects.filter(month__year=YEAR).exists():
        _days(county, log)
    reports = _reports(county, log)
    try:
        sweep(today=timezone.localdate())
    except CalendarUnknown:
        pass
    counts = {
        "meal participations": Participation.objects.filter(school__township__code__startswith=county.code).count(),
        "meal school days": SchoolDays.objects.filter(month__year=YEAR).count(),
        "meal reports": reports,
    }
    log("  meals" + "".join(f"  {label} {n:,}" for label, n in counts.items()))
    return counts


def wipe(county, log) -> dict[str, int]:
    """Delete the county's reports with their cases, its participations and its school days (the standards are the
    county's reference table and stay)."""
    from emis.work.cleanup import delete_cases

    from .models import MonthlyReport, Participation, SchoolDays

    reports = MonthlyReport.objects.filter(school__township__code__startswith=county.code)
    case_ids = list(reports.values_list("case_id", flat=True))
    counts = {"meal reports": reports._raw_delete(reports.db)}
    counts["meal report cases"] = delete_cases(case_ids)
    days = SchoolDays.objects.filter(school__township__code__startswith=county.code)
    counts["meal school days"] = days._raw_delete(days.db)
    if not SchoolDays.objects.filter(school__isnull=False).exists():
        defaults = SchoolDays.objects.filter(school__isnull=True)
        defaults._raw_delete(defaults.db)
    participations = Participation.objects.filter(school__township__code__startswith=county.code)
    counts["meal participations"] = participations._raw_delete(participations.db)
    return counts
