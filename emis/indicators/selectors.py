"""Reads for the dashboards, trends and plan targets.

Figures of a year come from its newest published snapshot when there is one (frozen: later edits to the
records do not move them) and are computed live otherwise; either way they pass through the user's scope
(snapshots by `for_user`, live values by `evaluate(user, ...)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.orgs.area import COUNTY_LENGTH, area_of
from emis.orgs.models import Division, School, SchoolYear

from .definitions import LEVELS_READ, PERCENT, REGISTRY
from .engine import evaluate, unrecorded_levels
from .figures import Figures, as_number, revised_codes
from .models import Comparator, IndicatorSnapshot, PlanTarget

# The breakdowns of a dashboard besides the places one level down (child_dimension).
ATTRIBUTE_BREAKDOWNS = ("category", "ownership", "urban_rural", "gender")
# A county's dashboard (its townships); see dashboard_breakdowns for any division.
DASHBOARD_BREAKDOWNS = ("township", *ATTRIBUTE_BREAKDOWNS)
# Division code lengths above a township's, widest first (province, city, county).
_ANCESTOR_LENGTHS = (2, 4, COUNTY_LENGTH)


def school_scoped(user) -> bool:
    """Is the user's scope made of schools only (a school administrator, a 督学): no area of theirs to show?"""
    if user is None or access.sees_everything(user):
        return False
    _schools, codes = access.scope_of(user)
    return not codes


# The figures a dashboard leads with: an area's key rates and its counts of schools and pupils.
KEY_INDICATORS = (
    "preschool_ger",
    "inclusive_kg_coverage",
    "public_kg_share",
    "compulsory_retention",
    "large_class_ratio",
    "upper_secondary_ger",
    "vocational_ger",
    "general_vocational_ratio",
)
KEY_COUNTS = (
    "kg_count",
    "kg_children",
    "primary_pupils",
    "junior_students",
    "upper_secondary_students",
    "vocational_students",
)
# The two kinds of enrolment rate an area's dashboard shows side by side, each with its formula (issue 15): the net
# rates by the statistics definition (pupils counted at the schools) and the register-matched share of the 控辍保学.
ENROLMENT_RATES = ("primary_ner", "junior_ner", "compulsory_enrolment_rate")
# What one school's figures can say: its pupils, class sizes, pupils per teacher, posts and places. Not the rates
# over an area's school-age population (毛入园率, 入学率), its mix of kindergartens or of general and vocational
# pupils, nor a count of schools.
SCHOOL_INDICATORS = (
    "compulsory_retention",
    "large_class_ratio",
    "super_large_class_ratio",
    "pupil_teacher_ratio_primary",
    "pupil_teacher_ratio_junior",
    "pupil_teacher_ratio_senior",
    "staffing_gap",
    "place_utilisation",
)
SCHOOL_COUNTS = ("kg_children", "primary_pupils", "junior_students", "upper_secondary_students", "vocational_students")


def dashboard_codes(user, figures: Figures) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(count codes, rate codes) a user's dashboard shows. An area's: the key figures. An account scoped by schools
    (a school administrator, a 督学): the figures that apply to schools, and only those its schools have (the
    pupils of the levels they teach, the rates with a value), never a page of 无数据."""
    if not school_scoped(user):
        return KEY_COUNTS, KEY_INDICATORS
    counts = tuple(code for code in SCHOOL_COUNTS if figures.value(code))
    rates = tuple(code for code in SCHOOL_INDICATORS if figures.value(code) is not None)
    return counts, rates


def child_dimension(division: str, user=None) -> str:
    """The places one level down from the division shown, which its dashboard breaks down by and drills into:
    the counties of a city or a province, the townships of a county, the schools of a township (and the schools
    of an account scoped by schools)."""
    if school_scoped(user):
        return "school"
    if len(division) < COUNTY_LENGTH:
        return "county"
    if len(division) == COUNTY_LENGTH:
        return "township"
    return "school"


def dashboard_breakdowns(division: str, user=None) -> tuple[str, ...]:
    """What a dashboard (and a snapshot) of the division is broken down by: its places one level down and the
    schools' attributes (no per-county rows for a county, no per-township rows for a city)."""
    return (child_dimension(division, user), *ATTRIBUTE_BREAKDOWNS)


