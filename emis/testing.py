"""Shared test data: a small two-township county, one user per role, and helpers for tests.

`build_county()` creates (and change-logs, with source "command") a county of two townships:

    湖北省 42 > 咸宁市 4212 > 通山县 421224
        通羊镇 421224100 (village 421224100001)
            A1 通羊镇中心小学 (primary) with teaching point TP 通羊镇畈上教学点
            A2 通羊镇初级中学 (junior)
        南林桥镇 421224101 (village 421224101001)
            B1 南林桥镇中心小学 (primary)

with school years 2023 and 2024 (current), one class per school, students with valid ID numbers
(张三丰 at A1 and 赵思飞 at B1 share the pinyin initials "zsf"), their enrolments, one staff member
and posting per school, population records per township and an opening event per school.

`make_role_users(county)` creates one user per role with the scope the issue describes:
leader and section (the county), township (通羊镇), school (A1), inspector (A2 and B1), city (咸宁市 4212),
province (湖北省 42), admin.

`make_neighbour_county(county)` adds a second county beside it, 崇阳县 421223 (one township, one school, a row of
each scoped model): the access matrix adds it to its own data only, so that other tests' counts stay as they are.

`module_db(django_db_blocker)` holds such data for a test module inside one transaction that is rolled
back afterwards, so each test (inside its own savepoint via the `db` fixture) starts from the same rows
and other modules start from an empty database. tests/conftest.py offers it as the `county` fixture.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE, make_id_number
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.staff.apps import DOMAIN as STAFF_DOMAIN
from emis.students.apps import DOMAIN as STUDENTS_DOMAIN

PASSWORD = "pass-word-1234"
COUNTY_CODE = "421224"

ROLE_USERNAMES = {
    Role.LEADER: "leader",
    Role.SECTION: "section",
    Role.TOWNSHIP: "township_a",
    Role.SCHOOL: "school_a1",
    Role.INSPECTOR: "inspector",
    Role.CITY: "city",
    Role.PROVINCE: "province",
    Role.ADMIN: "admin",
}
NEIGHBOUR_CODE = "421223"  # 崇阳县, the access matrix's second county (make_neighbour_county)


@dataclass
class County:
    province: object = None
    city: object = None
    county: object = None
    township_a: object = None
    township_b: object = None
    village_a: object = None
    village_b: object = None
    year_2023: object = None
    year: object = None  # the current school year (2024-2025)
    school_a1: object = None
    teaching_point: object = None
    school_a2: object = None
    school_b1: object = None
    classes: dict = field(default_factory=dict)  # school key -> SchoolClass
    students: dict = field(default_factory=dict)  # name -> Student
    enrollments: dict = field(default_factory=dict)  # student name -> Enrollment
    staff: dict = field(default_factory=dict)  # name -> Staff
    postings: dict = field(default_factory=dict)  # staff name -> Posting
    population: dict = field(default_factory=dict)  # name -> PopulationRecord
    outside: dict = field(default_factory=dict)  # "A", "B", "county" -> OutsideEnrollment (县外就读)
    events: dict = field(default_factory=dict)  # school key -> SchoolEvent
    zones: dict = field(default_factory=dict)  # "A", "B" -> CatchmentZone (招生片区) of the current year
    entry_plans: dict = field(default_factory=dict)  # school key -> EntryPlan (primary year 1)
    catchment_exceptions: dict = field(default_factory=dict)  # child name -> CatchmentException
    senior_school: object = None  # H1, build_rounds only
    admission_round: object = None  # a published 中考 round, build_rounds only
    applicants: dict = field(default_factory=dict)  # name -> Applicant of that round
    appeals: dict = field(default_factory=dict)  # applicant name -> Appeal
    plan_targets: dict = field(default_factory=dict)  # "county", "B" -> PlanTarget
    snapshots: dict = field(default_factory=dict)  # "county", "B" -> IndicatorSnapshot
    users: dict = field(default_factory=dict)  # role -> User
    tokens: dict = field(default_factory=dict)  # role -> token key

    @property
    def schools(self) -> dict:
        return {"A1": self.school_a1, "TP": self.teaching_point, "A2": self.school_a2, "B1": self.school_b1}


_sequence = {"n": 100}


def next_sequence() -> int:
    """Cycles through 100-898: sequences from 900 up are left to tests that pick one by hand, so a number made for
    a test's "other" ID never equals a fixture's (a worker that had run ~400 tests used to reach 907)."""
    _sequence["n"] += 2
    if _sequence["n"] >= 900:
        _sequence["n"] = 100
    return _sequence["n"]


def id_for(birth: dt.date, gender: str, area: str = COUNTY_CODE, sequence: int | None = None) -> str:
    """A valid 18-character ID number (GB 11643 check digit) for the birth date and gender."""
    return make_id_number(area, birth, sequence if sequence is not None else next_sequence(), gender)


# A pupil roster's header and rows as the offices' workbooks hold them (the import tests).
ROSTER_HEADER = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号", "户籍乡镇代码"]
ROSTER_BIRTH = dt.date(2018, 3, 4)


def roster_row(
    n: int,
    *,
    birth: dt.date = ROSTER_BIRTH,
    township: str = "421224100",
    name: str | None = None,
    gender: str = GENDER_MALE,
    birth_cell=None,
) -> list:
    """Row ``n`` of a roster: a first-grade pupil of school 2142000101 with a valid ID number; the birth date as ISO
    text unless ``birth_cell`` gives the cell (a date, a number, bad text)."""
    id_number = id_for(birth, gender, sequence=800 + 2 * n)
    cell = birth.isoformat() if birth_cell is None else birth_cell
    return [
        "2142000101",
        "一年级",
        "1班",
        name or f"新生{n}号",
        "男" if gender == GENDER_MALE else "女",
        cell,
        id_number,
        township,
    ]


def make_division(code: str, name: str, level: str, parent=None):
    from emis.orgs.models import Division

    return Division.objects.create(code=code, name=name, level=level, parent=parent)


def make_school(code: str, name: str, category: str, township, *, parent=None, urban_rural: str = "town", **extra):
    from emis.orgs.models import School

    return School.objects.create(
        code=code,
        name=name,
        category=category,
        township=township,
        parent=parent,
        urban_rural=urban_rural,
        capacity=extra.pop("capacity", 300),
        **extra,
    )


def make_student(
    name: str,
    school,
    *,
    birth: dt.date,
    gender: str = GENDER_MALE,
    id_number: str | None = "auto",
    student_no: str | None = "auto",
    **extra,
):
    from emis.students.models import Student

    if id_number == "auto":
        id_number = id_for(birth, gender)
    if student_no == "auto":
        student_no = f"G{id_number}" if id_number else None
    return Student.objects.create(
        name=name,
        gender=gender,
        birth_date=birth,
        id_number=id_number,
        student_no=student_no,
        current_school=school,
        county_code=extra.pop("county_code", COUNTY_CODE),
        **extra,
    )


def make_enrollment(student, school_class, *, status: str = "enrolled", status_date: dt.date | None = None):
    from emis.students.models import Enrollment

    return Enrollment.objects.create(
        student=student,
        school=school_class.school,
        school_year=school_class.school_year,
        school_class=school_class,
        grade=school_class.grade,
        status=status,
        status_date=status_date or school_class.school_year.census_date,
    )


def make_staff(name: str, school, *, birth: dt.date, gender: str = GENDER_FEMALE, **extra):
    from emis.staff.models import Staff

    return Staff.objects.create(
        name=name,
        gender=gender,
        birth_date=birth,
        id_number=id_for(birth, gender),
        post_school=school,
        establishment=extra.pop("establishment", "permanent"),
        qualification=extra.pop("qualification", "bachelor"),
        subject=extra.pop("subject", "语文"),
        **extra,
    )


def make_population(
    name: str, year, township, *, birth: dt.date, gender: str = GENDER_MALE, id_number=None, village=None
):
    from emis.population.models import PopulationRecord

    return PopulationRecord.objects.create(
        school_year=year,
        name=name,
        gender=gender,
        birth_date=birth,
        id_number=id_number or id_for(birth, gender),
        hukou_township=township,
        hukou_village=village,
    )


def make_outside_enrollment(name: str, year, township, *, birth: dt.date, gender: str = GENDER_MALE):
    from emis.population.models import OutsideEnrollment

    return OutsideEnrollment.objects.create(
        school_year=year,
        name=name,
        id_number=id_for(birth, gender),
        hukou_township=township,
        school_name="武汉市育才小学",
        region="湖北省武汉市",
    )


def make_user(username: str, role: str, *, divisions=(), schools=(), domains=(), password: str = PASSWORD):
    from emis.accounts.models import User

    user = User(username=username, role=role, display_name=username, domains=list(domains))
    user.set_password(password)
    user.save()
    if divisions:
        user.divisions.set(divisions)
    if schools:
        user.schools.set(schools)
    return user


def api_token_for(user) -> str:
    """A fresh API token (knox: stored hashed, expiring) for `user`, for an `Authorization: Token ...` header."""
    from knox.models import AuthToken

    return AuthToken.objects.create(user=user)[1]


def make_role_users(county: County) -> dict:
    """One user per role, each with the scope the issue describes, and an API token each."""
    users = {
        Role.LEADER: make_user(ROLE_USERNAMES[Role.LEADER], Role.LEADER, divisions=[county.county]),
        Role.SECTION: make_user(
            ROLE_USERNAMES[Role.SECTION],
            Role.SECTION,
            divisions=[county.county],
            domains=[STUDENTS_DOMAIN, STAFF_DOMAIN],
        ),
        Role.TOWNSHIP: make_user(ROLE_USERNAMES[Role.TOWNSHIP], Role.TOWNSHIP, divisions=[county.township_a]),
        Role.SCHOOL: make_user(ROLE_USERNAMES[Role.SCHOOL], Role.SCHOOL, schools=[county.school_a1]),
        Role.INSPECTOR: make_user(
            ROLE_USERNAMES[Role.INSPECTOR], Role.INSPECTOR, schools=[county.school_a2, county.school_b1]
        ),
        # Departments above the county: view only, the whole city or province.
        Role.CITY: make_user(ROLE_USERNAMES[Role.CITY], Role.CITY, divisions=[county.city]),
        Role.PROVINCE: make_user(ROLE_USERNAMES[Role.PROVINCE], Role.PROVINCE, divisions=[county.province]),
        Role.ADMIN: make_user(ROLE_USERNAMES[Role.ADMIN], Role.ADMIN),
    }
    county.users = users
    county.tokens = {role: api_token_for(user) for role, user in users.items()}
    return users


def enter_working_calendar_through_next_year() -> None:
    """Pages open cases with deadlines counted from today in working days; from December they run into next
    year, which the chinesecalendar package may not know yet, and the engine then refuses (rightly:
    emis/work/calendar.py). The test county's administrator has entered those years, as a bureau does each
    November (weekdays work)."""
    from emis.work.calendar import package_years
    from emis.work.models import CalendarYear

    this_year = dt.date.today().year
    for year in range(this_year, this_year + 2):
        if year not in package_years():
            CalendarYear.objects.get_or_create(year=year, defaults={"source": "测试"})


def build_county(*, with_users: bool = True) -> County:
    """The small county described in the module docstring; writes are change-logged with source command."""
    from emis.orgs.models import SchoolEvent, SchoolYear
    from emis.staff.models import Posting
    from emis.students.models import SchoolClass

    c = County()
    with audit_context():
        c.province = make_division("42", "湖北省", "province")
        c.city = make_division("4212", "咸宁市", "city", c.province)
        c.county = make_division(COUNTY_CODE, "通山县", "county", c.city)
        c.township_a = make_division("421224100", "通羊镇", "township", c.county)
        c.township_b = make_division("421224101", "南林桥镇", "township", c.county)
        c.village_a = make_division("421224100001", "城东社区", "village", c.township_a)
        c.village_b = make_division("421224101001", "石门村", "village", c.township_b)

        enter_working_calendar_through_next_year()
        c.year_2023 = SchoolYear.objects.create(start_year=2023, census_date=dt.date(2023, 9, 1))
        c.year = SchoolYear.objects.create(start_year=2024, census_date=dt.date(2024, 9, 1), is_current=True)

        c.school_a1 = make_school("2142000101", "通羊镇中心小学", "primary", c.township_a, urban_rural="urban")
        c.teaching_point = make_school(
            "2142000102", "通羊镇畈上教学点", "teaching_point", c.township_a, parent=c.school_a1, urban_rural="rural"
        )
        c.school_a2 = make_school("3142000201", "通羊镇初级中学", "junior", c.township_a)
        c.school_b1 = make_school("2142000301", "南林桥镇中心小学", "primary", c.township_b, urban_rural="rural")

        for key, school in c.schools.items():
            c.events[key] = SchoolEvent.objects.create(school=school, kind="opened", date=dt.date(1990, 9, 1))

        grades = {"A1": "P1", "A2": "J1", "B1": "P1"}
        for key, grade in grades.items():
            c.classes[key] = SchoolClass.objects.create(
                school=c.schools[key], school_year=c.year, grade=grade, name="1班"
            )

        people = (
            ("张三丰", "A1", dt.date(2018, 3, 5), GENDER_MALE),
            ("李小梅", "A1", dt.date(2018, 6, 12), GENDER_FEMALE),
            ("陈明", "A2", dt.date(2012, 10, 1), GENDER_MALE),
            ("赵思飞", "B1", dt.date(2018, 1, 20), GENDER_MALE),
            ("王芳", "B1", dt.date(2018, 11, 2), GENDER_FEMALE),
        )
        for name, key, birth, gender in people:
            student = make_student(name, c.schools[key], birth=birth, gender=gender)
            c.students[name] = student
            c.enrollments[name] = make_enrollment(student, c.classes[key])

        for name, key, birth in (
            ("刘建国", "A1", dt.date(1980, 5, 6)),
            ("周红", "A2", dt.date(1985, 7, 8)),
            ("孙强", "B1", dt.date(1978, 2, 3)),
        ):
            staff = make_staff(name, c.schools[key], birth=birth)
            c.staff[name] = staff
            c.postings[name] = Posting.objects.create(
                staff=staff, school=c.schools[key], kind="recruitment", start_date=dt.date(2005, 9, 1)
            )

        a_child = c.students["张三丰"]
        c.population["张三丰"] = make_population(
            "张三丰", c.year, c.township_a, birth=a_child.birth_date, id_number=a_child.id_number, village=c.village_a
        )
        b_child = c.students["赵思飞"]
        c.population["赵思飞"] = make_population(
            "赵思飞", c.year, c.township_b, birth=b_child.birth_date, id_number=b_child.id_number, village=c.village_b
        )
        c.population["钱多多"] = make_population(
            "钱多多", c.year, c.township_b, birth=dt.date(2019, 4, 4), gender=GENDER_FEMALE
        )

        # Children at school outside the county: from each township, and one not on any register (the county's).
        for key, name, township in (
            ("A", "吴外读", c.township_a),
            ("B", "郑外读", c.township_b),
            ("county", "冯外读", None),
        ):
            c.outside[key] = make_outside_enrollment(name, c.year, township, birth=dt.date(2016, 6, 6))

        build_catchments(c)
        build_indicator_rows(c)
    if with_users:
        make_role_users(c)
    return c


@dataclass
class Neighbour:
    """崇阳县 421223 beside the county of build_county (make_neighbour_county): one row of each scoped model."""

    county: object = None
    township: object = None
    village: object = None
    school: object = None
    rows: dict = field(default_factory=dict)  # model name -> the row


def make_neighbour_county(c: County) -> Neighbour:
    """A second county in the same city: 崇阳县 421223 > 天城镇 421223100 > 城关社区, with 天城镇中心小学 and, in the
    current year, a class, a pupil and her enrolment, a staff member and posting, an opening event, population and
    县外就读 records, a catchment zone, entry plan and exception, a plan target and snapshot, a 中考 round (draft)
    with the school and an applicant, and an import batch. No user of the county of build_county may reach any
    of them; the city's and the province's users and the administrator reach them all (the access matrix)."""
    from emis.admissions.models import CatchmentException, CatchmentZone, EntryPlan
    from emis.core.models import ImportBatch, ImportStatus
    from emis.indicators.models import IndicatorSnapshot, PlanTarget
    from emis.orgs.models import SchoolEvent
    from emis.population.models import OutsideEnrollment
    from emis.rounds.models import AdmissionRound, Applicant, RoundSchool
    from emis.staff.models import Posting
    from emis.students.models import SchoolClass

    n = Neighbour()
    rows = n.rows
    with audit_context():
        n.county = make_division(NEIGHBOUR_CODE, "崇阳县", "county", c.city)
        n.township = make_division(f"{NEIGHBOUR_CODE}100", "天城镇", "township", n.county)
        n.village = make_division(f"{NEIGHBOUR_CODE}100001", "城关社区", "village", n.township)
        n.school = rows["School"] = make_school("2142300101", "天城镇中心小学", "primary", n.township)
        rows["SchoolEvent"] = SchoolEvent.objects.create(school=n.school, kind="opened", date=dt.date(1990, 9, 1))
        klass = rows["SchoolClass"] = SchoolClass.objects.create(
            school=n.school, school_year=c.year, grade="P1", name="1班"
        )
        birth = dt.date(2018, 2, 14)
        id_number = id_for(birth, GENDER_FEMALE, area=NEIGHBOUR_CODE)
        student = rows["Student"] = make_student(
            "崇小燕", n.school, birth=birth, gender=GENDER_FEMALE, id_number=id_number, county_code=NEIGHBOUR_CODE
        )
        rows["Enrollment"] = make_enrollment(student, klass)
        staff = rows["Staff"] = make_staff("崇老师", n.school, birth=dt.date(1982, 3, 4))
        rows["Posting"] = Posting.objects.create(
            staff=staff, school=n.school, kind="recruitment", start_date=dt.date(2006, 9, 1)
        )
        rows["PopulationRecord"] = make_population(
            "崇小燕", c.year, n.township, birth=birth, gender=GENDER_FEMALE, id_number=id_number, village=n.village
        )
        rows["OutsideEnrollment"] = OutsideEnrollment.objects.create(
            school_year=c.year,
            name="崇外读",
            id_number=id_for(dt.date(2016, 6, 6), GENDER_MALE, area=NEIGHBOUR_CODE),
            county_code=NEIGHBOUR_CODE,
            hukou_township=n.township,
            school_name="武汉市育才小学",
            region="湖北省武汉市",
        )
        zone = rows["CatchmentZone"] = CatchmentZone.objects.create(
            school_year=c.year, name="天城片区", township=n.township, primary_school=n.school
        )
        zone.villages.add(n.village)
        rows["EntryPlan"] = EntryPlan.objects.create(school_year=c.year, school=n.school, level="primary", classes=1)
        rows["CatchmentException"] = CatchmentException.objects.create(
            school_year=c.year,
            level="primary",
            id_number=id_for(dt.date(2018, 5, 5), GENDER_MALE, area=NEIGHBOUR_CODE),
            name="崇随迁",
            reason="migrant",
            school=n.school,
        )
        rows["PlanTarget"] = PlanTarget.objects.create(
            division_code=NEIGHBOUR_CODE, indicator="preschool_ger", baseline_year=2023, target_year=2025, value=90
        )
        rows["IndicatorSnapshot"] = IndicatorSnapshot.objects.create(
            school_year=c.year, division_code=NEIGHBOUR_CODE, data_version="test", values={"year": 2024, "values": []}
        )
        admission_round = rows["AdmissionRound"] = AdmissionRound.objects.create(
            school_year=c.year, name="2024年崇阳县中考录取", division_code=NEIGHBOUR_CODE
        )
        rows["RoundSchool"] = RoundSchool.objects.create(
            round=admission_round, school=n.school, open_seats=1, quota_seats=0
        )
        rows["Applicant"] = Applicant.objects.create(
            round=admission_round,
            exam_no="2024901",
            name="崇考生",
            id_number=id_for(dt.date(2009, 7, 7), GENDER_MALE, area=NEIGHBOUR_CODE),
            junior_school=n.school,
            total=500,
            chinese=100,
            math=100,
            english=100,
            preferences=[n.school.code],
        )
    from django.core.files.base import ContentFile

    from emis.core import files

    rows["ImportBatch"] = ImportBatch.objects.create(
        kind="students",
        file_name="chongyang.csv",
        file=files.save(ContentFile("姓名,性别\n崇三,男\n".encode()), folder="imports", suffix=".csv"),
        sha256="1" * 64,
        division_code=NEIGHBOUR_CODE,
        school_year=2024,
        dry_run=True,
        status=ImportStatus.REJECTED,
        report={"rejected_rows": {"2": "示例"}},
    )
    return n


def build_catchments(c: County) -> None:
    """One zone per township (A: A1 and A2; B: B1), primary entry plans for A1 and B1, and 赵思飞 (B's entrant)
    placed at A1 as a 随迁子女 exception. Entrants of 2024 are born 2017-09-01 to 2018-08-31: 张三丰 in A,
    赵思飞 in B (钱多多, born 2019, is not yet of age)."""
    from emis.admissions.models import CatchmentException, CatchmentZone, EntryPlan

    c.zones["A"] = CatchmentZone.objects.create(
        school_year=c.year,
        name="通羊城东片区",
        township=c.township_a,
        primary_school=c.school_a1,
        junior_school=c.school_a2,
    )
    c.zones["A"].villages.add(c.village_a)
    c.zones["B"] = CatchmentZone.objects.create(
        school_year=c.year, name="南林桥片区", township=c.township_b, primary_school=c.school_b1
    )
    c.zones["B"].villages.add(c.village_b)
    c.entry_plans["A1"] = EntryPlan.objects.create(school_year=c.year, school=c.school_a1, level="primary", classes=1)
    c.entry_plans["B1"] = EntryPlan.objects.create(school_year=c.year, school=c.school_b1, level="primary", classes=2)
    child = c.population["赵思飞"]
    c.catchment_exceptions["赵思飞"] = CatchmentException.objects.create(
        school_year=c.year,
        level="primary",
        id_number=child.id_number,
        name=child.name,
        reason="migrant",
        school=c.school_a1,
        note="父母在通羊镇务工",
    )


def build_indicator_rows(c: County) -> None:
    """A plan target and a (minimal) published snapshot for the county and for township B."""
    from emis.indicators.models import IndicatorSnapshot, PlanTarget

    for key, code in (("county", COUNTY_CODE), ("B", c.township_b.code)):
        c.plan_targets[key] = PlanTarget.objects.create(
            division_code=code, indicator="preschool_ger", baseline_year=2023, target_year=2025, value=93
        )
        c.snapshots[key] = IndicatorSnapshot.objects.create(
            school_year=c.year, division_code=code, data_version="test", values={"year": 2024, "values": []}
        )


def build_rounds(c: County) -> None:
    """A published 中考 round (2024年中考录取) on top of build_county's county.

    H1 通山县第一中学 (senior, quality, in 南林桥镇) plans 3 seats; the default rule (2/3, rounded up) makes 2 of them
    quota seats, all allocated to A2 (the only junior school with applicants). Four A2 applicants list H1 only:
    李雷 600 and 韩梅梅 590 take the quota seats, 王五 500 the open seat, 赵六 400 is not admitted and appeals.

    Not part of build_county: the senior school would change every school count of the other tests, so the tests
    that need a round (the access matrix, the round tests) call this themselves.
    """
    from emis.rounds import services
    from emis.rounds.models import AdmissionRound, Applicant, RoundSchool

    with audit_context():
        c.senior_school = make_school("3142000401", "通山县第一中学", "senior", c.township_b, urban_rural="urban")
        c.admission_round = AdmissionRound.objects.create(school_year=c.year, name="2024年中考录取")
        RoundSchool.objects.create(
            round=c.admission_round, school=c.senior_school, open_seats=1, quota_seats=2, is_quality=True
        )
        for exam_no, name, total, birth in (
            ("2024001", "李雷", 600, dt.date(2009, 3, 1)),
            ("2024002", "韩梅梅", 590, dt.date(2009, 4, 2)),
            ("2024003", "王五", 500, dt.date(2009, 5, 3)),
            ("2024004", "赵六", 400, dt.date(2009, 6, 4)),
        ):
            c.applicants[name] = Applicant.objects.create(
                round=c.admission_round,
                exam_no=exam_no,
                name=name,
                id_number=id_for(birth, GENDER_MALE),
                junior_school=c.school_a2,
                total=total,
                chinese=total // 5,
                math=total // 5,
                english=total // 5,
                preferences=[c.senior_school.code],
            )
        services.round_allocate_quotas(admission_round=c.admission_round)
        services.round_solve(admission_round=c.admission_round)
        services.round_publish(admission_round=c.admission_round)
        c.admission_round.refresh_from_db()
        for applicant in c.applicants.values():
            applicant.refresh_from_db()
        c.appeals["赵六"] = services.round_appeal_record(
            applicant=c.applicants["赵六"],
            received_on=dt.date(2024, 7, 10),
            reason="对总分有异议，申请复核。",
            acting_user=c.users[Role.ADMIN],
        )


@contextlib.contextmanager
def module_db(django_db_blocker, build=build_county):
    """Build data once for a test module (`with module_db(blocker) as county: yield county`), undone at the end.

    The rows live in one transaction that is rolled back when the block exits. Tests using the `db` fixture run
    inside a savepoint of it, so what a test writes is undone and the next test sees the same rows; the database
    stays blocked in between, so a test that forgot `db` fails instead of writing into the shared rows.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# Helpers for reading responses --------------------------------------------------------------------------


def rows_without_timestamps(model) -> list[dict]:
    """Every row of a table, without created_at/updated_at (which a rollback does not claim to restore)."""
    return [
        {k: v for k, v in row.items() if k not in ("created_at", "updated_at")}
        for row in model._base_manager.order_by("pk").values()
    ]


def last_change_id() -> int:
    from emis.core.models import ObjectChange

    return ObjectChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def body_bytes(response) -> bytes:
    """The body of a response, streaming or not (a streaming body can be read once; it is kept as `.body`)."""
    if not hasattr(response, "body"):
        if getattr(response, "streaming", False):
            response.body = b"".join(response.streaming_content)
        else:
            response.body = response.content
    return response.body


def response_text(response) -> str:
    return body_bytes(response).decode("utf-8-sig")


def xlsx_rows(response_or_bytes) -> list[list]:
    """Rows of the first sheet of an xlsx export (header first), read with python-calamine."""
    import io

    from python_calamine import CalamineWorkbook

    data = response_or_bytes if isinstance(response_or_bytes, bytes) else body_bytes(response_or_bytes)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(0).to_python()


def csv_rows(response_or_bytes) -> list[list[str]]:
    """Rows of a csv export (header first); the export starts with a UTF-8 BOM for Excel."""
    import csv
    import io

    data = response_or_bytes if isinstance(response_or_bytes, bytes) else body_bytes(response_or_bytes)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def form_data(instance, fields, **overrides) -> dict:
    """POST data for a model form showing `instance` (unchecked boxes left out, None as "")."""
    from django.forms.models import model_to_dict

    values = model_to_dict(instance, fields=fields)
    values.update(overrides)
    data = {}
    for name, value in values.items():
        if value is False or value is None:
            if value is None:
                data[name] = ""
            continue
        if value is True:
            data[name] = "on"
        elif hasattr(value, "isoformat"):
            data[name] = value.isoformat()
        elif hasattr(value, "pk"):
            data[name] = str(value.pk)
        else:
            data[name] = str(value)
    return data


def registry() -> list:
    """Every ModelUI, after loading the URLconf (the ModelUI classes register as their ui modules are imported)."""
    from django.urls import get_resolver

    from emis.core.views import REGISTRY

    get_resolver().url_patterns  # noqa: B018  (imports every app's urls and ui modules)
    return list(REGISTRY)


#
# Import test helpers (files written on the fly, reports checked row by row)
#


def write_table_file(directory, header: list, rows: list[list], fmt: str = "xlsx"):
    """An xlsx (strings as text, dates as date cells) or UTF-8-BOM csv with a header row."""
    import csv

    import xlsxwriter

    path = directory / f"data.{fmt}"
    if fmt == "xlsx":
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet()
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for r, values in enumerate([header, *rows]):
            for c, value in enumerate(values):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif value is not None:
                    sheet.write(r, c, value)
        workbook.close()
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
    return path


def report_counts(report) -> tuple:
    return tuple(report.counts[key] for key in ("new", "changed", "unchanged", "rejected"))


def import_changes():
    from emis.core.models import ChangeSource, ObjectChange

    return ObjectChange.objects.filter(source=ChangeSource.IMPORT)


def assert_rejected(report, row: int, column: str, fragment: str) -> None:
    """Rejected as a whole, with the reason on that row and column, in Chinese, in the report."""
    assert not report.file_error, report.file_error
    assert not report.committed
    assert report.counts["rejected"] >= 1
    issues = [i for i in report.issues if i.level == "error"]
    matching = [i for i in issues if i.row == row and i.column == column and fragment in i.reason]
    assert matching, [(i.row, i.column, i.reason) for i in issues]
    assert report.rejected_rows[row].startswith(f"{column}：") or f"；{column}：" in report.rejected_rows[row]
    assert fragment in report.rejected_rows[row]
