"""Catchment arithmetic (划片测算): entrants per zone and school against planned places, and each school's list.

Entrants come from the registers: primary year 1 takes the children of the population register who turn 6
by 31 August of the admission year (义务教育法 §11; born 1 September seven years before to 31 August six
years before); junior year 1 takes the pupils on roll in 六年级 the year before. A child belongs to the
zone that lists its 户籍 village. Counting is done per village in SQL; only the small village→zone map is
combined in Python.

Scope: the plan shows the schools and zones the user may see (`for_user`). A school's entrant list is
opened through the school (in scope or 404) and lists the children its zones send it, whoever registered them:
a school administrator must see the children it will receive even though the population register is filed
under townships.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from emis.orgs.models import School, SchoolYear
from emis.population.models import PopulationRecord
from emis.students.choices import ON_ROLL_STATUSES
from emis.students.models import Enrollment, Student

from .choices import LARGE_CLASS_SIZE, STANDARD_CLASS_SIZE, EntryLevel
from .models import CatchmentException, CatchmentZone, EntryPlan


def zone_village_problems(*, zone: CatchmentZone | None, township, villages, school_year) -> list[str]:
    """Why villages may not make up the zone: a village belongs to its zone's township and to one zone a year.

    Rules across rows, shared by the zone form and the API.
    """
    problems = []
    villages = list(villages or ())
    if township and villages:
        strays = [v.name for v in villages if v.parent_id != township.pk]
        if strays:
            problems.append(_("以下村/社区不属于所选乡镇：{names}。").format(names="、".join(strays)))
    if school_year and villages:
        taken = (
            CatchmentZone.objects.filter(school_year=school_year, villages__in=villages)
            .exclude(pk=getattr(zone, "pk", None))
            .values_list("villages__name", "name")
        )
        names = {v.name for v in villages}
        clashes = sorted({f"{village}（{other}）" for village, other in taken if village in names})
        if clashes:
            problems.append(_("以下村/社区本学年已划入其他片区：{names}。").format(names="、".join(clashes)))
    return problems


def entry_birth_window(admission_year: int) -> tuple[dt.date, dt.date]:
    """Birth dates (first, last) of the children who start primary school in September of admission_year."""
    return dt.date(admission_year - 7, 9, 1), dt.date(admission_year - 6, 8, 31)


def register_year(school_year: SchoolYear) -> SchoolYear | None:
    """The population register used: the admission year's own, else the latest one before it."""
    years = PopulationRecord.objects.filter(school_year__start_year__lte=school_year.start_year)
    start = years.order_by("-school_year__start_year").values_list("school_year__start_year", flat=True).first()
    return SchoolYear.objects.filter(start_year=start).first() if start is not None else None


def _entrant_rows(school_year: SchoolYear, level: str):
    """Queryset of the year's entrants (population records or students) with their 户籍 village."""
    if level == EntryLevel.PRIMARY:
        register = register_year(school_year)
        if register is None:
            return PopulationRecord.objects.none()
        first, last = entry_birth_window(school_year.start_year)
        return PopulationRecord.objects.filter(school_year=register, birth_date__range=(first, last))
    graduating = Enrollment.objects.filter(
        school_year__start_year=school_year.start_year - 1, grade="P6", is_current=True, status__in=ON_ROLL_STATUSES
    )
    return Student.objects.filter(pk__in=graduating.values("student_id"))


def _zone_school_field(level: str) -> str:
    return "primary_school" if level == EntryLevel.PRIMARY else "junior_school"


def _counts_by(queryset, path: str) -> dict:
    return dict(queryset.order_by().values_list(path).annotate(n=Count("id")).values_list(path, "n"))


