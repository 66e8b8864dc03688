"""Writes the demo counties' plans (通山县, and 崇阳县 beside it) into the database, wipes them again, and keeps the
demo accounts.

Rows are written in bulk inside one transaction (bulk_create for the few hundred schools and events,
executemany INSERTs for the hundreds of thousands of pupils, enrolments and register entries), so the
per-row change log, which runs on save signals, is bypassed; one `demo.loaded` AuditEvent records the
load instead (docs/adr/0002-demo-load-bypasses-row-audit.md).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q

from emis.accounts.models import User
from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.common.text import pinyin_initials, pinyin_key, pinyin_sort_key
from emis.core.access import Role
from emis.core.audit import audit_context, record_event
from emis.core.bulk import IndexesSetAside, insert_rows
from emis.core.crypto import blind_index
from emis.core.models import ChangeSource
from emis.indicators.apps import DOMAIN as INDICATORS_DOMAIN
from emis.orgs.apps import DOMAIN as ORGS_DOMAIN
from emis.orgs.choices import DivisionLevel, SchoolCategory
from emis.orgs.models import Division, School, SchoolEvent, SchoolYear
from emis.population.apps import DOMAIN as POPULATION_DOMAIN
from emis.population.models import OutsideEnrollment, PopulationRecord, PopulationSource
from emis.staff.apps import DOMAIN as STAFF_DOMAIN
from emis.staff.models import Posting, Staff
from emis.students.apps import DOMAIN as STUDENTS_DOMAIN
from emis.students.choices import GRADE_LEVEL
from emis.students.models import Enrollment, SchoolClass, Student
from emis.students.services import ENROLLMENT_COLUMNS

from . import chongyang, tongshan
from .tongshan import CENSUS, COUNTY_CODE, CURRENT_YEAR, YEARS, Plan

BATCH_SIZE = 2000


@dataclass(frozen=True)
class DemoCounty:
    key: str  # the command's name for it
    code: str
    name: str
    # The first school of the plan (通山县第一中学, 崇阳县第一中学): its presence means the county is loaded.
    marker_school_code: str

    def build(self, seed: int | None = None) -> Plan:
        if self.key == "tongshan":
            return tongshan.build_plan(seed) if seed is not None else tongshan.build_plan()
        # ID numbers are unique: 崇阳县's avoid those already stored (通山县's migrants from 崇阳县 among them).
        return chongyang.build_plan(chongyang.SEED if seed is None else seed, taken_hashes=_stored_id_hashes())


TONGSHAN = DemoCounty("tongshan", COUNTY_CODE, "通山县", "3442004001")
CHONGYANG = DemoCounty("chongyang", chongyang.COUNTY_CODE, chongyang.COUNTY_NAME, "3442104001")
DEMO_COUNTIES = {county.key: county for county in (TONGSHAN, CHONGYANG)}
# 通山县's, kept for the callers that name it.
MARKER_SCHOOL_CODE = TONGSHAN.marker_school_code
CITY_CODE = "4212"  # 咸宁市, which holds both


def _stored_id_hashes() -> set[str]:
    """Keyed hashes of the stored ID numbers a new demo county's could meet: those of migrant pupils and of staff,
    the only people of a demo county whose numbers are of another county (population registers hold local people
    only). A county's own people have numbers of its own area, which no other demo county gives its locals."""
    students = Student.objects.filter(migrant=True).exclude(id_number_hash=None)
    return set(students.values_list("id_number_hash", flat=True)) | set(
        Staff.objects.values_list("id_number_hash", flat=True)
    )


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    scope: str  # what the account sees, for the printed table
    password_tail: str = "tongshan"

    @property
    def password(self) -> str:
        return f"{self.username}-{self.password_tail}"


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "系统管理员（演示）", "全部（超级用户）"),
    DemoAccount("leader", Role.LEADER, "局领导（演示）", "通山县 421224"),
    DemoAccount(
        "section", Role.SECTION, "股室人员（演示）", "通山县 421224；可编辑 学校、学籍、教职工、适龄人口、招生、指标"
    ),
    DemoAccount("township", Role.TOWNSHIP, "南林桥镇中心学校（演示）", "南林桥镇 421224101"),
    DemoAccount("school", Role.SCHOOL, "迎宾路小学管理员（演示）", "通山县迎宾路小学"),
    DemoAccount("inspector", Role.INSPECTOR, "责任督学（演示）", "实验中学、镇南中学、通羊四小、迎宾路小学"),
    # With 崇阳县 loaded: its 局领导, and the city's education department, which sees both counties.
    DemoAccount("chongyang", Role.LEADER, "崇阳县局领导（演示）", "崇阳县 421223", "xianning"),
    DemoAccount("city", Role.CITY, "咸宁市教育局（演示）", "咸宁市 4212（通山县、崇阳县）", "xianning"),
)
SCHOOL_ACCOUNT_SCHOOL = "通山县迎宾路小学"
INSPECTOR_SCHOOLS = ("通山县实验中学", "通山县镇南中学", "通山县通羊四小", "通山县迎宾路小学")
TOWNSHIP_ACCOUNT_DIVISION = "421224101"

