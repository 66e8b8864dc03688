"""The aggregate selectors (orgs, students, population) on a small hand-made county, counted by hand.

    通山县 421224
      A 通羊镇 421224100: KA public kindergarten; P1 primary school with teaching point TP
      B 南林桥镇 421224101: KB private inclusive kindergarten (opened 2019-03-01);
                            KC private kindergarten (closed 2020-07-01); N9 nine-year school

Classes in 2020 (pupils on the roll in brackets):
    P1 一年级1班  56 enrolled (large) + 1 suspended
    P1 三年级1班  only a suspended pupil (not a teaching class: left out of class counts)
    TP 二年级1班  1 enrolled + 1 dropped out
    N9 七年级1班  2 enrolled + 1 transferred in
    N9 一年级1班  1 transferred in from P1 (the closed row at P1 is not counted)
    KA 中班1班    3 enrolled
"""

import datetime as dt

from django.test import TestCase

from emis.accounts.models import User
from emis.common.idnumbers import make_id_number
from emis.core.access import Role
from emis.orgs import selectors as orgs_selectors
from emis.orgs.models import Division, School, SchoolEvent, SchoolYear
from emis.population import selectors as population_selectors
from emis.population.models import PopulationRecord
from emis.students import selectors as students_selectors
from emis.students.choices import EnrollmentStatus, Level
from emis.students.models import Enrollment, SchoolClass, Student

CENSUS = dt.date(2020, 9, 1)
_seq = iter(range(1, 999, 2))


def _id(birth: dt.date, gender: str = "1") -> str:
    return make_id_number("421224", birth, next(_seq), gender)


class AggregateSelectorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        province = Division.objects.create(code="42", name="湖北省", level="province")
        city = Division.objects.create(code="4212", name="咸宁市", level="city", parent=province)
        county = Division.objects.create(code="421224", name="通山县", level="county", parent=city)
        cls.a = Division.objects.create(code="421224100", name="通羊镇", level="township", parent=county)
        cls.b = Division.objects.create(code="421224101", name="南林桥镇", level="township", parent=county)
        cls.year = SchoolYear.objects.create(start_year=2020, census_date=CENSUS, is_current=True)
        SchoolYear.objects.create(start_year=2019, census_date=dt.date(2019, 9, 1))

        def school(code, name, category, township, **extra):
            extra.setdefault("opened_on", dt.date(2000, 9, 1))
            return School.objects.create(
                code=code, name=name, category=category, township=township, urban_rural="town", **extra
            )

        cls.ka = school("1142000001", "A幼儿园", "kindergarten", cls.a)
        cls.kb = school(
            "1142000002",
            "B幼儿园",
            "kindergarten",
            cls.b,
            ownership="private",
            inclusive=True,
            opened_on=dt.date(2019, 3, 1),
        )
        cls.kc = school(
            "1142000003", "C幼儿园", "kindergarten", cls.b, ownership="private", closed_on=dt.date(2020, 7, 1)
        )
        cls.p1 = school("2142000001", "A小学", "primary", cls.a)
        cls.tp = school("2142000002", "A教学点", "teaching_point", cls.a, parent=cls.p1, closed_on=dt.date(2021, 9, 1))
        cls.n9 = school("3142000001", "B学校", "nine_year", cls.b)
        SchoolEvent.objects.create(school=cls.kb, kind="opened", date=dt.date(2019, 3, 1))
        SchoolEvent.objects.create(school=cls.kc, kind="closed", date=dt.date(2020, 7, 1))
        SchoolEvent.objects.create(school=cls.tp, kind="merged", date=dt.date(2021, 9, 1), other_school=cls.p1)

        def klass(school, grade):
            return SchoolClass.objects.create(school=school, school_year=cls.year, grade=grade, name="1班")

        p1_class, p3_class = klass(cls.p1, "P1"), klass(cls.p1, "P3")
        tp_class, n9_class, ka_class = klass(cls.tp, "P2"), klass(cls.n9, "J1"), klass(cls.ka, "K2")

        def pupil(school_class, birth, gender="1", status=EnrollmentStatus.ENROLLED, is_current=True, student=None):
            if student is None:
                student = Student.objects.create(
                    name="学生",
                    gender=gender,
                    birth_date=birth,
                    id_number=_id(birth, gender),
                    current_school=school_class.school,
                    county_code="421224",
                )
            Enrollment.objects.create(
                student=student,
                school=school_class.school,
                school_year=cls.year,
                school_class=school_class,
                grade=school_class.grade,
                status=status,
                status_date=CENSUS,
                is_current=is_current,
            )
            return student

        born_6 = dt.date(2014, 3, 1)
        # P1 一年级: 56 enrolled, 30 boys and 26 girls, and one suspended girl.
        cls.first_pupil = pupil(p1_class, born_6)
        for i in range(55):
            pupil(p1_class, born_6, "1" if i < 29 else "2")
        cls.suspended = pupil(p1_class, born_6, "2", EnrollmentStatus.SUSPENDED)
        pupil(p3_class, dt.date(2012, 3, 1), "1", EnrollmentStatus.SUSPENDED)
        pupil(tp_class, dt.date(2013, 3, 1), "2")
        pupil(tp_class, dt.date(2013, 3, 1), "1", EnrollmentStatus.DROPPED_OUT)
        pupil(n9_class, dt.date(2008, 3, 1), "1")
        pupil(n9_class, dt.date(2008, 3, 1), "2")
        # A pupil who moved from P1 to N9's first grade: the closed row at P1 is not counted, the 转入 row is.
        moved = pupil(p1_class, born_6, "1", is_current=False)
        moved_class = SchoolClass.objects.create(school=cls.n9, school_year=cls.year, grade="P1", name="1班")
        pupil(moved_class, born_6, status=EnrollmentStatus.TRANSFERRED_IN, student=moved)
        pupil(n9_class, dt.date(2008, 3, 1), "2", EnrollmentStatus.TRANSFERRED_IN)
        for _ in range(3):
            pupil(ka_class, dt.date(2016, 3, 1), "2")

        # Population register 2020: boundary birthdays, two townships.
        def person(township, birth, id_number=None):
            return PopulationRecord.objects.create(
                school_year=cls.year,
                name="人",
                gender="1",
                birth_date=birth,
                id_number=id_number or _id(birth),
                hukou_township=township,
            )

        person(cls.a, dt.date(2017, 9, 1))  # 3 on the census day (birthday)
        person(cls.a, dt.date(2017, 9, 2))  # 2: too young
        person(cls.b, dt.date(2014, 9, 2))  # 5
        person(cls.a, born_6, cls.first_pupil.id_number)  # 6, on the roll
        person(cls.a, born_6, cls.suspended.id_number)  # 6, suspended: not on the roll
        person(cls.a, dt.date(2014, 9, 1))  # 6 on the census day, not in school
        person(cls.b, dt.date(2013, 3, 1))  # 7, not in school
        person(cls.b, dt.date(2005, 9, 1))  # 15
        person(cls.b, dt.date(2002, 9, 2))  # 17
        person(cls.b, dt.date(2002, 9, 1))  # 18: too old

        cls.admin = User.objects.create_user("admin_t", password="x" * 10, role=Role.ADMIN, is_superuser=True)
        cls.township_a = User.objects.create_user("township_t", password="x" * 10, role=Role.TOWNSHIP)
        cls.township_a.divisions.set([cls.a])
        cls.school_p1 = User.objects.create_user("school_t", password="x" * 10, role=Role.SCHOOL)
        cls.school_p1.schools.set([cls.p1])

    #
    # orgs
    #

    def test_kindergarten_counts_follow_opening_and_closing_dates(self):
        self.assertEqual(
            orgs_selectors.kindergarten_counts(self.admin, on_date=CENSUS),
            {"all": 2, "public": 1, "private": 1, "private_inclusive": 1, "public_or_inclusive": 2},
        )
        # On 2019-09-01 KC still existed and KB had opened (March 2019).
        self.assertEqual(orgs_selectors.kindergarten_counts(self.admin, on_date=dt.date(2019, 9, 1))["all"], 3)
        # Before KB opened, and on KC's closing day (closed_on is the first day it no longer exists).
        self.assertEqual(orgs_selectors.kindergarten_counts(self.admin, on_date=dt.date(2019, 2, 28))["all"], 2)
        self.assertEqual(orgs_selectors.kindergarten_counts(self.admin, on_date=dt.date(2020, 7, 1))["all"], 2)

    def test_compulsory_school_counts(self):
        self.assertEqual(
            orgs_selectors.compulsory_school_counts(self.admin, on_date=CENSUS),
            {"primary": 1, "teaching_points": 1, "junior": 1, "twelve_year": 0},
        )
        after = orgs_selectors.compulsory_school_counts(self.admin, on_date=dt.date(2021, 9, 1))
        self.assertEqual(after["teaching_points"], 0)

    def test_school_counts_grouped(self):
        rows = orgs_selectors.school_counts(self.admin, on_date=CENSUS)
        self.assertEqual(
            rows,
            [
                {"category": "kindergarten", "ownership": "private", "inclusive": True, "schools": 1},
                {"category": "kindergarten", "ownership": "public", "inclusive": False, "schools": 1},
                {"category": "nine_year", "ownership": "public", "inclusive": False, "schools": 1},
                {"category": "primary", "ownership": "public", "inclusive": False, "schools": 1},
                {"category": "teaching_point", "ownership": "public", "inclusive": False, "schools": 1},
            ],
        )
        by_township = orgs_selectors.school_counts(
            self.admin, on_date=CENSUS, group_by=("township_code",), categories=["primary", "nine_year"]
        )
        self.assertEqual(
            by_township, [{"township_code": "421224100", "schools": 1}, {"township_code": "421224101", "schools": 1}]
        )
        self.assertEqual(orgs_selectors.school_total(self.admin, on_date=CENSUS, ownership="private"), 1)
        with self.assertRaises(ValueError):
            orgs_selectors.school_counts(self.admin, on_date=CENSUS, group_by=("name",))

    def test_school_counts_stay_in_scope(self):
        rows = orgs_selectors.school_counts(self.township_a, on_date=CENSUS, group_by=("category",))
        self.assertEqual(
            rows,
            [
                {"category": "kindergarten", "schools": 1},
                {"category": "primary", "schools": 1},
                {"category": "teaching_point", "schools": 1},
            ],
        )
        self.assertEqual(orgs_selectors.school_total(self.school_p1, on_date=CENSUS), 2)  # P1 and its teaching point

    def test_school_event_counts(self):
        rows = orgs_selectors.school_event_counts(
            self.admin, date_from=dt.date(2020, 1, 1), date_to=dt.date(2021, 12, 31)
        )
        self.assertEqual(
            rows,
            [
                {"kind": "closed", "category": "kindergarten", "events": 1},
                {"kind": "merged", "category": "teaching_point", "events": 1},
            ],
        )

    #
    # students
    #

    def test_on_roll_counts_by_level_and_gender(self):
        rows = students_selectors.on_roll_counts(self.admin, school_year=2020)
        self.assertEqual(
            rows,
            [
                {"level": "junior", "gender": "1", "pupils": 1},
                {"level": "junior", "gender": "2", "pupils": 2},
                {"level": "preschool", "gender": "2", "pupils": 3},
                {"level": "primary", "gender": "1", "pupils": 31},  # 30 at P1 + the transferred pupil
                {"level": "primary", "gender": "2", "pupils": 27},  # 26 at P1 + 1 at the teaching point
            ],
        )
        self.assertEqual(
            students_selectors.on_roll_by_level(self.admin, school_year=self.year),
            {"junior": 3, "preschool": 3, "primary": 58},
        )
        self.assertEqual(
            students_selectors.on_roll_total(self.admin, school_year=2020, levels=[Level.PRIMARY, Level.JUNIOR]), 61
        )
        self.assertEqual(students_selectors.on_roll_total(self.admin, school_year=2019), 0)

    def test_on_roll_counts_stay_in_scope(self):
        # The school user sees P1 and its teaching point: 56 + 1.
        self.assertEqual(students_selectors.on_roll_by_level(self.school_p1, school_year=2020), {"primary": 57})
        rows = students_selectors.on_roll_counts(self.township_a, school_year=2020, group_by=("school_category",))
        self.assertEqual(
            rows,
            [
                {"school_category": "kindergarten", "pupils": 3},
                {"school_category": "primary", "pupils": 56},
                {"school_category": "teaching_point", "pupils": 1},
            ],
        )

    def test_class_sizes_count_only_pupils_on_the_roll(self):
        compulsory = [Level.PRIMARY, Level.JUNIOR]
        # P1 (56), TP (1), N9 J1 (3), N9 P1 (1); the class with only a suspended pupil is left out.
        self.assertEqual(
            students_selectors.large_class_counts(self.admin, school_year=2020, levels=compulsory),
            {"classes": 4, "large": 1},
        )
        self.assertEqual(
            students_selectors.large_class_counts(self.admin, school_year=2020, levels=compulsory, min_size=57),
            {"classes": 4, "large": 0},
        )
        bands = students_selectors.class_size_bands(self.admin, school_year=2020, levels=compulsory)
        self.assertEqual(bands["classes"], 4)
        self.assertEqual({b["label"]: b["classes"] for b in bands["bands"] if b["classes"]}, {"≤25": 3, "56-60": 1})
        self.assertEqual(students_selectors.class_size_bands(self.admin, school_year=2020, grades=["K2"])["classes"], 1)
        self.assertEqual(
            students_selectors.large_class_counts(self.township_a, school_year=2020, levels=compulsory),
            {"classes": 2, "large": 1},
        )

    #
    # population
    #

    def test_population_by_age_uses_full_years_on_the_census_date(self):
        self.assertEqual(
            population_selectors.population_by_age(self.admin, school_year=2020, min_age=2, max_age=18),
            {
                2: 1,
                3: 1,
                4: 0,
                5: 1,
                6: 3,
                7: 1,
                8: 0,
                9: 0,
                10: 0,
                11: 0,
                12: 0,
                13: 0,
                14: 0,
                15: 1,
                16: 0,
                17: 1,
                18: 1,
            },
        )
        self.assertEqual(population_selectors.population_total(self.admin, school_year=2020, min_age=3, max_age=5), 2)
        self.assertEqual(
            population_selectors.population_total(self.admin, school_year=self.year, min_age=15, max_age=17), 2
        )

    def test_population_on_roll_matches_id_numbers_of_pupils_on_the_roll(self):
        # Of the three 6-year-olds one is a pupil on the roll; the suspended pupil does not count.
        on_roll = population_selectors.population_on_roll_by_age(self.admin, school_year=2020, min_age=6, max_age=7)
        self.assertEqual(on_roll, {6: 1, 7: 0})
        self.assertEqual(
            population_selectors.population_on_roll_by_age(
                self.admin, school_year=2020, min_age=6, max_age=6, levels=[Level.JUNIOR]
            ),
            {6: 0},
        )

    def test_population_counts_stay_in_scope(self):
        self.assertEqual(
            population_selectors.population_total(self.township_a, school_year=2020, min_age=0, max_age=99), 5
        )
        rows = population_selectors.population_counts(self.admin, school_year=2020, min_age=3, max_age=17)
        self.assertEqual(
            rows, [{"township_code": "421224100", "people": 4}, {"township_code": "421224101", "people": 4}]
        )

    def test_born_by_handles_29_february(self):
        self.assertEqual(population_selectors.born_by(dt.date(2024, 2, 29), 1), dt.date(2023, 2, 28))
        self.assertEqual(population_selectors.born_by(dt.date(2020, 9, 1), 3), dt.date(2017, 9, 1))