@dataclass
class SchoolPlanRow:
    school: School
    zones: list = field(default_factory=list)
    entrants: int = 0
    exceptions_in: int = 0
    exceptions_out: int = 0
    plan: EntryPlan | None = None

    @property
    def demand(self) -> int:
        return self.entrants - self.exceptions_out + self.exceptions_in

    @property
    def capacity(self) -> int | None:
        return self.plan.capacity if self.plan else None

    @property
    def average_class(self) -> float | None:
        if not self.plan or not self.plan.classes:
            return None
        return round(self.demand / self.plan.classes, 1)

    @property
    def classes_needed(self) -> int:
        size = self.plan.standard_size if self.plan else None
        return math.ceil(self.demand / size) if size else 0

    @property
    def flags(self) -> list[str]:
        found = []
        if self.plan is None:
            if self.demand:
                found.append(_("未填报招生计划"))
            return found
        if self.plan.classes and self.demand > self.plan.classes * (LARGE_CLASS_SIZE - 1):
            found.append(
                _("按计划 {classes} 个班将出现{size}人以上大班额（平均 {average} 人）").format(
                    classes=self.plan.classes, size=LARGE_CLASS_SIZE, average=self.average_class
                )
            )
        if self.demand > self.plan.capacity:
            found.append(_("需求超出计划学位 {n} 个").format(n=self.demand - self.plan.capacity))
        return found


@dataclass
class CatchmentPlan:
    school_year: SchoolYear
    level: str
    register: SchoolYear | None
    schools: list[SchoolPlanRow]
    zones: list[dict]
    unzoned: int
    unzoned_by_township: list[tuple[str, int]]
    duplicate_villages: list[tuple[str, list[str]]]

    @property
    def standard_class_size(self) -> int:
        return STANDARD_CLASS_SIZE[self.level]

    @property
    def flagged(self) -> list[SchoolPlanRow]:
        return [row for row in self.schools if row.flags]


def _village_zones(school_year: SchoolYear, level: str) -> tuple[dict[int, CatchmentZone], list]:
    """village id -> zone (the first by name when a village was put into two zones, which is reported)."""
    school_field = _zone_school_field(level)
    zones = (
        CatchmentZone.objects.filter(school_year=school_year, **{f"{school_field}__isnull": False})
        .select_related("township", school_field)
        .prefetch_related("villages")
        .order_by("name")
    )
    by_village: dict[int, CatchmentZone] = {}
    seen: dict[int, list[str]] = defaultdict(list)
    village_names = {}
    for zone in zones:
        for village in zone.villages.all():
            seen[village.pk].append(zone.name)
            village_names[village.pk] = village.name
            by_village.setdefault(village.pk, zone)
    duplicates = [(village_names[pk], names) for pk, names in seen.items() if len(names) > 1]
    return by_village, duplicates