Log = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


# Apps contribute demo data of their own through their registration's ``provides`` (emis/core/registry.py), so the
# demo knows no app beyond the core ones:
#   "demo.load"             f(county: DemoCounty, log) -> {label: rows}: add the app's rows once the county and the
#                           demo accounts exist (called on every `emis load_demo`: add nothing when already there)
#   "demo.wipe"             f(county, log) -> {label: rows}: delete them, inside the wipe's transaction, before the
#                           county's schools go
#   "demo.section_domains"  f() -> [domain codes]: domains the demo 股室 account is given as well
def contributions(name: str) -> list[Callable]:
    from django.utils.module_loading import import_string

    from emis.core import registry

    return [import_string(r.provides[name]) for r in registry.registrations() if name in r.provides]


def load_contributions(county: DemoCounty, *, log: Log = _quiet) -> dict[str, int]:
    """The apps' own demo data for a loaded county (after ensure_demo_accounts)."""
    counts: dict[str, int] = {}
    with audit_context(source=ChangeSource.COMMAND):
        for load in contributions("demo.load"):
            counts.update(load(county, log))
    return counts


def county_loaded(county: DemoCounty) -> bool:
    return School.objects.filter(code=county.marker_school_code).exists()


def tongshan_loaded() -> bool:
    return county_loaded(TONGSHAN)


def county_has_other_schools(county: DemoCounty = TONGSHAN) -> bool:
    return School.objects.filter(township__code__startswith=county.code).exists() and not county_loaded(county)


class _Timer:
    def __init__(self, log: Log):
        self.log = log
        self.start = self.last = time.monotonic()

    def step(self, label: str, count: int | None = None, detail: str = "") -> None:
        now = time.monotonic()
        text = f"  {label:<22}"
        if count is not None:
            text += f"{count:>8,}"
        if detail:
            text += f"  {detail}"
        self.log(f"{text}  ({now - self.last:.1f}s)")
        self.last = now


def load_county(county: DemoCounty, *, seed: int | None = None, log: Log = _quiet) -> dict[str, int]:
    """Build the county's plan and write it; returns the row counts. The caller checks `county_loaded()` first."""
    timer = _Timer(log)
    plan = county.build(seed)
    timer.step("plan built", None, "seeded, checked against the county's figures")
    with transaction.atomic(), audit_context(source=ChangeSource.COMMAND):
        counts = _write(plan, timer, county)
        record_event(
            "demo.loaded", data={"county": county.code, "seed": plan.seed, "rows": counts}, division_code=county.code
        )
    log(f"  total {time.monotonic() - timer.start:.1f}s")
    return counts


def load_tongshan(*, seed: int | None = None, log: Log = _quiet) -> dict[str, int]:
    return load_county(TONGSHAN, seed=seed, log=log)


