"""A small hand-made county for the base-table tests; every expected number below is counted by hand.

    通山县 421224, school year 2020 (census 2020-09-01)
      A 通羊镇 421224100
        PA 通羊小学        primary         public   urban
        TP 畈上教学点      teaching point  public   rural   (of PA; not counted as a school)
        KA 阳光幼儿园      kindergarten    private  town
        JA 通羊初中        junior          public   town
      B 南林桥镇 421224101
        PB 南林桥小学      primary         public   rural
        KC 石门幼儿园      kindergarten    public   rural   closed 2020-07-01: not counted
        KD 新建幼儿园      kindergarten    private  rural   opened 2021-03-01: not counted

Classes of 2020, pupils on the roll (male + female):
    PA 一年级1班  25 (15 + 10)   plus 1 suspended, 1 dropped out, 1 closed enrolled row: not counted
    PA 一年级2班  26 (13 + 13)
    PA 二年级1班  56 (30 + 26)
    TP 一年级1班   5 (3 + 2)
    KA 小班1班    20 (10 + 10)
    JA 七年级1班  55 (25 + 30)   5 of the girls transferred in (on the roll)
    JA 七年级2班  66 (33 + 33)
    PB 三年级1班  65 (35 + 30)
    PB 四年级1班   0             2 suspended only: not a teaching class
and a 2019 class of 30 at PA (another year: not counted).

Staff (age on 2020-09-01):
    S1 PA  female  高级教师    本科      1996-09-02  23  -> 25岁以下
    S2 PA  male    一级教师    专科      1995-09-01  25  -> 25-29岁 (birthday on the census date)
    S3 JA  female  二级教师    研究生    1990-09-02  29  -> 25-29岁
    S4 TP  male    未定职级    高中（中专）1960-09-01  60  -> 60岁及以上
    S5 PB  female  正高级教师  本科      1961-09-02  58  -> 55-59岁
    S6 PB  male    not active: not counted
    S7 KA  female  三级教师    高中以下  1980-03-01  40  -> 40-44岁
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.testing import make_division, make_school, make_staff, make_user

CENSUS = dt.date(2020, 9, 1)
_student_numbers = itertools.count(1)


@dataclass
class StatsCounty:
    county: object = None
    township_a: object = None
    township_b: object = None
    year: object = None
    year_2019: object = None
    schools: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    staff: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


def add_pupils(school_class, male: int, female: int, *, status: str = "enrolled", is_current: bool = True) -> None:
    """`male` + `female` pupils in `school_class` with the given enrolment status, in two bulk inserts."""
    from emis.students.choices import GRADE_LEVEL
    from emis.students.models import Enrollment, Student

    genders = [GENDER_MALE] * male + [GENDER_FEMALE] * female
    students = Student.objects.bulk_create(
        [
            Student(
                name="学生",
                gender=gender,
                birth_date=dt.date(2012, 1, 1),
                student_no=f"L{next(_student_numbers):018d}",
                current_school=school_class.school,
                county_code="421224",
            )
            for gender in genders
        ]
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                student=student,
                school=school_class.school,
                school_year=school_class.school_year,
                school_class=school_class,
                grade=school_class.grade,
                level=GRADE_LEVEL[school_class.grade],
                status=status,
                status_date=school_class.school_year.census_date,
                is_current=is_current,
            )
            for student in students
        ]
    )


def add_class(school, year, grade: str, name: str, male: int = 0, female: int = 0):
    from emis.students.models import SchoolClass

    school_class = SchoolClass.objects.create(school=school, school_year=year, grade=grade, name=name)
    if male or female:
        add_pupils(school_class, male, female)
    return school_class


def build_stats_county() -> StatsCounty:
    from emis.orgs.models import SchoolYear

    c = StatsCounty()
    with audit_context():
        province = make_division("42", "湖北省", "province")
        city = make_division("4212", "咸宁市", "city", province)
        c.county = make_division("421224", "通山县", "county", city)
        c.township_a = make_division("421224100", "通羊镇", "township", c.county)
        c.township_b = make_division("421224101", "南林桥镇", "township", c.county)
        c.year_2019 = SchoolYear.objects.create(start_year=2019, census_date=dt.date(2019, 9, 1))
        c.year = SchoolYear.objects.create(start_year=2020, census_date=CENSUS, is_current=True)

        a, b = c.township_a, c.township_b
        opened = dt.date(2000, 9, 1)
        s = c.schools
        s["PA"] = make_school("2142000101", "通羊小学", "primary", a, urban_rural="urban", opened_on=opened)
        s["TP"] = make_school(
            "2142000102", "畈上教学点", "teaching_point", a, parent=s["PA"], urban_rural="rural", opened_on=opened
        )
        s["KA"] = make_school(
            "1142000103", "阳光幼儿园", "kindergarten", a, ownership="private", urban_rural="town", opened_on=opened
        )
        s["JA"] = make_school("3142000104", "通羊初中", "junior", a, urban_rural="town", opened_on=opened)
        s["PB"] = make_school("2142000201", "南林桥小学", "primary", b, urban_rural="rural", opened_on=opened)
        s["KC"] = make_school(
            "1142000202",
            "石门幼儿园",
            "kindergarten",
            b,
            urban_rural="rural",
            opened_on=opened,
            closed_on=dt.date(2020, 7, 1),
        )
        s["KD"] = make_school(
            "1142000203",
            "新建幼儿园",
            "kindergarten",
            b,
            ownership="private",
            urban_rural="rural",
            opened_on=dt.date(2021, 3, 1),
        )

        y = c.year
        k = c.classes
        k["PA-P1-1"] = add_class(s["PA"], y, "P1", "1班", 15, 10)
        pa_1 = k["PA-P1-1"]
        add_pupils(pa_1, 0, 1, status="suspended")
        add_pupils(pa_1, 1, 0, status="dropped_out")
        add_pupils(pa_1, 1, 0, is_current=False)
        k["PA-P1-2"] = add_class(s["PA"], y, "P1", "2班", 13, 13)
        k["PA-P2-1"] = add_class(s["PA"], y, "P2", "1班", 30, 26)
        k["TP-P1-1"] = add_class(s["TP"], y, "P1", "1班", 3, 2)
        k["KA-K1-1"] = add_class(s["KA"], y, "K1", "1班", 10, 10)
        k["JA-J1-1"] = add_class(s["JA"], y, "J1", "1班", 25, 25)
        add_pupils(k["JA-J1-1"], 0, 5, status="transferred_in")
        k["JA-J1-2"] = add_class(s["JA"], y, "J1", "2班", 33, 33)
        k["PB-P3-1"] = add_class(s["PB"], y, "P3", "1班", 35, 30)
        k["PB-P4-1"] = add_class(s["PB"], y, "P4", "1班")
        add_pupils(k["PB-P4-1"], 2, 0, status="suspended")
        k["PA-2019"] = add_class(s["PA"], c.year_2019, "P1", "1班", 30, 0)

        for key, school, gender, title, qualification, birth, active in (
            ("S1", "PA", GENDER_FEMALE, "senior", "bachelor", dt.date(1996, 9, 2), True),
            ("S2", "PA", GENDER_MALE, "first", "associate", dt.date(1995, 9, 1), True),
            ("S3", "JA", GENDER_FEMALE, "second", "postgraduate", dt.date(1990, 9, 2), True),
            ("S4", "TP", GENDER_MALE, "none", "secondary", dt.date(1960, 9, 1), True),
            ("S5", "PB", GENDER_FEMALE, "senior_professor", "bachelor", dt.date(1961, 9, 2), True),
            ("S6", "PB", GENDER_MALE, "first", "bachelor", dt.date(1985, 1, 1), False),
            ("S7", "KA", GENDER_FEMALE, "third", "below", dt.date(1980, 3, 1), True),
        ):
            c.staff[key] = make_staff(
                key, s[school], birth=birth, gender=gender, title=title, qualification=qualification, is_active=active
            )

        admin = make_user("stats_admin", Role.ADMIN)
        admin.is_superuser = True
        admin.save()
        c.users = {
            "admin": admin,
            "leader": make_user("stats_leader", Role.LEADER, divisions=[c.county]),
            "township": make_user("stats_township", Role.TOWNSHIP, divisions=[a]),
            "school": make_user("stats_school", Role.SCHOOL, schools=[s["PB"]]),
        }
    return c