def catchment_plan(user, school_year: SchoolYear, level: str) -> CatchmentPlan:
    school_field = _zone_school_field(level)
    by_village, duplicates = _village_zones(school_year, level)
    entrants = _entrant_rows(school_year, level)
    per_village = _counts_by(entrants, "hukou_village_id")
    visible_zone_ids = set(
        CatchmentZone.objects.for_user(user).filter(school_year=school_year).values_list("pk", flat=True)
    )
    visible_schools = School.objects.for_user(user)
    rows: dict[int, SchoolPlanRow] = {}
    zone_counts: Counter = Counter()
    unzoned = 0
    unzoned_townships: Counter = Counter()
    for village_id, n in per_village.items():
        zone = by_village.get(village_id)
        if zone is None:
            unzoned += n
            continue
        zone_counts[zone.pk] += n
    zones_out = []
    for zone in {z.pk: z for z in by_village.values()}.values():
        school = getattr(zone, school_field)
        if zone.pk in visible_zone_ids:
            zones_out.append(
                {"zone": zone, "school": school, "entrants": zone_counts[zone.pk], "villages": len(zone.villages.all())}
            )
    if unzoned:
        # Which townships the unzoned children come from, so the gap can be closed.
        unzoned_townships.update(
            _counts_by(
                entrants.exclude(hukou_village_id__in=[pk for pk in by_village if pk is not None]),
                "hukou_township__name",
            )
        )
    school_ids = {getattr(zone, f"{school_field}_id") for zone in by_village.values()}
    school_ids |= set(
        EntryPlan.objects.filter(school_year=school_year, level=level).values_list("school_id", flat=True)
    )
    for school in visible_schools.filter(pk__in=school_ids).select_related("township"):
        rows[school.pk] = SchoolPlanRow(school=school)
    for zone in by_village.values():
        school = getattr(zone, school_field)
        if school.pk in rows and zone not in rows[school.pk].zones:
            rows[school.pk].zones.append(zone)
    for row in rows.values():
        row.entrants = sum(zone_counts[zone.pk] for zone in row.zones)
    for plan in EntryPlan.objects.filter(school_year=school_year, level=level, school_id__in=list(rows)):
        rows[plan.school_id].plan = plan
    _apply_exceptions(rows, school_year, level, entrants, by_village, school_field)
    ordered = sorted(
        rows.values(), key=lambda r: (r.school.township.code if r.school.township_id else "", r.school.code)
    )
    zones_out.sort(key=lambda z: (z["zone"].township.code, z["zone"].name))
    return CatchmentPlan(
        school_year=school_year,
        level=level,
        register=register_year(school_year) if level == EntryLevel.PRIMARY else None,
        schools=ordered,
        zones=zones_out,
        unzoned=unzoned,
        unzoned_by_township=sorted(unzoned_townships.items(), key=lambda item: -item[1]),
        duplicate_villages=duplicates,
    )


def _apply_exceptions(rows, school_year, level, entrants, by_village, school_field) -> None:
    exceptions = list(CatchmentException.objects.filter(school_year=school_year, level=level))
    if not exceptions:
        return
    villages = dict(
        entrants.filter(id_number__in=[e.id_number for e in exceptions]).values_list("id_number", "hukou_village_id")
    )
    for exception in exceptions:
        zone = by_village.get(villages.get(exception.id_number))
        home = getattr(zone, f"{school_field}_id") if zone else None
        if home == exception.school_id:
            continue
        if home in rows:
            rows[home].exceptions_out += 1
        if exception.school_id in rows:
            rows[exception.school_id].exceptions_in += 1


@dataclass
class Entrant:
    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str
    village: str
    zone: str
    placement: str


def school_entrants(school: School, school_year: SchoolYear, level: str) -> list[Entrant]:
    """The children a school receives: its zones' entrants not placed elsewhere, then those placed with it."""
    school_field = _zone_school_field(level)
    by_village, _duplicates = _village_zones(school_year, level)
    own_villages = {pk: zone for pk, zone in by_village.items() if getattr(zone, f"{school_field}_id") == school.pk}
    exceptions = {
        e.id_number: e
        for e in CatchmentException.objects.filter(school_year=school_year, level=level).select_related("school")
    }
    entrants = (
        _entrant_rows(school_year, level)
        .filter(hukou_village_id__in=list(own_villages))
        .select_related("hukou_village")
        .order_by("hukou_village__code", "name", "id")
    )
    found = []
    seen = set()
    for person in entrants:
        if person.id_number in seen:
            continue
        seen.add(person.id_number)
        exception = exceptions.get(person.id_number)
        if exception is not None and exception.school_id != school.pk:
            continue
        found.append(
            Entrant(
                name=person.name,
                gender=person.get_gender_display(),
                birth_date=person.birth_date,
                id_number=person.id_number or "",
                village=person.hukou_village.name if person.hukou_village else "",
                zone=own_villages[person.hukou_village_id].name,
                placement=_("片区对口"),
            )
        )
    for exception in exceptions.values():
        if exception.school_id == school.pk and exception.id_number not in seen:
            found.append(
                Entrant(
                    name=exception.name,
                    gender="",
                    birth_date=None,
                    id_number=exception.id_number,
                    village="",
                    zone="",
                    placement=_("例外安排：{reason}").format(reason=exception.get_reason_display()),
                )
            )
    return found