def _write(plan: Plan, timer: _Timer, county: DemoCounty) -> dict[str, int]:
    if plan.schools[0].code != county.marker_school_code or plan.county != county.code:
        raise AssertionError("the demo plan no longer starts with the marker school; update marker_school_code")
    county_code = plan.county
    initials = pinyin_initials

    # --- divisions, level by level so that parents have ids
    division_ids = dict(Division.objects.filter(code__in=[d[0] for d in plan.divisions]).values_list("code", "id"))
    created = 0
    for level in (
        DivisionLevel.PROVINCE,
        DivisionLevel.CITY,
        DivisionLevel.COUNTY,
        DivisionLevel.TOWNSHIP,
        DivisionLevel.VILLAGE,
    ):
        new = [
            Division(code=code, name=name, level=lvl, parent_id=division_ids.get(parent))
            for code, name, lvl, parent in plan.divisions
            if lvl == level and code not in division_ids
        ]
        Division.objects.bulk_create(new, batch_size=BATCH_SIZE)
        division_ids.update((d.code, d.id) for d in new)
        created += len(new)
    townships = sum(1 for d in plan.divisions if d[2] == DivisionLevel.TOWNSHIP)
    villages = sum(1 for d in plan.divisions if d[2] == DivisionLevel.VILLAGE)
    timer.step(
        "divisions",
        created,
        f"of {len(plan.divisions)} (province, city, county, {townships} townships, {villages} villages)",
    )

    # --- school years (few rows: saved one by one, so they are change-logged)
    year_ids = {}
    for year in YEARS:
        school_year, _ = SchoolYear.objects.get_or_create(start_year=year, defaults={"census_date": CENSUS[year]})
        year_ids[year] = school_year.id
    for school_year in SchoolYear.objects.all():
        wanted = school_year.start_year == CURRENT_YEAR
        if school_year.is_current != wanted:
            school_year.is_current = wanted
            school_year.save()
    timer.step("school years", len(YEARS), f"{', '.join(map(str, YEARS))}; current {CURRENT_YEAR}")

    # --- schools (teaching points after the primary schools they belong to), then their history
    school_ids: dict[str, int] = {}
    for with_parent in (False, True):
        rows = [
            School(
                code=s.code,
                name=s.name,
                category=s.category,
                ownership=s.ownership,
                inclusive=s.inclusive,
                urban_rural=s.urban_rural,
                township_id=division_ids[s.township],
                parent_id=school_ids[s.parent] if s.parent else None,
                address=s.address,
                capacity=s.capacity,
                opened_on=s.opened_on,
                closed_on=s.closed_on,
            )
            for s in plan.schools
            if bool(s.parent) == with_parent
        ]
        School.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        school_ids.update((s.code, s.id) for s in rows)
    points = sum(1 for s in plan.schools if s.category == SchoolCategory.TEACHING_POINT)
    timer.step("schools", len(school_ids), f"incl. {points} teaching points")
    SchoolEvent.objects.bulk_create(
        [
            SchoolEvent(
                school_id=school_ids[e.school],
                kind=e.kind,
                date=e.date,
                other_school_id=school_ids[e.other_school] if e.other_school else None,
                note=e.note,
            )
            for e in plan.events
        ],
        batch_size=BATCH_SIZE,
    )
    timer.step("school events", len(plan.events), "opened / merged / upgraded")

    # --- classes, students, enrolments
    classes = [
        SchoolClass(school_id=school_ids[c.school], school_year_id=year_ids[c.year], grade=c.grade, name=c.name)
        for c in plan.classes
    ]
    SchoolClass.objects.bulk_create(classes, batch_size=BATCH_SIZE)
    timer.step("classes", len(classes))

    students = plan.students
    # The county's big tables are written with their plain indexes built once at the end when they hold few rows
    # beside what the county brings (ADR 0020, EMIS_IMPORT_SET_ASIDE_INDEXES): the first county into an empty database.
    indexes = IndexesSetAside()
    for model, coming in (
        (Student, len(students)),
        (Enrollment, len(plan.enrollments)),
        (PopulationRecord, len(plan.population)),
        (OutsideEnrollment, len(plan.outside)),
        (Staff, len(plan.staff)),
    ):
        indexes.set_aside((model,), coming)
    insert_rows(
        Student,
        (
            "name",
            "name_initials",
            "gender",
            "birth_date",
            "id_number",
            "student_no",
            "hukou_township_id",
            "hukou_village_id",
            "boarder",
            "poverty_family",
            "disabled",
            "left_behind",
            "migrant",
            "current_school_id",
            "county_code",
            "name_pinyin",
            "name_sort",
        ),
        (
            (
                p.name,
                initials(p.name),
                p.gender,
                p.birth,
                p.id_number,
                s.student_no,
                division_ids[p.hukou_township] if p.hukou_township else None,
                division_ids[p.hukou_village] if p.hukou_village else None,
                s.boarder,
                s.poverty_family,
                s.disabled,
                s.left_behind,
                s.migrant,
                school_ids[s.current_school],
                county_code,
                pinyin_key(p.name),
                pinyin_sort_key(p.name),
            )
            for s in students
            for p in (s.person,)
        ),
    )
    # Matched by the keyed hash: the numbers themselves are stored encrypted (emis.core.crypto).
    student_ids = dict(Student.objects.filter(county_code=county_code).values_list("id_number_hash", "id"))
    timer.step("students", len(students))

    insert_rows(
        Enrollment,
        (*ENROLLMENT_COLUMNS, "note"),
        (
            (
                student_ids[blind_index(students[e.student].person.id_number)],
                school_ids[e.school],
                year_ids[e.year],
                classes[e.klass].id,
                e.grade,
                GRADE_LEVEL[e.grade],
                e.status,
                e.status_date,
                e.is_current,
                e.note,
            )
            for e in plan.enrollments
        ),
    )
    timer.step("enrolments", len(plan.enrollments), "2015: preschool and upper secondary; 2020: all levels")

    insert_rows(
        PopulationRecord,
        (
            "school_year_id",
            "name",
            "name_initials",
            "gender",
            "birth_date",
            "id_number",
            "hukou_township_id",
            "hukou_village_id",
            "source",
        ),
        (
            (
                year_ids[year],
                p.name,
                initials(p.name),
                p.gender,
                p.birth,
                p.id_number,
                division_ids[p.hukou_township],
                division_ids[p.hukou_village] if p.hukou_village else None,
                PopulationSource.POLICE,
            )
            for year, p in plan.population
        ),
    )
    timer.step("population records", len(plan.population), "police registers 2015 and 2020")

    insert_rows(
        OutsideEnrollment,
        (
            "school_year_id",
            "id_number",
            "name",
            "name_initials",
            "county_code",
            "hukou_township_id",
            "school_name",
            "region",
            "grade",
            "verified_on",
            "note",
        ),
        (
            (
                year_ids[o.year],
                o.person.id_number,
                o.person.name,
                initials(o.person.name),
                plan.county,
                division_ids[o.person.hukou_township],
                o.school_name,
                o.region,
                o.grade,
                CENSUS[o.year] + dt.timedelta(days=19),
                "就读学校证明",
            )
            for o in plan.outside
        ),
    )
    timer.step("outside enrolments", len(plan.outside), "2020: registered children verified at school elsewhere")

    insert_rows(
        Staff,
        (
            "name",
            "name_initials",
            "gender",
            "birth_date",
            "id_number",
            "establishment",
            "post_school_id",
            "subject",
            "title",
            "qualification",
        ),
        (
            (
                p.name,
                initials(p.name),
                p.gender,
                p.birth,
                p.id_number,
                s.establishment,
                school_ids[s.school],
                s.subject,
                s.title,
                s.qualification,
            )
            for s in plan.staff
            for p in (s.person,)
        ),
    )
    staff_ids = dict(
        Staff.objects.filter(post_school_id__in=list(school_ids.values())).values_list("id_number_hash", "id")
    )
    postings = [
        (staff_ids[blind_index(s.person.id_number)], school_ids[code], kind, start, end, note)
        for s in plan.staff
        for code, kind, start, end, note in s.postings
    ]
    insert_rows(Posting, ("staff_id", "school_id", "kind", "start_date", "end_date", "note"), postings)
    timer.step("staff", len(plan.staff), f"with {len(postings):,} postings")
    indexes.restore()
    timer.step("indexes", None, "built once for the tables the county filled")

    connection = connections[router.db_for_write(Student)]
    if connection.vendor == "postgresql":
        # Fresh planner statistics: autovacuum cannot see rows of an open transaction, and without them the
        # first queries (and every test running inside this transaction) choose nested-loop plans.
        with connection.cursor() as cursor:
            for model in (
                Division,
                School,
                SchoolEvent,
                SchoolClass,
                Student,
                Enrollment,
                PopulationRecord,
                OutsideEnrollment,
                Staff,
                Posting,
            ):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        timer.step("analyze", None, "planner statistics refreshed")
    return plan.counts()