def scope_division(user, division: str | None = None) -> str:
    """The area a user's figures cover: the asked division if in scope, else the user's own first division (the
    deployment's area for those who see everything: a county, a city or a province)."""
    if user is None or access.sees_everything(user):
        return division or access.deployment_area_code()
    if division and access.covers(user, division=division):
        return division
    _schools, codes = access.scope_of(user)
    if codes:
        return codes[0]
    # Users scoped by schools (school administrators, 督学): the county's figures narrowed to their schools by
    # the engine; there is no area of theirs to drill into.
    return access.deployment_area_code()


def latest_snapshot(user, year: int, division: str) -> IndicatorSnapshot | None:
    return (
        IndicatorSnapshot.objects.for_user(user)
        .filter(school_year__start_year=year, division_code=division)
        .order_by("-version")
        .first()
    )


def year_figures(user, year: int, division: str | None = None, *, live: bool = False) -> Figures:
    division = scope_division(user, division)
    snapshot = None if live else latest_snapshot(user, year, division)
    if snapshot is not None:
        return Figures.from_snapshot(snapshot, division)
    # The engine also narrows by the user's scope: a school administrator's figures are its school's. One
    # evaluation for the area and every breakdown (a city's counties are one GROUP BY, not one query each).
    evaluation = evaluate(user, year, by=dashboard_breakdowns(division, user), division=division)
    return Figures(evaluation, division=division)


def trend(user, code: str, division: str | None = None) -> list[dict]:
    """The indicator across the published snapshots (newest version per year), oldest first."""
    division = scope_division(user, division)
    found = {}
    for snapshot in (
        IndicatorSnapshot.objects.for_user(user)
        .filter(division_code=division)
        .select_related("school_year")
        .order_by("school_year__start_year", "version")
    ):
        found[snapshot.school_year.start_year] = snapshot
    points = []
    previous = None
    for year, snapshot in sorted(found.items()):
        # Read as the year's figures are (a year without the records the indicator reads has no data), and
        # compared only with the year before it that has data: never a change from a "—".
        item = snapshot.total(code)
        value = as_number(item["value"]) if item and code not in revised_codes(snapshot.values) else None
        if LEVELS_READ.get(code) and unrecorded_levels(year, division).intersection(LEVELS_READ[code]):
            value = None
        change = None if value is None or previous is None else value - previous
        points.append({"year": year, "value": value, "change": change, "version": snapshot.version})
        previous = value if value is not None else previous
    return points


@dataclass
class TargetProgress:
    target: PlanTarget
    baseline: object
    actual: object
    actual_year: int
    expected: Decimal | None

    @property
    def unit(self) -> str:
        return REGISTRY[self.target.indicator].unit

    @property
    def gap(self):
        """Target minus actual (percentage points for rates); None without data."""
        if self.actual is None:
            return None
        return Decimal(self.target.value) - Decimal(self.actual)

    @property
    def change(self):
        if self.actual is None or self.baseline is None:
            return None
        return Decimal(self.actual) - Decimal(self.baseline)

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        return _meets(self.target, Decimal(self.actual), Decimal(self.target.value))

    @property
    def on_track(self) -> bool | None:
        """Met already, or at least where a straight line from baseline to target would be this year."""
        if self.actual is None:
            return None
        if self.met:
            return True
        if self.expected is None:
            return False
        return _meets(self.target, Decimal(self.actual), self.expected)

    @property
    def status(self) -> str:
        if self.actual is None:
            return "no_data"
        if self.met:
            return "met"
        return "on_track" if self.on_track else "behind"

    @property
    def badge(self) -> dict | None:
        """The verdict as shown ({"label", "css"}); None without data: 无数据 is never on or behind schedule."""
        found = STATUS_BADGES.get(self.status)
        return None if found is None else {"label": found[0], "css": found[1]}


