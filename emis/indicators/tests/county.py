"""A small hand-made county for the indicator tests; every expected value in the tests is computed by hand from
what is written here. Ages are full years (周岁) on the census date 2020-09-01.

    通山县 421224
      A 通羊镇 421224100
        KA  public kindergarten            urban  学位 100
        P1  public primary                 urban  学位 120
        TP  teaching point of P1           rural  学位  20   (not a school; counts with P1 where said)
        S12 public twelve-year school      urban  学位 300   (初中 + 高中)
        V1  public vocational school       urban  学位 100
        PP  private primary                urban  学位   0   (capacity unknown)
      B 南林桥镇 421224101
        KB  private inclusive kindergarten rural  学位  50
        KC  private kindergarten           rural  学位  40
        KD  private kindergarten           rural  merged into KC on 2020-07-01 (before the census: gone)
        P2  public primary                 rural  学位  60   merged into N9 on 2021-01-15 (during the year: counted)
        N9  public nine-year school        town   学位 200

Pupils of 2020 on the roll (class: on the roll + others):
    KA 小班   3  aged 2, 3, 4                     KB 中班  2  aged 5, 6          KC 大班  1 aged 5 + 1 suspended (5)
    P1 一年级 55 aged 6 (first 3 on the register) + 1 suspended (6)     P1 三年级  only a suspended pupil (8)
    P1 六年级 2  aged 11 and 12, plus a closed row of the pupil who moved to N9
    TP 二年级 3  aged 7 + 1 dropped out (7)        P2 三年级 4  aged 8
    N9 六年级 2  aged 11 (one moved in from P1: 转入)   N9 七年级 3  aged 11 (early), 12, 13
    S12 七年级 56 aged 12 (first 2 on the register)  S12 八年级 1 (c7, repeated a year)
    S12 九年级 3  c1, c2, j1 (14) + j2 suspended (14)
    S12 高一  4  aged 15, 16, 16, 18               V1 中职一年级 3 aged 15, 16, 17
    PP 一年级 2  aged 6

The 2012 cohort (一年级 at P1 in 2012, 九年级 in 2020):
    c1, c2 in 九年级 2020 (c2 moved N9 -> S12 in 2018: a closed row and a 转入 row)      -> retained
    c3 辍学 2016 (五年级), no 2020 row                                                    -> stays in the denominator
    c4 转出 2015 (四年级), c5 死亡 2017 (六年级)                                          -> left
    c6 一年级 in 2011 and again in 2012: a repeater of the 2011 cohort                    -> not in the cohort
    c7 八年级 in 2020 (repeated a year)                                                   -> not retained
    j1 转入 from outside the county 2016 (五年级), 九年级 2020; j2 转入 2019 (八年级), 休学 in 2020

Population register 2020 (township of 户籍):
    A: the 2-, 3- and 4-year-olds of KA; a 4-year-old not in school; P1's first three 6-year-olds; P1's suspended
       6-year-old; TP's dropped-out 7-year-old; an 8-year-old not in school; P1's 12-year-old; S12's first two
       12-year-olds; c1 (14); j2 (14); S12's 15-, 16-, 16- and 18-year-olds; two 17-year-olds not in school
    B: KB's 5- and 6-year-olds; KC's 5-year-old; N9's 11-year-olds (the one born there and the early 七年级 pupil);
       V1's 15-, 16- and 17-year-olds

Staff in post on 2020-09-01 (recruitment or transfer postings covering the date):
    P1: s1, s2, s3, x (x also has an exchange posting at N9: counted at P1); TP: tp1 (counts with P1)
    P2: p2s1 (p2old's posting ended 2019-07-01: not counted); N9: n1, n2, t1 (transferred from P2 in 2018)
    S12: 6; V1: 2; KA: 1; PP: 1
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.testing import make_division, make_population, make_school, make_staff, make_student, make_user

CENSUS = dt.date(2020, 9, 1)


def born(age: int, year: int = 2020) -> dt.date:
    """A birth date giving `age` full years on 1 September of `year`."""
    return dt.date(year - age, 3, 1)


@dataclass
class IndicatorCounty:
    county: object = None
    township_a: object = None
    township_b: object = None
    years: dict = field(default_factory=dict)  # start year -> SchoolYear
    schools: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    students: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    @property
    def year(self):
        return self.years[2020]


def build_indicator_county() -> IndicatorCounty:
    from emis.orgs.models import SchoolEvent, SchoolYear
    from emis.staff.models import Posting
    from emis.students.models import Enrollment, SchoolClass

    c = IndicatorCounty()
    with audit_context():
        province = make_division("42", "湖北省", "province")
        city = make_division("4212", "咸宁市", "city", province)
        c.county = make_division("421224", "通山县", "county", city)
        a = c.township_a = make_division("421224100", "通羊镇", "township", c.county)
        b = c.township_b = make_division("421224101", "南林桥镇", "township", c.county)
        for start in (2011, 2012, 2015, 2016, 2017, 2018, 2019, 2020, 2021):
            c.years[start] = SchoolYear.objects.create(
                start_year=start, census_date=dt.date(start, 9, 1), is_current=start == 2020
            )

        opened = dt.date(2000, 9, 1)

        def school(key, code, category, township, urban_rural, capacity, **extra):
            c.schools[key] = make_school(
                code,
                f"{key}学校",
                category,
                township,
                urban_rural=urban_rural,
                capacity=capacity,
                opened_on=opened,
                **extra,
            )
            return c.schools[key]

        school("KA", "1142000001", "kindergarten", a, "urban", 100)
        school("P1", "2142000001", "primary", a, "urban", 120)
        school("TP", "2142000002", "teaching_point", a, "rural", 20, parent=c.schools["P1"])
        school("S12", "3442000001", "twelve_year", a, "urban", 300)
        school("V1", "3642000001", "vocational", a, "urban", 100)
        school("PP", "2142000003", "primary", a, "urban", 0, ownership="private")
        school("KB", "1142000002", "kindergarten", b, "rural", 50, ownership="private", inclusive=True)
        school("KC", "1142000003", "kindergarten", b, "rural", 40, ownership="private")
        school("KD", "1142000004", "kindergarten", b, "rural", 40, ownership="private", closed_on=dt.date(2020, 7, 1))
        school("P2", "2142000004", "primary", b, "rural", 60, closed_on=dt.date(2021, 1, 15))
        school("N9", "3142000001", "nine_year", b, "town", 200)
        S = c.schools
        SchoolEvent.objects.create(school=S["KD"], kind="merged", date=dt.date(2020, 7, 1), other_school=S["KC"])
        SchoolEvent.objects.create(school=S["P2"], kind="merged", date=dt.date(2021, 1, 15), other_school=S["N9"])

        def klass(key, grade, year=2020):
            k = SchoolClass.objects.create(school=S[key], school_year=c.years[year], grade=grade, name="1班")
            c.classes[f"{key}-{grade}"] = k
            return k

        counter = iter(range(1, 10_000))

        def pupil(key, grade, age, status="enrolled", *, name=None, gender=GENDER_MALE):
            """A 2020 pupil with a current enrolment in the school's class of that grade."""
            school_class = c.classes.get(f"{key}-{grade}") or klass(key, grade)
            student = make_student(name or f"学生{next(counter)}", S[key], birth=born(age), gender=gender)
            Enrollment.objects.create(
                student=student,
                school=S[key],
                school_year=c.year,
                school_class=school_class,
                grade=grade,
                status=status,
                status_date=CENSUS,
            )
            if name:
                c.students[name] = student
            return student

        def row(student, key, year, grade, status="enrolled", *, current=True):
            """An enrolment of another year (no class), or a closed row."""
            return Enrollment.objects.create(
                student=student,
                school=S[key],
                school_year=c.years[year],
                grade=grade,
                status=status,
                status_date=dt.date(year, 9, 1),
                is_current=current,
            )

        # Kindergartens.
        ka2, ka3, ka4 = (pupil("KA", "K1", age, name=f"KA{age}") for age in (2, 3, 4))
        kb5, kb6 = pupil("KB", "K2", 5, name="KB5"), pupil("KB", "K2", 6, name="KB6")
        kc5 = pupil("KC", "K3", 5, name="KC5")
        pupil("KC", "K3", 5, "suspended")
        # Primary.
        p1_six = [pupil("P1", "P1", 6, gender=GENDER_FEMALE if i % 2 else GENDER_MALE) for i in range(55)]
        p1_suspended = pupil("P1", "P1", 6, "suspended", name="P1休学")
        pupil("P1", "P3", 8, "suspended")
        p1_eleven, p1_twelve = pupil("P1", "P6", 11), pupil("P1", "P6", 12, name="P1十二岁")
        tp_seven = [pupil("TP", "P2", 7) for _ in range(3)]
        tp_dropout = pupil("TP", "P2", 7, "dropped_out")
        for _ in range(4):
            pupil("P2", "P3", 8)
        n9_eleven = pupil("N9", "P6", 11, name="N9十一岁")
        # A pupil who moved from P1 to N9 during the year: a closed row at P1, a current 转入 row at N9.
        moved = make_student("转学生", S["N9"], birth=born(11))
        for key, status, current in (("P1", "enrolled", False), ("N9", "transferred_in", True)):
            Enrollment.objects.create(
                student=moved,
                school=S[key],
                school_year=c.year,
                school_class=c.classes[f"{key}-P6"],
                grade="P6",
                status=status,
                status_date=CENSUS,
                is_current=current,
            )
        n9_early = pupil("N9", "J1", 11, name="N9提前")
        pupil("N9", "J1", 12)
        pupil("N9", "J1", 13)
        s12_twelve = [pupil("S12", "J1", 12) for _ in range(56)]
        pp_six = [pupil("PP", "P1", 6) for _ in range(2)]
        del p1_eleven, tp_seven, pp_six
        # Upper secondary.
        s15, s16a, s16b, s18 = (pupil("S12", "S1", age) for age in (15, 16, 16, 18))
        v15, v16, v17 = (pupil("V1", "V1", age) for age in (15, 16, 17))

        # The 2012 cohort.
        def cohort_student(name):
            student = make_student(name, S["S12"], birth=born(14))
            c.students[name] = student
            return student

        c1, c2, c3, c4, c5, c6, c7, j1, j2 = (
            cohort_student(name) for name in ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "j1", "j2")
        )
        for student in (c1, c2, c3, c4, c5, c6, c7):
            row(student, "P1", 2012, "P1")
        row(c6, "P1", 2011, "P1")
        row(c2, "N9", 2018, "J1", current=False)
        row(c2, "S12", 2018, "J1", "transferred_in")
        row(c3, "P1", 2016, "P5", "dropped_out")
        row(c4, "P1", 2015, "P4", "transferred_out")
        row(c5, "P1", 2017, "P6", "deceased")
        row(j1, "P1", 2016, "P5", "transferred_in")
        row(j2, "S12", 2019, "J2", "transferred_in")
        klass("S12", "J2")
        klass("S12", "J3")
        for student, grade, status in (
            (c7, "J2", "enrolled"),
            (c1, "J3", "enrolled"),
            (c2, "J3", "enrolled"),
            (j1, "J3", "enrolled"),
            (j2, "J3", "suspended"),
        ):
            Enrollment.objects.create(
                student=student,
                school=S["S12"],
                school_year=c.year,
                school_class=c.classes[f"S12-{grade}"],
                grade=grade,
                status=status,
                status_date=CENSUS,
            )

        # Population register 2020.
        def person(township, student=None, age=None, name="人"):
            birth = student.birth_date if student else born(age)
            make_population(
                name,
                c.year,
                township,
                birth=birth,
                gender=student.gender if student else GENDER_MALE,
                id_number=student.id_number if student else None,
            )

        for student in (ka2, ka3, ka4, *p1_six[:3], p1_suspended, tp_dropout, p1_twelve, *s12_twelve[:2], c1, j2):
            person(a, student)
        for student in (s15, s16a, s16b, s18):
            person(a, student)
        for age in (4, 8, 17, 17):
            person(a, age=age)
        for student in (kb5, kb6, kc5, n9_eleven, n9_early, v15, v16, v17):
            person(b, student)

        # Staff and postings.
        def staff(name, key, *postings):
            member = make_staff(name, S[key], birth=dt.date(1985, 5, 5))
            for kind, where, start, end in postings or (("recruitment", key, dt.date(2010, 9, 1), None),):
                Posting.objects.create(staff=member, school=S[where], kind=kind, start_date=start, end_date=end)
            return member

        for name in ("s1", "s2", "s3"):
            staff(name, "P1")
        staff(
            "x",
            "P1",
            ("recruitment", "P1", dt.date(2010, 9, 1), None),
            ("exchange", "N9", dt.date(2020, 8, 20), dt.date(2021, 7, 1)),
        )
        staff("tp1", "TP")
        staff("p2s1", "P2")
        staff("p2old", "P2", ("recruitment", "P2", dt.date(2005, 9, 1), dt.date(2019, 7, 1)))
        staff("n1", "N9")
        staff("n2", "N9")
        staff(
            "t1",
            "N9",
            ("recruitment", "P2", dt.date(2005, 9, 1), dt.date(2018, 8, 31)),
            ("transfer", "N9", dt.date(2018, 9, 1), None),
        )
        for i in range(6):
            staff(f"s12_{i}", "S12")
        staff("v1", "V1")
        staff("v2", "V1")
        staff("ka1", "KA")
        staff("pp1", "PP")

        c.users = {
            "admin": make_user("ind_admin", Role.ADMIN),
            "leader": make_user("ind_leader", Role.LEADER, divisions=[c.county]),
            "township_a": make_user("ind_township_a", Role.TOWNSHIP, divisions=[a]),
            "school_p1": make_user("ind_school_p1", Role.SCHOOL, schools=[S["P1"]]),
        }
    return c