def wipe_tongshan(*, log: Log = _quiet) -> dict[str, int]:
    return wipe_county(TONGSHAN, log=log)


def wipe_county(county: DemoCounty, *, log: Log = _quiet) -> dict[str, int]:
    """Delete every school of the county and all rows hanging from them, the county's students and its
    population registers. Divisions, school years and user accounts stay. Like the load, this bypasses the
    per-row change log (one `demo.reset` AuditEvent instead): deleting row by row would write an
    ObjectChange for each of several hundred thousand rows."""
    county_code = county.code
    schools = School.objects.filter(township__code__startswith=county_code)
    school_ids = list(schools.values_list("id", flat=True))
    in_county = Q(school_id__in=school_ids)
    steps = (
        ("postings", Posting.objects.filter(in_county | Q(staff__post_school_id__in=school_ids))),
        ("staff", Staff.objects.filter(post_school_id__in=school_ids)),
        ("enrolments", Enrollment.objects.filter(in_county | Q(student__county_code=county_code))),
        ("outside enrolments", OutsideEnrollment.objects.filter(county_code=county_code)),
        ("population records", PopulationRecord.objects.filter(hukou_township__code__startswith=county_code)),
        ("students", Student.objects.filter(Q(county_code=county_code) | Q(current_school_id__in=school_ids))),
        ("classes", SchoolClass.objects.filter(in_county)),
        ("user school scopes", User.schools.through.objects.filter(in_county)),
        ("school events", SchoolEvent.objects.filter(in_county | Q(other_school_id__in=school_ids))),
        ("schools", School.objects.filter(id__in=school_ids)),
    )
    counts = {}
    try:
        with transaction.atomic(), audit_context(source=ChangeSource.COMMAND):
            for wipe in contributions("demo.wipe"):
                counts.update(wipe(county, log))
            for label, queryset in steps:
                # _raw_delete: one DELETE statement, no signals, no per-row change log (see docstring).
                counts[label] = queryset._raw_delete(queryset.db)
                log(f"  deleted {label:<20}{counts[label]:>8,}")
            record_event("demo.reset", data={"county": county_code, "rows": counts}, division_code=county_code)
    except IntegrityError as exc:
        raise IntegrityError(
            f"Other records still refer to the county's schools or students, so nothing was deleted: {exc}"
        ) from exc
    return counts