STATUS_BADGES = {
    "met": (_("已达标"), "bg-green-lt"),
    "on_track": (_("进度正常"), "bg-blue-lt"),
    "behind": (_("落后于进度"), "bg-red-lt"),
}


def _meets(target: PlanTarget, actual: Decimal, goal: Decimal) -> bool:
    if target.comparator == Comparator.AT_LEAST:
        return actual >= goal
    if target.comparator == Comparator.AT_MOST:
        return actual <= goal
    if target.comparator == Comparator.ABOUT:
        return abs(actual - goal) <= Decimal(target.tolerance)
    return actual == goal


def target_progress(user, year: int, division: str | None = None) -> list[TargetProgress]:
    """Every plan target of the area with its baseline, the actual value of `year`, the gap and the verdict."""
    division = scope_division(user, division)
    targets = list(PlanTarget.objects.for_user(user).filter(division_code=division))
    if not targets:
        return []
    years = {year} | {t.baseline_year for t in targets}
    known = set(SchoolYear.objects.filter(start_year__in=years).values_list("start_year", flat=True))
    figures = {y: year_figures(user, y, division) for y in sorted(years & known)}
    progress = []
    for target in targets:
        baseline = figures[target.baseline_year].value(target.indicator) if target.baseline_year in figures else None
        actual = figures[year].value(target.indicator) if year in figures else None
        expected = None
        if baseline is not None and target.comparator in (Comparator.AT_LEAST, Comparator.AT_MOST):
            span = target.target_year - target.baseline_year
            elapsed = min(max(year - target.baseline_year, 0), span)
            expected = Decimal(baseline) + (Decimal(target.value) - Decimal(baseline)) * elapsed / span
        progress.append(TargetProgress(target, baseline, actual, year, expected))
    return progress


def is_percent(code: str) -> bool:
    return REGISTRY[code].unit == PERCENT


def heading(user, division: str) -> str:
    """What a dashboard's figures cover, for its heading: the division's name (咸宁市, 通山县, 通羊镇); for an
    account scoped by schools, the names of its schools (never the county their figures are not)."""
    if school_scoped(user):
        school_ids, _codes = access.scope_of(user)
        return "、".join(School.objects.filter(pk__in=school_ids).order_by("code").values_list("name", flat=True))
    return area_of(division).name


def trail(user, division: str) -> list[dict]:
    """The divisions above the one shown that the user may go back up to, widest first ({"code", "name"}): from
    the user's own area (the deployment's for those who see everything) down to the shown division's parent."""
    if school_scoped(user):
        return []
    top = access.deployment_area_code() if user is None or access.sees_everything(user) else None
    codes = [
        division[:n]
        for n in (*_ANCESTOR_LENGTHS, 9)
        if n < len(division)
        and (len(division[:n]) >= len(top) if top is not None else access.covers(user, division=division[:n]))
    ]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [{"code": code, "name": names.get(code, code)} for code in codes]


def breakdown_rows(figures: Figures, dimension: str, codes: list[str]) -> list[dict]:
    """One row per place of `dimension` (county, township or school), in code order, with the values of `codes`
    ({"code", "name", "values": {indicator code: IndicatorValue}, "url"}): the url drills down to the place's
    dashboard, or to a school's page."""
    wanted = set(codes)
    places: dict = {}
    for item in figures.values:
        if item.dimension != dimension or item.code not in wanted:
            continue
        key = item.dimensions[dimension]
        place = places.setdefault(key, {"code": key, "name": item.label, "values": {}, "url": None})
        place["values"][item.code] = item
    rows = [places[key] for key in sorted(places, key=lambda key: (key is None, str(key)))]
    if dimension == "school":
        pks = dict(School.objects.filter(code__in=[row["code"] for row in rows]).values_list("code", "pk"))
        for row in rows:
            if row["code"] in pks:
                row["url"] = reverse("orgs:school_detail", args=[pks[row["code"]]])
    return rows
