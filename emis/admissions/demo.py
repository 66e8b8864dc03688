"""The demo counties' 划片招生 (emis load_demo, through the demo's "apps contribute demo data" hook): for the current
school year and the next, every township's villages split into zones, each with its primary school and a junior
school of the township; an entry plan per school sized to its zone's entrants, save a few left to try the page's
warnings (a plan that makes 大班额, one short of places, a school with entrants and no plan, a village in no zone);
and a few 划片例外 (随迁子女, 特殊教育, 政策照顾). Written as the pages write them (validated, saved, change-logged)
by the demo 股室 account (通山县) or the administrator (崇阳县). Deterministic; once: nothing is added when the
county has zones."""

from __future__ import annotations

import math

from django.db import transaction

from .choices import ENTRY_SCHOOL_CATEGORIES, STANDARD_CLASS_SIZE, EntryLevel, ExceptionReason

# Exceptions recorded per county and year: (reason, basis).
EXCEPTIONS = (
    (ExceptionReason.MIGRANT, "父母在县城务工，凭居住证明安排就近入学"),
    (ExceptionReason.SPECIAL, "经残疾儿童入学评估，安排送教上门"),
    (ExceptionReason.POLICY, "优抚对象子女，按政策照顾"),
    (ExceptionReason.MIGRANT, "随迁子女，凭务工证明安排"),
)


def _years():
    from emis.orgs.models import SchoolYear
    from emis.orgs.selectors import current_school_year

    current = current_school_year()
    if current is None:
        return []
    return list(SchoolYear.objects.filter(start_year__in=(current.start_year, current.start_year + 1)))


def _acting_user(county):
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN

    return User.objects.filter(username="section" if county.key == TONGSHAN.key else "admin").first()


def _saved(obj, user):
    """As the page saves a row: the model's rules checked (its clean(); the foreign keys are the county's own rows),
    then saved (change-logged by the save signals)."""
    obj.clean()
    obj.save()
    return obj