def ensure_demo_accounts() -> list[DemoAccount]:
    """Create or refresh the demo accounts (role, scope and password) of the counties loaded: the administrator,
    one account per role in 通山县, 崇阳县's 局领导 and the 咸宁市 department. Safe to repeat."""
    scopes: dict[str, tuple] = {"admin": ([], [], [])}
    if county_loaded(TONGSHAN):
        county = Division.objects.get(code=TONGSHAN.code)
        township = Division.objects.get(code=TOWNSHIP_ACCOUNT_DIVISION)
        in_county = School.objects.filter(township__code__startswith=TONGSHAN.code)
        school = in_county.get(name=SCHOOL_ACCOUNT_SCHOOL)
        inspected = list(in_county.filter(name__in=INSPECTOR_SCHOOLS).order_by("name"))
        scopes |= {
            "leader": ([county], [], []),
            "section": (
                [county],
                [],
                # Each domain once, though two apps offer it (the inspection engine's is wanted by several).
                list(
                    dict.fromkeys(
                        [
                            ORGS_DOMAIN,
                            STUDENTS_DOMAIN,
                            STAFF_DOMAIN,
                            POPULATION_DOMAIN,
                            ADMISSIONS_DOMAIN,
                            INDICATORS_DOMAIN,
                            *(domain for offered in contributions("demo.section_domains") for domain in offered()),
                        ]
                    )
                ),
            ),
            "township": ([township], [], []),
            "school": ([], [school], []),
            "inspector": ([], inspected, []),
        }
    if county_loaded(CHONGYANG):
        scopes["chongyang"] = ([Division.objects.get(code=CHONGYANG.code)], [], [])
    city = Division.objects.filter(code=CITY_CODE).first()
    if city is not None:
        scopes["city"] = ([city], [], [])
    accounts = [account for account in DEMO_ACCOUNTS if account.username in scopes]
    with transaction.atomic(), audit_context(source=ChangeSource.COMMAND):
        for account in accounts:
            divisions, schools, domains = scopes[account.username]
            user = User.objects.filter(username=account.username).first() or User(username=account.username)
            user.role = account.role
            user.display_name = account.display_name
            user.domains = [str(d) for d in domains]
            user.is_superuser = user.is_staff = account.role == Role.ADMIN
            user.is_active = True
            if not user.has_usable_password() or not user.check_password(account.password):
                user.set_password(account.password)
            user.must_change_password = True  # the password is the published one: every page asks to change it
            user.save()
            user.divisions.set(divisions)
            user.schools.set(schools)
    return accounts