def _zones(county, year, user) -> list:
    from emis.orgs.choices import DivisionLevel
    from emis.orgs.models import Division, School

    from .models import CatchmentZone

    townships = Division.objects.filter(code__startswith=county.code, level=DivisionLevel.TOWNSHIP).order_by("code")
    schools = School.objects.filter(township__code__startswith=county.code).order_by("code")
    primaries = list(schools.filter(category__in=ENTRY_SCHOOL_CATEGORIES[EntryLevel.PRIMARY]))
    juniors = list(schools.filter(category__in=ENTRY_SCHOOL_CATEGORIES[EntryLevel.JUNIOR]))
    villages = list(Division.objects.filter(code__startswith=county.code, level=DivisionLevel.VILLAGE).order_by("code"))
    made = []
    last_township = None
    for township in townships:
        here = [v for v in villages if v.parent_id == township.pk]
        its_primaries = [s for s in primaries if s.township_id == township.pk]
        its_juniors = [s for s in juniors if s.township_id == township.pk]
        if not here or not its_primaries:
            continue
        last_township = (township, here)
        groups = min(len(its_primaries), len(here))
        for i in range(groups):
            share = here[i * len(here) // groups : (i + 1) * len(here) // groups]
            zone = _saved(
                CatchmentZone(
                    school_year=year,
                    name=f"{township.name}第{i + 1}片区",
                    township=township,
                    primary_school=its_primaries[i],
                    junior_school=its_juniors[i % len(its_juniors)] if its_juniors else None,
                    note="演示数据",
                ),
                user,
            )
            made.append((zone, share))
    # A village left out of every zone, so that the page shows its children as a gap to close.
    if last_township is not None and made and len(made[-1][1]) > 1:
        made[-1] = (made[-1][0], made[-1][1][:-1])
    for zone, share in made:
        zone.villages.set(share)
    return [zone for zone, _share in made]


def _plans(county, year, user) -> int:
    from emis.accounts.models import User

    from .models import EntryPlan
    from .selectors import catchment_plan

    admin = User.objects.filter(username="admin").first() or user
    written = 0
    for level in (EntryLevel.PRIMARY, EntryLevel.JUNIOR):
        rows = [
            row
            for row in catchment_plan(admin, year, level).schools
            if row.school.township.code.startswith(county.code)
        ]
        for index, row in enumerate(rows):
            if index == 2:
                continue  # a school with entrants and no plan: the page flags it
            size = STANDARD_CLASS_SIZE[level]
            classes = max(1, math.ceil(row.demand / size))
            if index == 4 and row.demand > size:
                classes = max(1, classes - 1)  # one class short: too few places
            if index == 6 and classes > 1:
                classes = max(1, math.floor(row.demand / 56))  # so few classes that they hold 56 or more
            _saved(EntryPlan(school_year=year, school=row.school, level=level, classes=classes), user)
            written += 1
    return written


def _exceptions(county, year, user, zones) -> int:
    from emis.population.models import PopulationRecord

    from .models import CatchmentException
    from .selectors import entry_birth_window, register_year

    register = register_year(year)
    if register is None or not zones:
        return 0
    first, last = entry_birth_window(year.start_year)
    children = list(
        PopulationRecord.objects.filter(
            school_year=register, birth_date__range=(first, last), hukou_township__code__startswith=county.code
        )
        .exclude(hukou_village=None)
        .order_by("id")[: len(EXCEPTIONS) * 7 : 7]
    )
    # Placed at schools the demo accounts see (the school account's, one of the township account's), then at the
    # first zones' schools.
    from emis.demo.loader import SCHOOL_ACCOUNT_SCHOOL, TOWNSHIP_ACCOUNT_DIVISION

    schools = [z.primary_school for z in zones if z.primary_school.name == SCHOOL_ACCOUNT_SCHOOL]
    schools += [z.primary_school for z in zones if z.township.code == TOWNSHIP_ACCOUNT_DIVISION][:1]
    schools += [z.primary_school for z in zones[:2]]
    written = 0
    for n, (child, (reason, basis)) in enumerate(zip(children, EXCEPTIONS, strict=False)):
        school = schools[n % len(schools)]
        _saved(
            CatchmentException(
                school_year=year,
                level=EntryLevel.PRIMARY,
                id_number=child.id_number,
                name=child.name,
                reason=reason,
                school=school,
                note=basis,
            ),
            user,
        )
        written += 1
    return written


def load(county, log) -> dict[str, int]:
    """Contribute the county's zones, entry plans and exceptions (once: nothing when the county has zones)."""
    from emis.core.audit import audit_context
    from emis.core.models import ChangeSource

    from .models import CatchmentZone

    if CatchmentZone.objects.filter(township__code__startswith=county.code).exists():
        return {}
    user = _acting_user(county)
    counts = {"catchment zones": 0, "entry plans": 0, "catchment exceptions": 0}
    with transaction.atomic(), audit_context(user=user, source=ChangeSource.COMMAND):
        for year in _years():
            zones = _zones(county, year, user)
            counts["catchment zones"] += len(zones)
            counts["entry plans"] += _plans(county, year, user)
            counts["catchment exceptions"] += _exceptions(county, year, user, zones)
    log(
        f"  划片招生 {county.name}: {counts['catchment zones']} zones, {counts['entry plans']} entry plans, "
        f"{counts['catchment exceptions']} exceptions"
    )
    return counts


def wipe(county, log) -> dict[str, int]:
    """Delete the county's zones, plans and exceptions before its schools go."""
    from .models import CatchmentException, CatchmentZone, EntryPlan

    zones = CatchmentZone.objects.filter(township__code__startswith=county.code)
    villages = CatchmentZone.villages.through.objects.filter(catchmentzone__in=zones)
    villages._raw_delete(villages.db)
    counts = {}
    for label, queryset in (
        ("catchment zones", zones),
        ("entry plans", EntryPlan.objects.filter(school__township__code__startswith=county.code)),
        ("catchment exceptions", CatchmentException.objects.filter(school__township__code__startswith=county.code)),
    ):
        counts[label] = queryset._raw_delete(queryset.db)
        log(f"  deleted {label:<20}{counts[label]:>8,}")
    return counts