# The county's 2025 targets (五年规划), as published in the bureau's report (../shared/reference).
PLAN_SOURCE = "通山县教育局工作报告（2023-05-15）：“十四五”目标"
PLAN_TARGETS = (
    ("preschool_ger", "gte", "93", "0"),
    ("public_kg_share", "gte", "55", "0"),
    ("inclusive_kg_coverage", "gte", "85", "0"),
    ("compulsory_enrolment_rate", "eq", "100", "0"),
    ("compulsory_retention", "gte", "98", "0"),
    ("large_class_ratio", "lte", "0", "0"),
    ("upper_secondary_ger", "gte", "93", "0"),
    # 普职比 "大体相当": general / vocational students within 0.2 of 1:1 (our reading of "roughly equal").
    ("general_vocational_ratio", "about", "1", "0.2"),
)
SNAPSHOT_YEARS = (2015, 2020)


def ensure_plan_targets(county: DemoCounty | None = None) -> int:
    """The plan's targets as editable rows (baseline 2020, target 2025); existing rows are left as edited. 崇阳县's
    are 通山县's, marked as made up for the demo (so that its 局领导 has targets to follow too)."""
    from emis.indicators.models import PlanTarget

    county = county or TONGSHAN
    source = PLAN_SOURCE if county.key == TONGSHAN.key else "演示数据（虚构，同通山县目标）"
    created = 0
    with transaction.atomic(), audit_context(source=ChangeSource.COMMAND):
        for code, comparator, value, tolerance in PLAN_TARGETS:
            _target, made = PlanTarget.objects.get_or_create(
                division_code=county.code,
                indicator=code,
                target_year=2025,
                defaults={
                    "baseline_year": 2020,
                    "comparator": comparator,
                    "value": value,
                    "tolerance": tolerance,
                    "source": source,
                },
            )
            created += made
    return created


def ensure_snapshots(county: DemoCounty | None = None) -> list[int]:
    """Publish the county's 2015 and 2020 figures once (as the admin account), so trends compare snapshots."""
    from emis.indicators.models import IndicatorSnapshot
    from emis.indicators.services import snapshot_publish

    county = county or TONGSHAN
    admin = User.objects.get(username="admin")
    published = []
    for year in SNAPSHOT_YEARS:
        if IndicatorSnapshot.objects.filter(school_year__start_year=year, division_code=county.code).exists():
            continue
        with audit_context(user=admin, source=ChangeSource.COMMAND):
            snapshot_publish(
                school_year=SchoolYear.objects.get(start_year=year),
                acting_user=admin,
                division_code=county.code,
                note="演示数据首次发布",
            )
        published.append(year)
    return published


def accounts_table(accounts: list[DemoAccount]) -> list[str]:
    """The demo logins as aligned text lines."""
    editable = {
        user.username: user.domain_labels
        for user in User.objects.filter(username__in=[a.username for a in accounts], role=Role.SECTION)
    }
    rows = [("username", "password", "role", "scope")] + [
        (
            a.username,
            a.password,
            str(Role(a.role).label),
            # A 股室 account's domains as stored (the apps add theirs through "demo.section_domains").
            f"{a.scope.split('；')[0]}；可编辑 {'、'.join(editable[a.username])}"
            if editable.get(a.username)
            else a.scope,
        )
        for a in accounts
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(3)] + [row[3]]
        lines.append("  " + "  ".join(cells))
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 20)
    return lines


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
