"""The 通山县 (421224) demo county as a plan: schools, classes, pupils, staff and population registers.

Everything is synthetic and drawn from one seeded `random.Random`, so the same seed gives the same
county, row for row. The aggregates are fixed to the bureau's published figures
(shared/reference/tongshan-published-figures.md, restated in `FIGURES`); `build_plan()` checks them
before anything is written. The plan is pure Python: `emis.demo.loader` writes it with bulk_create.

What the plan holds, and what it leaves out, is described in emis/demo/README.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE, make_id_number
from emis.common.schoolyear import age_on
from emis.orgs.choices import DivisionLevel, Ownership, SchoolCategory, SchoolEventKind, UrbanRural
from emis.staff.choices import Establishment, PostingKind, Qualification, Title
from emis.students.choices import GRADE_LEVEL, GRADE_TYPICAL_AGE, EnrollmentStatus, Level

from . import names as wordlists

SEED = 421224
COUNTY_CODE = "421224"
CURRENT_YEAR = 2020
YEARS = (2015, 2020, 2021)
CENSUS = {year: dt.date(year, 9, 1) for year in YEARS}
# All 112 teaching points end on this day (89 merged, 23 upgraded to primary schools).
TEACHING_POINTS_END = dt.date(2021, 9, 1)

# The published figures the plan reproduces. Rates are checked as numerator / denominator rounded to
# two decimals (shared/reference/tongshan-published-figures.md).
FIGURES = {
    "kindergartens_2015": 78,
    "kindergartens_public_2015": 21,
    "kindergartens_private_2015": 57,
    "kindergartens_2020": 96,
    "kindergartens_public_2020": 29,
    "kindergartens_private_2020": 67,
    "kindergartens_private_inclusive_2020": 41,
    "primary_schools_2020": 73,
    "teaching_points_2020": 112,
    "junior_schools_2020": 28,
    "twelve_year_schools_2020": 2,
    "teaching_points_merged_2021": 89,
    "teaching_points_upgraded_2021": 23,
    "children_2020": 16266,
    "primary_pupils_2020": 44684,
    "junior_students_2020": 19709,
    "senior_students_2020": 5168,
    "vocational_students_2020": 2383,
    "population_3_5_2020": 17865,
    "population_15_17_2020": 7705,
    "large_class_percent_2020": Decimal("3.65"),
    # 2015: children chosen so that children / population 3-5 rounds to the published 85.00%.
    "children_2015": 14163,
    "population_3_5_2015": 16662,
    "senior_students_2015": 3542,
    "vocational_students_2015": 1274,
    "population_15_17_2015": 5243,
    # Teachers recruited 2016-2020 into public schools, by the report's three groups.
    "recruited_rural_compulsory_2016_2020": 1199,
    "recruited_kindergarten_2016_2020": 60,
    "recruited_senior_vocational_special_2016_2020": 137,
}

# Where the county's children at school outside it study (with their parents at work there): city, school stem.
OUTSIDE_SCHOOLS = (
    ("湖北省武汉市", "育才"),
    ("湖北省武汉市", "光谷第一"),
    ("湖北省咸宁市", "温泉"),
    ("广东省广州市", "白云实验"),
    ("广东省东莞市", "长安"),
    ("广东省深圳市", "宝安"),
    ("浙江省杭州市", "萧山"),
    ("江苏省苏州市", "工业园区"),
)
OTHER_HUBEI_COUNTIES = ("421202", "421221", "421222", "421223", "421281", "420111", "420106", "420222")

PRIMARY_GRADES = ("P1", "P2", "P3", "P4", "P5", "P6")
LEVEL_GRADES = {
    Level.PRESCHOOL: ("K1", "K2", "K3"),
    Level.PRIMARY: PRIMARY_GRADES,
    Level.JUNIOR: ("J1", "J2", "J3"),
    Level.SENIOR: ("S1", "S2", "S3"),
    Level.VOCATIONAL: ("V1", "V2", "V3"),
}
LEVEL_GRADE_WEIGHTS = {
    Level.PRESCHOOL: (0.31, 0.33, 0.36),
    Level.PRIMARY: (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    Level.JUNIOR: (1.03, 1.0, 0.97),
    Level.SENIOR: (1.02, 1.0, 0.98),
    Level.VOCATIONAL: (1.1, 1.0, 0.9),
}
# Most pupils per class before a new class is opened, by level and urban/rural class of the school.
CLASS_CAP = {
    (Level.PRIMARY, UrbanRural.URBAN): 50,
    (Level.PRIMARY, UrbanRural.TOWN): 46,
    (Level.PRIMARY, UrbanRural.RURAL): 42,
    (Level.JUNIOR, UrbanRural.URBAN): 52,
    (Level.JUNIOR, UrbanRural.TOWN): 50,
    (Level.JUNIOR, UrbanRural.RURAL): 48,
}
PRESCHOOL_CAP = {"K1": 28, "K2": 32, "K3": 36}
SENIOR_CAP = 56
VOCATIONAL_CAP = 50
LARGE_CLASS = 56  # 大班额: 56 or more pupils (domain-rules 1.8)

# Teachers per pupil by level (and urban/rural class for compulsory schools).
STAFF_RATIO = {
    (Level.PRIMARY, UrbanRural.URBAN): 26,
    (Level.PRIMARY, UrbanRural.TOWN): 20,
    (Level.PRIMARY, UrbanRural.RURAL): 16,
    (Level.JUNIOR, UrbanRural.URBAN): 16,
    (Level.JUNIOR, UrbanRural.TOWN): 13,
    (Level.JUNIOR, UrbanRural.RURAL): 11,
    (Level.SENIOR, None): 13,
    (Level.VOCATIONAL, None): 18,
}

#
# Plan records
#


@dataclass(slots=True)
class Person:
    name: str
    gender: str
    birth: dt.date
    id_number: str
    hukou_township: str | None  # 9-digit code; None for people registered outside the county
    hukou_village: str | None  # 12-digit code

    @property
    def local(self) -> bool:
        return self.hukou_township is not None


@dataclass(slots=True)
class SchoolPlan:
    code: str
    name: str
    category: str
    township: str
    urban_rural: str
    opened_on: dt.date
    ownership: str = Ownership.PUBLIC
    inclusive: bool = False
    parent: str | None = None
    closed_on: dt.date | None = None
    capacity: int = 0
    address: str = ""
    weights: dict = field(default_factory=dict)  # level -> weight for 2020 enrolment
    weights_2015: dict = field(default_factory=dict)
    grade_counts: dict = field(default_factory=dict)  # teaching points: grade -> pupils (2020)
    stem: str = ""  # village name stem, for schools in a village

    def exists_on(self, day: dt.date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or self.closed_on > day)


@dataclass(slots=True)
class EventPlan:
    school: str
    kind: str
    date: dt.date
    other_school: str | None = None
    note: str = ""


@dataclass(slots=True)
class ClassPlan:
    school: str
    year: int
    grade: str
    name: str
    size: int  # planned on-roll pupils


@dataclass(slots=True)
class StudentPlan:
    person: Person
    student_no: str
    migrant: bool = False
    boarder: bool = False
    poverty_family: bool = False
    disabled: bool = False
    left_behind: bool = False
    current_school: str = ""


@dataclass(slots=True)
class EnrollmentPlan:
    student: int  # index into Plan.students
    school: str
    year: int
    klass: int  # index into Plan.classes
    grade: str
    status: str = EnrollmentStatus.ENROLLED
    status_date: dt.date | None = None
    is_current: bool = True
    note: str = ""


@dataclass(slots=True)
class StaffPlan:
    person: Person
    school: str
    establishment: str
    subject: str
    title: str
    qualification: str
    postings: list = field(default_factory=list)  # (school code, kind, start, end, note)


@dataclass(slots=True)
class OutsidePlan:
    """A child of the county's register verified as attending school outside the county (县外就读)."""

    year: int
    person: Person
    school_name: str
    region: str
    grade: str


@dataclass
class Plan:
    seed: int
    county: str = COUNTY_CODE
    divisions: list = field(default_factory=list)  # (code, name, level, parent code)
    schools: list = field(default_factory=list)
    events: list = field(default_factory=list)
    classes: list = field(default_factory=list)
    students: list = field(default_factory=list)
    enrollments: list = field(default_factory=list)
    population: list = field(default_factory=list)  # (year, Person)
    staff: list = field(default_factory=list)
    outside: list = field(default_factory=list)  # OutsidePlan: registered children verified at school elsewhere

    def counts(self) -> dict[str, int]:
        return {
            "divisions": len(self.divisions),
            "schools": len(self.schools),
            "school_events": len(self.events),
            "classes": len(self.classes),
            "students": len(self.students),
            "enrollments": len(self.enrollments),
            "population_records": len(self.population),
            "staff": len(self.staff),
            "postings": sum(len(s.postings) for s in self.staff),
            "outside_enrollments": len(self.outside),
        }


@dataclass(frozen=True)
class CountySpec:
    """What makes one demo county differ from another, for the generator (`_Builder`): its divisions, the figures
    its plan reproduces, and the few pupils' moves of the year. The schools are each county's `build_schools`."""

    code: str
    name: str
    # (code, name, short name, communities, villages, village primary schools, teaching points, nine-year schools)
    townships: tuple
    seat: str  # the township of the county seat (城关镇)
    figures: dict
    second_urban: str | None = None  # another urban township (a development zone)
    scenic: str | None = None  # a township with few people (a nature reserve)
    communities: dict = field(default_factory=dict)  # township -> names of its 社区
    other_counties: tuple = OTHER_HUBEI_COUNTIES  # where migrants' ID numbers are from
    school_code_block: int = 0  # added to the serial part of the 学校标识码, so two counties' codes never meet
    # The share of the register's children of 6-14 at school outside the county with their parents (县外就读), each
    # verified: a labour-exporting county's register holds them beside its pupils (docs/indicators.md).
    outside_share: float = 0.04
    moves: dict = field(
        default_factory=lambda: {
            "transfers": 40,
            "suspended": 30,
            "dropped_out_junior": 8,
            "dropped_out_vocational": 7,
            "moved_out": 20,
        }
    )


#
# Townships: code, name, short name, communities, villages, village primary schools, teaching points,
# nine-year schools (the last three sit in distinct villages).
#

TOWNSHIPS = (
    ("421224100", "通羊镇", "通羊", 8, 12, 4, 6, 0),
    ("421224101", "南林桥镇", "南林桥", 0, 15, 4, 10, 0),
    ("421224102", "黄沙铺镇", "黄沙铺", 0, 14, 4, 10, 0),
    ("421224103", "厦铺镇", "厦铺", 1, 14, 4, 9, 1),
    ("421224104", "九宫山镇", "九宫山", 1, 11, 3, 7, 1),
    ("421224105", "闯王镇", "闯王", 1, 17, 5, 12, 0),
    ("421224106", "洪港镇", "洪港", 1, 15, 4, 11, 0),
    ("421224107", "大畈镇", "大畈", 1, 16, 5, 10, 1),
    ("421224200", "大路乡", "大路", 0, 14, 4, 10, 0),
    ("421224201", "杨芳林乡", "杨芳林", 0, 15, 4, 10, 1),
    ("421224202", "燕厦乡", "燕厦", 0, 12, 3, 8, 1),
    ("421224203", "慈口乡", "慈口", 0, 13, 3, 9, 1),
    ("421224450", "九宫山自然保护管理局", "九宫山风景区", 1, 1, 0, 0, 0),
    ("421224570", "开发区", "开发区", 2, 2, 0, 0, 0),
)
TONGYANG = "421224100"
KAIFAQU = "421224570"
SCENIC = "421224450"
URBAN_TOWNSHIPS = (TONGYANG, KAIFAQU)
# The eleven townships with a township seat (镇区), a central primary school and a middle school.
RURAL_TOWNSHIPS = tuple(t[0] for t in TOWNSHIPS if t[0] not in (TONGYANG, KAIFAQU, SCENIC))
TONGSHAN = CountySpec(
    code=COUNTY_CODE,
    name="通山县",
    townships=TOWNSHIPS,
    seat=TONGYANG,
    figures=FIGURES,
    second_urban=KAIFAQU,
    scenic=SCENIC,
    communities={TONGYANG: wordlists.TONGYANG_COMMUNITIES, KAIFAQU: wordlists.KAIFAQU_COMMUNITIES},
)


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (Hamilton's method, ties by position)."""
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    base = [math.floor(r) for r in raw]
    short = total - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:short]:
        base[i] += 1
    return base


def percent_2dp(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator as a percentage rounded half-up to two decimals."""
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def large_class_count_for(total_classes: int, percent: Decimal) -> int | None:
    """A count L with L/N rounding to `percent` under both half-up and Python's round(), if one exists."""
    low = int(total_classes * float(percent) / 100) - 1
    for large in range(max(low, 0), low + 4):
        if percent_2dp(large, total_classes) == percent and round(100 * large / total_classes, 2) == float(percent):
            return large
    return None


class _Builder:
    def __init__(self, seed: int, county: CountySpec | None = None):
        self.county = county or TONGSHAN
        self.figures = self.county.figures
        self.rng = random.Random(seed)
        self.plan = Plan(seed=seed, county=self.county.code)
        self.names = wordlists.NameMaker(self.rng)
        self._ids: set[str] = set()
        self._student_nos: set[str] = set()
        self._codes: dict[str, int] = {}
        self.township_info: dict[str, dict] = {}
        self.schools: dict[str, SchoolPlan] = {}
        self.new_primary_of: dict[str, str] = {}  # upgraded teaching point -> new primary school
        self._birth_ranges: dict = {}
        self._township_cum = None

    #
    # People
    #

    def new_id(self, area: str, birth: dt.date, gender: str) -> str:
        while True:
            sequence = self.rng.randrange(0, 499) * 2 + (1 if gender == GENDER_MALE else 2)
            id_number = make_id_number(area, birth, sequence, gender)
            if id_number not in self._ids:
                self._ids.add(id_number)
                return id_number

    def birth_for_age(self, age: int, census: dt.date) -> dt.date:
        """A birth date giving `age` full years (周岁) on the census date (1 September)."""
        key = (age, census)
        if key not in self._birth_ranges:
            start = dt.date(census.year - age - 1, census.month, census.day) + dt.timedelta(days=1)
            end = dt.date(census.year - age, census.month, census.day)
            self._birth_ranges[key] = (start, (end - start).days + 1)
        start, days = self._birth_ranges[key]
        return start + dt.timedelta(days=int(self.rng.random() * days))

    def random_township(self) -> str:
        if self._township_cum is None:
            codes = list(self.township_info)
            self._township_cum = (
                codes,
                list(itertools.accumulate(self.township_info[c]["population_weight"] for c in codes)),
            )
        codes, cum = self._township_cum
        return codes[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def person(self, *, birth: dt.date, township: str | None, gender: str | None = None) -> Person:
        rng = self.rng
        gender = gender or (GENDER_MALE if rng.random() < 0.52 else GENDER_FEMALE)
        if township is None:
            area, village = rng.choice(self.county.other_counties), None
        else:
            area, village = self.county.code, rng.choice(self.township_info[township]["units"])
        return Person(
            name=self.names.name(gender, birth.year),
            gender=gender,
            birth=birth,
            id_number=self.new_id(area, birth, gender),
            hukou_township=township,
            hukou_village=village,
        )

    def temporary_student_no(self, person: Person) -> str:
        while True:
            number = f"L{self.county.code}{person.birth:%Y%m%d}{self.rng.randrange(10000):04d}"
            if number not in self._student_nos:
                self._student_nos.add(number)
                return number

    #
    # Divisions
    #

    def build_divisions(self) -> None:
        rng = self.rng
        divisions = self.plan.divisions
        divisions += [
            ("42", "湖北省", DivisionLevel.PROVINCE, None),
            ("4212", "咸宁市", DivisionLevel.CITY, "42"),
            (self.county.code, self.county.name, DivisionLevel.COUNTY, self.county.code[:4]),
        ]
        stems = [a + b for a in wordlists.VILLAGE_FIRST for b in wordlists.VILLAGE_SECOND if a != b]
        rng.shuffle(stems)
        for code, name, short, n_communities, n_villages, *_ in self.county.townships:
            divisions.append((code, name, DivisionLevel.TOWNSHIP, self.county.code))
            community_names = self.county.communities.get(code, (short,))
            units, villages = [], []
            for i in range(n_communities):
                unit = f"{code}{i + 1:03d}"
                divisions.append((unit, f"{community_names[i]}社区", DivisionLevel.VILLAGE, code))
                units.append(unit)
            for i in range(n_villages):
                unit = f"{code}{200 + i + 1:03d}"
                stem = stems.pop()
                divisions.append((unit, f"{stem}村", DivisionLevel.VILLAGE, code))
                units.append(unit)
                villages.append(stem)
            self.township_info[code] = {
                "name": name,
                "short": short,
                "units": units,
                "free_stems": villages,  # villages not yet holding a primary school or teaching point
                "population_weight": 3.0
                if code == self.county.seat
                else (0.3 if code == self.county.scenic else len(units) / 4),
            }

    #
    # Schools
    #

    def code(self, prefix: str) -> str:
        base = {"11": 7000, "21": 2000, "31": 3000, "34": 4000, "36": 6000, "51": 8000, "TP": 5000, "NEW": 9000}
        key = prefix
        self._codes[key] = self._codes.get(key, 0) + 1
        digits = {"TP": "21", "NEW": "21"}.get(prefix, prefix)
        return f"{digits}42{self.county.school_code_block + base[prefix] + self._codes[key]:06d}"

    def take_stem(self, township: str) -> str:
        stems = self.township_info[township]["free_stems"]
        return stems.pop(self.rng.randrange(len(stems)))

    def add_school(
        self, prefix: str, name: str, category: str, township: str, urban_rural: str, opened: int | dt.date, **extra
    ) -> SchoolPlan:
        opened_on = opened if isinstance(opened, dt.date) else dt.date(opened, 9, 1)
        if not extra.get("address"):
            info = self.township_info[township]
            if urban_rural == UrbanRural.URBAN:
                road = self.rng.choice(wordlists.TOWN_ROADS)
                extra["address"] = f"湖北省咸宁市{self.county.name}{info['name']}{road}{self.rng.randint(1, 399)}号"
            elif extra.get("stem"):
                extra["address"] = f"湖北省咸宁市{self.county.name}{info['name']}{extra['stem']}村"
            else:
                extra["address"] = f"湖北省咸宁市{self.county.name}{info['name']}"
        if any(s.name == name for s in self.plan.schools):
            raise ValueError(f"demo plan: two schools named {name}")
        school = SchoolPlan(
            code=self.code(prefix),
            name=name,
            category=category,
            township=township,
            urban_rural=urban_rural,
            opened_on=opened_on,
            **extra,
        )
        self.schools[school.code] = school
        self.plan.schools.append(school)
        return school

    def add_village_schools(self, township: str, primaries: int, nine_year: int) -> None:
        """A township's village primary schools and nine-year schools, each named after a village of its own."""
        rng, name = self.rng, f"{self.county.name}{self.township_info[township]['name']}"
        for _ in range(primaries):
            stem = self.take_stem(township)
            self.add_school(
                "21",
                f"{name}{stem}小学",
                SchoolCategory.PRIMARY,
                township,
                UrbanRural.RURAL,
                rng.randint(1955, 1990),
                weights={Level.PRIMARY: rng.randint(150, 450)},
                stem=stem,
            )
        for _ in range(nine_year):
            stem = self.take_stem(township)
            self.add_school(
                "31",
                f"{name}{stem}学校",
                SchoolCategory.NINE_YEAR,
                township,
                UrbanRural.RURAL,
                rng.randint(1998, 2012),
                weights={Level.PRIMARY: rng.randint(250, 420), Level.JUNIOR: rng.randint(150, 280)},
                stem=stem,
            )

    def add_teaching_points(self, townships) -> None:
        """Each township's teaching points (its row of ``townships`` says how many), attached to its rural primary
        schools, with two to four grades of a few pupils each."""
        rng = self.rng
        for code, _name, _short, _c, _v, _vp, n_points, _n in townships:
            parents = [
                s.code
                for s in self.plan.schools
                if s.township == code and s.category == SchoolCategory.PRIMARY and s.urban_rural != UrbanRural.URBAN
            ]
            for _ in range(n_points):
                stem = self.take_stem(code)
                n_grades = rng.choices((2, 3, 4), weights=(30, 45, 25), k=1)[0]
                counts = {g: rng.randint(3, 13) for g in PRIMARY_GRADES[:n_grades]}
                self.add_school(
                    "TP",
                    f"{self.county.name}{self.township_info[code]['name']}{stem}村教学点",
                    SchoolCategory.TEACHING_POINT,
                    code,
                    UrbanRural.RURAL,
                    rng.randint(1962, 2008),
                    parent=rng.choice(parents),
                    grade_counts=counts,
                    stem=stem,
                )

    def build_schools(self) -> None:
        rng = self.rng
        K, P, J, S, V = Level.PRESCHOOL, Level.PRIMARY, Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL
        C = SchoolCategory
        URBAN, TOWN, RURAL = UrbanRural.URBAN, UrbanRural.TOWN, UrbanRural.RURAL
        info = self.township_info

        def tname(code):
            return info[code]["name"]

        # --- county-level schools in the county seat and the development zone
        self.add_school(
            "34", "通山县第一中学", C.SENIOR, TONGYANG, URBAN, 1941, weights={S: 2400}, weights_2015={S: 2000}
        )
        self.add_school("34", "通山县实验高级中学", C.SENIOR, TONGYANG, URBAN, 2018, weights={S: 1700})
        self.add_school(
            "34",
            "通山县第二中学",
            C.COMPLETE_SECONDARY,
            "421224101",
            TOWN,
            1956,
            weights={J: 700, S: 750},
            weights_2015={S: 700},
        )
        self.add_school(
            "34",
            "通山县思源实验学校",
            C.TWELVE_YEAR,
            TONGYANG,
            URBAN,
            2004,
            weights={P: 900, J: 800, S: 260},
            weights_2015={S: 250},
        )
        self.add_school(
            "34",
            "通山县楚才学校",
            C.TWELVE_YEAR,
            KAIFAQU,
            URBAN,
            2011,
            ownership=Ownership.PRIVATE,
            weights={P: 700, J: 600, S: 180},
            weights_2015={S: 150},
        )
        self.add_school(
            "36", "通山县职业教育中心", C.VOCATIONAL, KAIFAQU, URBAN, 1984, weights={V: 1900}, weights_2015={V: 1000}
        )
        self.add_school(
            "36",
            "通山县九宫职业技术学校",
            C.VOCATIONAL,
            TONGYANG,
            URBAN,
            2009,
            ownership=Ownership.PRIVATE,
            weights={V: 480},
            weights_2015={V: 274},
        )
        self.add_school("51", "通山县特殊教育学校", C.SPECIAL, TONGYANG, URBAN, 2012, capacity=120)

        for name, weight, opened in (
            ("通山县实验中学", 2600, 1958),
            ("通山县镇南中学", 2300, 1970),
            ("通山县城北中学", 1700, 2004),
            ("通山县通羊初级中学", 1300, 1985),
        ):
            self.add_school("31", name, C.JUNIOR, TONGYANG, URBAN, opened, weights={J: weight})
        for name, weight, opened in (
            ("通山县实验小学", 3100, 1952),
            ("通山县通羊一小", 2700, 1950),
            ("通山县通羊二小", 2500, 1956),
            ("通山县通羊三小", 2300, 1962),
            ("通山县通羊四小", 2600, 1978),
            ("通山县通羊五小", 1900, 1995),
            ("通山县迎宾路小学", 2300, 2017),
            ("通山县城北小学", 1700, 2003),
        ):
            self.add_school("21", name, C.PRIMARY, TONGYANG, URBAN, opened, weights={P: weight})
        self.add_school("21", "通山县开发区实验小学", C.PRIMARY, KAIFAQU, URBAN, 2008, weights={P: 1400})
        self.add_school("21", "通山县开发区吴田小学", C.PRIMARY, KAIFAQU, URBAN, 2012, weights={P: 900})
        self.add_school("21", "通山县九宫山风景区小学", C.PRIMARY, SCENIC, TOWN, 1972, weights={P: 180})

        # --- township schools
        for code, _name, _short, _c, _v, n_village_primaries, _points, n_nine in TOWNSHIPS:
            if code in (KAIFAQU, SCENIC):
                continue
            if code != TONGYANG:
                self.add_school(
                    "21",
                    f"通山县{tname(code)}中心小学",
                    C.PRIMARY,
                    code,
                    TOWN,
                    rng.randint(1950, 1970),
                    weights={P: rng.randint(900, 1500)},
                )
                if code in ("421224101", "421224102", "421224105", "421224107"):
                    self.add_school(
                        "21",
                        f"通山县{tname(code)}第二小学",
                        C.PRIMARY,
                        code,
                        TOWN,
                        rng.randint(1985, 2005),
                        weights={P: rng.randint(500, 800)},
                    )
                self.add_school(
                    "31",
                    f"通山县{tname(code)}中学",
                    C.JUNIOR,
                    code,
                    TOWN,
                    rng.randint(1958, 1975),
                    weights={J: rng.randint(500, 1100)},
                )
                if code in ("421224102", "421224105", "421224106", "421224107"):
                    stem = rng.choice(info[code]["free_stems"])
                    self.add_school(
                        "31",
                        f"通山县{tname(code)}{stem}中学",
                        C.JUNIOR,
                        code,
                        RURAL,
                        rng.randint(1968, 1985),
                        weights={J: rng.randint(250, 400)},
                        stem=stem,
                    )
            self.add_village_schools(code, n_village_primaries, n_nine)

        self.add_teaching_points(TOWNSHIPS)

        # --- kindergartens: 29 public (8 opened 2016-2020), 67 private (10 opened 2016-2020, 41 inclusive)
        self.add_school("11", "通山县实验幼儿园", C.KINDERGARTEN, TONGYANG, URBAN, 1983, weights={K: 620})
        self.add_school("11", "通山县机关幼儿园", C.KINDERGARTEN, TONGYANG, URBAN, 1990, weights={K: 420})
        self.add_school("11", "通山县第二实验幼儿园", C.KINDERGARTEN, TONGYANG, URBAN, 2018, weights={K: 480})
        self.add_school("11", "通山县开发区幼儿园", C.KINDERGARTEN, KAIFAQU, URBAN, 2019, weights={K: 300})
        self.add_school("11", "通山县九宫山风景区幼儿园", C.KINDERGARTEN, SCENIC, TOWN, 1996, weights={K: 70})
        new_centres = {"421224200": 2016, "421224202": 2017, "421224203": 2018, "421224201": 2019}
        for code in RURAL_TOWNSHIPS:
            opened = new_centres.get(code) or rng.randint(1988, 2012)
            self.add_school(
                "11",
                f"通山县{tname(code)}中心幼儿园",
                C.KINDERGARTEN,
                code,
                TOWN,
                opened,
                weights={K: rng.randint(220, 330)},
            )
        new_village = {"421224105": 2020, "421224106": 2019}
        for code in (TONGYANG, TONGYANG) + RURAL_TOWNSHIPS:
            if info[code]["free_stems"]:
                stem = self.take_stem(code)
            else:
                taken = {s.stem for s in self.plan.schools if s.category == C.KINDERGARTEN}
                stem = rng.choice(
                    [s.stem for s in self.plan.schools if s.township == code and s.stem and s.stem not in taken]
                )
            opened = new_village.get(code) or rng.randint(2008, 2014)
            self.add_school(
                "11",
                f"通山县{tname(code)}{stem}幼儿园",
                C.KINDERGARTEN,
                code,
                RURAL,
                opened,
                weights={K: rng.randint(50, 110)},
                stem=stem,
            )

        private_places = [TONGYANG] * 30 + [KAIFAQU] * 4
        for code, n in zip(RURAL_TOWNSHIPS, (4, 3, 3, 3, 4, 3, 4, 2, 2, 2, 2), strict=True):
            private_places += [code] * n
        private_places.append(SCENIC)
        kg_names = list(wordlists.KINDERGARTEN_NAMES)
        rng.shuffle(kg_names)
        new_private = set(rng.sample(range(len(private_places)), 10))
        inclusive = set(rng.sample(range(len(private_places)), 41))
        for i, code in enumerate(private_places):
            urban = code in URBAN_TOWNSHIPS
            label = kg_names.pop()
            name = f"通山县{label}幼儿园" if urban else f"通山县{tname(code)}{label}幼儿园"
            year = rng.randint(2016, 2020) if i in new_private else rng.randint(2000, 2014)
            opened = dt.date(year, rng.choice((3, 9)), 1)
            weight = rng.randint(150, 420) if urban else rng.randint(80, 220)
            self.add_school(
                "11",
                name,
                C.KINDERGARTEN,
                code,
                URBAN if urban else TOWN,
                opened,
                ownership=Ownership.PRIVATE,
                inclusive=i in inclusive,
                weights={K: weight},
            )

        # 2015 weights of kindergartens: as in 2020, for those open on the 2015 census date.
        for school in self.plan.schools:
            if school.category == C.KINDERGARTEN and school.exists_on(CENSUS[2015]):
                school.weights_2015 = {K: school.weights[K] * rng.uniform(0.8, 1.1)}

    def build_teaching_point_endings(self) -> None:
        """All teaching points end on 2021-09-01: the 23 largest are upgraded to new primary schools,
        the other 89 are merged into their primary school."""
        points = [s for s in self.plan.schools if s.category == SchoolCategory.TEACHING_POINT]
        by_size = sorted(points, key=lambda s: (-sum(s.grade_counts.values()), s.code))
        upgraded = {s.code for s in by_size[: self.figures["teaching_points_upgraded_2021"]]}
        for point in points:
            point.closed_on = TEACHING_POINTS_END
        for point in points:
            if point.code in upgraded:
                info = self.township_info[point.township]
                new = self.add_school(
                    "NEW",
                    f"{self.county.name}{info['name']}{point.stem}小学",
                    SchoolCategory.PRIMARY,
                    point.township,
                    UrbanRural.RURAL,
                    TEACHING_POINTS_END,
                    stem=point.stem,
                    address=point.address,
                    capacity=45 * self.rng.randint(4, 6),
                )
                self.new_primary_of[point.code] = new.code

    def build_events(self) -> None:
        events = self.plan.events
        for school in self.plan.schools:
            note = "设立"
            if school.code in self.new_primary_of.values():
                point = next(k for k, v in self.new_primary_of.items() if v == school.code)
                note = f"由{self.schools[point].name}升格设立"
            events.append(EventPlan(school.code, SchoolEventKind.OPENED, school.opened_on, note=note))
        for school in self.plan.schools:
            if school.category != SchoolCategory.TEACHING_POINT:
                continue
            if school.code in self.new_primary_of:
                new = self.schools[self.new_primary_of[school.code]]
                events.append(
                    EventPlan(
                        school.code, SchoolEventKind.UPGRADED, TEACHING_POINTS_END, new.code, note=f"升格为{new.name}"
                    )
                )
            else:
                parent = self.schools[school.parent]
                events.append(
                    EventPlan(
                        school.code, SchoolEventKind.MERGED, TEACHING_POINTS_END, parent.code, note=f"并入{parent.name}"
                    )
                )

    #
    # Classes
    #

    def level_cells(self, year: int, level: str, total: int, weight_attr: str) -> list[list]:
        """[school code, grade, pupils] cells for one level, split over schools by weight, then over grades."""
        schools = [s for s in self.plan.schools if level in getattr(s, weight_attr) and s.exists_on(CENSUS[year])]
        shares = largest_remainder(total, [getattr(s, weight_attr)[level] for s in schools])
        cells = []
        for school, pupils in zip(schools, shares, strict=True):
            grades = LEVEL_GRADES[level]
            weights = [w * self.rng.uniform(0.9, 1.1) for w in LEVEL_GRADE_WEIGHTS[level]]
            for grade, n in zip(grades, largest_remainder(pupils, weights), strict=True):
                if n:
                    cells.append([school.code, grade, n])
        return cells

    @staticmethod
    def even_split(n: int, k: int) -> list[int]:
        return [n // k + (1 if i < n % k else 0) for i in range(k)]

    def build_classes_2020(self) -> None:
        year = 2020
        C = SchoolCategory
        points = [s for s in self.plan.schools if s.category == C.TEACHING_POINT]
        point_pupils = sum(sum(s.grade_counts.values()) for s in points)
        cells = {
            Level.PRESCHOOL: self.level_cells(year, Level.PRESCHOOL, self.figures["children_2020"], "weights"),
            Level.PRIMARY: [[s.code, g, n] for s in points for g, n in s.grade_counts.items()]
            + self.level_cells(year, Level.PRIMARY, self.figures["primary_pupils_2020"] - point_pupils, "weights"),
            Level.JUNIOR: self.level_cells(year, Level.JUNIOR, self.figures["junior_students_2020"], "weights"),
            Level.SENIOR: self.level_cells(year, Level.SENIOR, self.figures["senior_students_2020"], "weights"),
            Level.VOCATIONAL: self.level_cells(
                year, Level.VOCATIONAL, self.figures["vocational_students_2020"], "weights"
            ),
        }
        self.pupils_2020 = {}  # school -> level -> pupils, for staffing
        for level, level_cells in cells.items():
            for code, _grade, n in level_cells:
                self.pupils_2020.setdefault(code, {}).setdefault(level, 0)
                self.pupils_2020[code][level] += n

        # Compulsory education: choose class counts, then make exactly L classes of 56+ so that
        # L / N rounds to the published 3.65%.
        compulsory = []  # [school, grade, n, k]
        cap_shift: dict[str, int] = {}  # schools differ in how full they fill a class (never above 55)
        for code, grade, n in cells[Level.PRIMARY] + cells[Level.JUNIOR]:
            school = self.schools[code]
            if school.category == C.TEACHING_POINT:
                k = 1
            else:
                shift = cap_shift.setdefault(code, self.rng.randint(-4, 5))
                k = math.ceil(n / min(55, CLASS_CAP[(GRADE_LEVEL[grade], school.urban_rural)] + shift))
            compulsory.append([code, grade, n, k])
        total = sum(c[3] for c in compulsory)
        candidates = sorted(
            (c for c in compulsory if self.schools[c[0]].category != C.TEACHING_POINT),
            key=lambda c: (-c[2] / c[3], c[0], c[1]),
        )
        large = large_class_count_for(total, self.figures["large_class_percent_2020"])
        for cell in candidates:
            if large is not None:
                break
            cell[3] += 1
            total += 1
            large = large_class_count_for(total, self.figures["large_class_percent_2020"])
        # Large classes are crowded classes of urban (then town) schools with two or more classes in a grade.
        eligible = [
            c
            for ur in (UrbanRural.URBAN, UrbanRural.TOWN)
            for c in compulsory
            if self.schools[c[0]].urban_rural == ur and c[3] >= 2 and c[2] - 30 * (c[3] - 1) >= 60
        ]
        chosen = {id(c) for c in self.rng.sample(eligible[: max(large, 90)], large)}
        self.large_classes_planned = (large, total)

        def add_classes(code, grade, sizes):
            for i, size in enumerate(sizes):
                self.plan.classes.append(ClassPlan(code, year, grade, f"{i + 1}班", size))

        for cell in compulsory:
            code, grade, n, k = cell
            if id(cell) in chosen:
                big = min(self.rng.randint(LARGE_CLASS, 60), n - 30 * (k - 1))
                sizes = self.even_split(n - big, k - 1)
                sizes.insert(self.rng.randrange(k), big)
            else:
                sizes = self.even_split(n, k)
            add_classes(code, grade, sizes)
        for code, grade, n in cells[Level.PRESCHOOL]:
            add_classes(code, grade, self.even_split(n, math.ceil(n / PRESCHOOL_CAP[grade])))
        for code, grade, n in cells[Level.SENIOR]:
            add_classes(code, grade, self.even_split(n, math.ceil(n / SENIOR_CAP)))
        for code, grade, n in cells[Level.VOCATIONAL]:
            add_classes(code, grade, self.even_split(n, math.ceil(n / VOCATIONAL_CAP)))

    def build_classes_2015(self) -> None:
        year = 2015
        for level, total, cap in (
            (Level.PRESCHOOL, self.figures["children_2015"], None),
            (Level.SENIOR, self.figures["senior_students_2015"], SENIOR_CAP),
            (Level.VOCATIONAL, self.figures["vocational_students_2015"], VOCATIONAL_CAP),
        ):
            for code, grade, n in self.level_cells(year, level, total, "weights_2015"):
                k = math.ceil(n / (cap or PRESCHOOL_CAP[grade]))
                for i, size in enumerate(self.even_split(n, k)):
                    self.plan.classes.append(ClassPlan(code, year, grade, f"{i + 1}班", size))

    #
    # Students and enrolments
    #

    def hukou_for(self, school: SchoolPlan, level: str) -> str | None:
        """Township of a pupil's household registration; None for a migrant from another county."""
        rng = self.rng
        migrant_rate = {UrbanRural.URBAN: 0.04, UrbanRural.TOWN: 0.015, UrbanRural.RURAL: 0.005}[school.urban_rural]
        if level in (Level.SENIOR, Level.VOCATIONAL):
            migrant_rate = 0.01
        if rng.random() < migrant_rate:
            return None
        if level in (Level.SENIOR, Level.VOCATIONAL):
            return self.random_township()
        if school.urban_rural == UrbanRural.URBAN:
            roll = rng.random()
            if roll < 0.65:
                return self.county.seat
            if roll < 0.70 and self.county.second_urban:
                return self.county.second_urban
            return self.random_township()
        return school.township if rng.random() < 0.95 else self.random_township()

    def age_for(self, grade: str) -> int:
        level = GRADE_LEVEL[grade]
        young, old = {
            Level.PRESCHOOL: (0.02, 0.02),
            Level.PRIMARY: (0.01, 0.03),
            Level.JUNIOR: (0.01, 0.025),
        }.get(level, (0.01, 0.04))
        roll = self.rng.random()
        offset = -1 if roll < young else (1 if roll < young + old else 0)
        return GRADE_TYPICAL_AGE[grade] + offset

    def add_student(
        self, school: SchoolPlan, grade: str, year: int, *, age: int | None = None, township: str | None | bool = True
    ) -> int:
        """Create a pupil of `grade` at `school` (township True: drawn; None: a migrant). Returns the index."""
        rng = self.rng
        level = GRADE_LEVEL[grade]
        census = CENSUS[year]
        if township is True:
            township = self.hukou_for(school, level)
        person = self.person(
            birth=self.birth_for_age(age if age is not None else self.age_for(grade), census), township=township
        )
        rural = school.urban_rural != UrbanRural.URBAN
        compulsory = level in (Level.PRIMARY, Level.JUNIOR)
        if level in (Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL):
            boarder_rate = 0.6 if rural or level != Level.JUNIOR else 0.15
        else:
            boarder_rate = 0.2 if rural and grade in ("P4", "P5", "P6") else 0.0
        left_behind_rate = (0.25 if rural else 0.05) if compulsory or level == Level.PRESCHOOL else 0.0
        new_entrant = grade in ("K1", "P1")
        student = StudentPlan(
            person=person,
            student_no=self.temporary_student_no(person)
            if new_entrant and rng.random() < 0.01
            else "G" + person.id_number,
            migrant=not person.local,
            boarder=rng.random() < boarder_rate,
            poverty_family=rng.random() < (0.12 if rural else 0.05),
            disabled=rng.random() < 0.004,
            left_behind=person.local and rng.random() < left_behind_rate,
            current_school=school.code,
        )
        self.plan.students.append(student)
        return len(self.plan.students) - 1

    def build_students_2020(self) -> None:
        rng = self.rng
        year, census = 2020, CENSUS[2020]
        plan = self.plan
        self.on_roll_2020: list[int] = []
        classes_by_cell: dict[tuple[str, str], list[int]] = {}
        for index, klass in enumerate(plan.classes):
            if klass.year != year:
                continue
            classes_by_cell.setdefault((klass.school, klass.grade), []).append(index)
            school = self.schools[klass.school]
            for _ in range(klass.size):
                student = self.add_student(school, klass.grade, year)
                plan.enrollments.append(
                    EnrollmentPlan(student, school.code, year, index, klass.grade, status_date=census)
                )
                self.on_roll_2020.append(student)

        # Transfers inside the county: the old enrolment is closed, the new one is 转入 (and on roll).
        compulsory_rows = [
            e
            for e in plan.enrollments
            if GRADE_LEVEL[e.grade] in (Level.PRIMARY, Level.JUNIOR)
            and self.schools[e.school].category != SchoolCategory.TEACHING_POINT
        ]
        for row in rng.sample(compulsory_rows, self.county.moves["transfers"]):
            others = [
                cell
                for cell in classes_by_cell
                if cell[1] == row.grade
                and cell[0] != row.school
                and self.schools[cell[0]].category != SchoolCategory.TEACHING_POINT
            ]
            same_township = [c for c in others if self.schools[c[0]].township == self.schools[row.school].township]
            old_school, _grade = rng.choice(same_township or others)
            old_class = rng.choice(classes_by_cell[(old_school, row.grade)])
            plan.enrollments.append(
                EnrollmentPlan(
                    row.student, old_school, year, old_class, row.grade, status_date=census, is_current=False
                )
            )
            row.status = EnrollmentStatus.TRANSFERRED_IN
            row.status_date = dt.date(2020, 10, 12)
            row.note = f"由{self.schools[old_school].name}转入"

        # Pupils not on the roll: suspended (休学), dropped out (辍学), transferred out of the county (转出).
        def off_roll(grade, status, note, *, age=None, township=True, urban_only=False):
            cells = [
                c
                for c in classes_by_cell
                if c[1] == grade
                and (not urban_only or self.schools[c[0]].urban_rural != UrbanRural.RURAL)
                and self.schools[c[0]].category != SchoolCategory.TEACHING_POINT
            ]
            code, _ = rng.choice(cells)
            school = self.schools[code]
            if township is True:
                township = (
                    self.random_township()
                    if GRADE_LEVEL[grade] in (Level.SENIOR, Level.VOCATIONAL)
                    else (school.township if school.urban_rural != UrbanRural.URBAN else self.county.seat)
                )
            student = self.add_student(school, grade, year, age=age, township=township)
            plan.enrollments.append(
                EnrollmentPlan(
                    student,
                    code,
                    year,
                    rng.choice(classes_by_cell[(code, grade)]),
                    grade,
                    status=status,
                    status_date=census,
                    note=note,
                )
            )

        for i in range(self.county.moves["suspended"]):
            grade = ("S1", "S2", "S3")[i % 3]
            off_roll(grade, EnrollmentStatus.SUSPENDED, "因病休学", age=GRADE_TYPICAL_AGE[grade])
        for _ in range(self.county.moves["dropped_out_junior"]):
            off_roll("J3", EnrollmentStatus.DROPPED_OUT, "辍学外出务工", age=15)
        for _ in range(self.county.moves["dropped_out_vocational"]):
            off_roll("V1", EnrollmentStatus.DROPPED_OUT, "辍学", age=16)
        for i in range(self.county.moves["moved_out"]):
            grade = ("P2", "P3", "P4", "P5", "P6", "J1", "J2")[i % 7]
            off_roll(grade, EnrollmentStatus.TRANSFERRED_OUT, "随父母转出县外", township=None, urban_only=True)

    def build_students_2015(self) -> None:
        """2015: kindergarten children (who are the 2020 pupils of P3-P5) and upper-secondary students."""
        rng = self.rng
        year, census = 2015, CENSUS[2015]
        plan = self.plan
        later_grade = {"K1": "P3", "K2": "P4", "K3": "P5"}
        pools: dict[tuple[str, str], list[int]] = {}
        for row in plan.enrollments:
            student = plan.students[row.student]
            if (
                row.year == 2020
                and row.is_current
                and row.grade in later_grade.values()
                and row.status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.TRANSFERRED_IN)
                and student.person.local
            ):
                pools.setdefault((student.person.hukou_township, row.grade), []).append(row.student)
        for pool in pools.values():
            rng.shuffle(pool)
        self.kindergarten_2015: list[int] = []
        for index, klass in enumerate(plan.classes):
            if klass.year != year:
                continue
            school = self.schools[klass.school]
            for _ in range(klass.size):
                if GRADE_LEVEL[klass.grade] == Level.PRESCHOOL:
                    grade_2020 = later_grade[klass.grade]
                    pool = pools.get((school.township, grade_2020))
                    if not pool:
                        pool = max((p for (t, g), p in pools.items() if g == grade_2020), key=len)
                    student = pool.pop()
                    self.kindergarten_2015.append(student)
                else:
                    student = self.add_student(school, klass.grade, year)
                plan.enrollments.append(
                    EnrollmentPlan(student, school.code, year, index, klass.grade, status_date=census)
                )
        self.pools_left_2015 = [s for pool in pools.values() for s in pool]

    #
    # Population registers
    #

    def build_population(self) -> None:
        plan = self.plan
        rng = self.rng

        def fill(year, persons, min_age, max_age, target):
            have = sum(1 for p in persons if min_age <= age_on(p.birth, CENSUS[year]) <= max_age)
            if have > target:
                raise ValueError(f"{year}: {have} pupils aged {min_age}-{max_age} exceed the register's {target}")
            for _ in range(target - have):
                age = rng.randint(min_age, max_age)
                persons.append(
                    self.person(birth=self.birth_for_age(age, CENSUS[year]), township=self.random_township())
                )

        # 2020: every local pupil aged 3-17 (so that 6-14 is exactly the pupils on roll), then people
        # not in school aged 3-5 and 15-17 up to the published denominators.
        registered = []
        on_roll = set(self.on_roll_2020)
        for index, row in enumerate(plan.enrollments):
            if row.year != 2020 or not row.is_current:
                continue
            person = plan.students[row.student].person
            age = age_on(person.birth, CENSUS[2020])
            if person.local and 3 <= age <= 17:
                if 6 <= age <= 14 and row.student not in on_roll:
                    raise ValueError(f"enrolment {index}: a pupil aged 6-14 off the roll breaks the 100% entry rate")
                registered.append(person)
        fill(2020, registered, 3, 5, self.figures["population_3_5_2020"])
        fill(2020, registered, 15, 17, self.figures["population_15_17_2020"])
        plan.population += [(2020, p) for p in registered]

        # 2015: ages 3-5 are the children in kindergarten plus other 2020 pupils of those ages;
        # ages 15-17 are the upper-secondary students plus others.
        census = CENSUS[2015]
        registered = [
            plan.students[s].person
            for s in self.kindergarten_2015
            if 3 <= age_on(plan.students[s].person.birth, census) <= 5
        ]
        want = self.figures["population_3_5_2015"] - len(registered)
        spare = [
            plan.students[s].person
            for s in self.pools_left_2015
            if 3 <= age_on(plan.students[s].person.birth, census) <= 5
        ]
        rng.shuffle(spare)
        if want > len(spare):
            raise ValueError("not enough 2020 pupils to fill the 2015 register of ages 3-5")
        registered += spare[:want]
        for row in plan.enrollments:
            if row.year == 2015 and GRADE_LEVEL[row.grade] in (Level.SENIOR, Level.VOCATIONAL):
                person = plan.students[row.student].person
                if person.local and 15 <= age_on(person.birth, census) <= 17:
                    registered.append(person)
        fill(2015, registered, 15, 17, self.figures["population_15_17_2015"])
        plan.population += [(2015, p) for p in registered]

    def build_outside(self) -> None:
        """2020: children of the county's register aged 6-14 at school outside the county, verified (县外就读),
        `outside_share` of each age's registered children: on the register and on the outside list, on no roll of
        the county. They keep the 户籍比对 入学率 (the 控辍保学 figure) at 100%, and they are why the county's net
        rates, counted at its schools by the statistics definition, stay below 100% although migrant pupils from
        other counties attend them."""
        plan, rng, census = self.plan, self.rng, CENSUS[2020]
        share = self.county.outside_share
        by_age: dict[int, int] = {}
        for year, person in plan.population:
            age = age_on(person.birth, census)
            if year == 2020 and 6 <= age <= 14:
                by_age[age] = by_age.get(age, 0) + 1
        grades = ("一", "二", "三", "四", "五", "六", "七", "八", "九")
        for age in range(6, 15):
            for _ in range(round(by_age.get(age, 0) * share / (1 - share))):
                person = self.person(birth=self.birth_for_age(age, census), township=self.random_township())
                city, school = rng.choice(OUTSIDE_SCHOOLS)
                level = "小学" if age <= 11 else "初级中学"
                plan.population.append((2020, person))
                plan.outside.append(OutsidePlan(2020, person, f"{city}{school}{level}", city, f"{grades[age - 6]}年级"))

    #
    # Staff
    #

    def staff_needed(self, school: SchoolPlan) -> int:
        pupils = self.pupils_2020.get(school.code, {})
        if school.category == SchoolCategory.TEACHING_POINT:
            return max(1, round(sum(pupils.values()) / 10))
        if school.category == SchoolCategory.SPECIAL:
            return 16
        if school.category == SchoolCategory.KINDERGARTEN:
            ratio = 24 if school.ownership == Ownership.PUBLIC else 30
            return max(3, round(pupils.get(Level.PRESCHOOL, 0) / ratio))
        need = 0.0
        for level, n in pupils.items():
            ratio = STAFF_RATIO.get((level, school.urban_rural)) or STAFF_RATIO[(level, None)]
            need += n / ratio
        return max(6, round(need))

    @staticmethod
    def recruitment_group(school: SchoolPlan) -> str | None:
        """The report's groups of teachers recruited 2016-2020; None where public recruitment is not counted."""
        C = SchoolCategory
        if school.ownership != Ownership.PUBLIC:
            return None
        if school.category == C.KINDERGARTEN:
            return "kindergarten"
        if school.category in (C.SENIOR, C.COMPLETE_SECONDARY, C.VOCATIONAL, C.SPECIAL):
            return "senior_vocational_special"
        if school.urban_rural != UrbanRural.URBAN:
            return "rural_compulsory"
        return "urban_compulsory"

    def build_staff(self) -> None:
        rng = self.rng
        C = SchoolCategory
        schools_2020 = [s for s in self.plan.schools if s.exists_on(CENSUS[2020])]
        slots = []  # (school, level taught)
        for school in schools_2020:
            pupils = self.pupils_2020.get(school.code, {})
            levels = list(pupils) or [Level.SPECIAL]
            weights = [pupils.get(level, 1) for level in levels]
            for _ in range(self.staff_needed(school)):
                slots.append((school, rng.choices(levels, weights=weights, k=1)[0]))

        groups: dict[str, list[int]] = {}
        for i, (school, _level) in enumerate(slots):
            group = self.recruitment_group(school)
            if group:
                groups.setdefault(group, []).append(i)
        recruits: set[int] = set()
        for group in ("rural_compulsory", "kindergarten", "senior_vocational_special"):
            recruits.update(rng.sample(groups[group], self.figures[f"recruited_{group}_2016_2020"]))

        origins_of_group: dict[str, list[SchoolPlan]] = {}
        for s in schools_2020:
            if s.category != C.TEACHING_POINT and self.recruitment_group(s):
                origins_of_group.setdefault(self.recruitment_group(s), []).append(s)

        def group_origins(school):
            group = self.recruitment_group(school)
            if group == "rural_compulsory":
                return origins_of_group[group] + origins_of_group["urban_compulsory"]
            return origins_of_group[group]

        female_rate = {
            Level.PRESCHOOL: 0.96,
            Level.PRIMARY: 0.68,
            Level.JUNIOR: 0.52,
            Level.SENIOR: 0.42,
            Level.VOCATIONAL: 0.45,
            Level.SPECIAL: 0.7,
        }
        for i, (school, level) in enumerate(slots):
            gender = GENDER_FEMALE if rng.random() < female_rate[level] else GENDER_MALE
            public = school.ownership == Ownership.PUBLIC
            postings = []
            if i in recruits:
                hire_year = rng.randint(max(2016, school.opened_on.year), 2020)
                birth_year = hire_year - rng.randint(21, 27)
                hire = max(dt.date(hire_year, 8, 25) + dt.timedelta(days=rng.randint(0, 7)), school.opened_on)
            elif public:
                age = rng.randint(27, 54 if gender == GENDER_FEMALE else 59)
                birth_year = 2020 - age
                hire_year = min(birth_year + rng.randint(19, 24), 2015)
            else:
                age = rng.randint(21, 45)
                birth_year = 2020 - age
                hire_year = rng.randint(max(birth_year + 19, school.opened_on.year), 2020)
            if i not in recruits:
                hire = dt.date(hire_year, 8, 25) + dt.timedelta(days=rng.randint(0, 7))
            if hire < school.opened_on:
                if public:
                    # Recruited at an older school of the same kind, transferred when this one opened.
                    origins = [s for s in group_origins(school) if s.opened_on <= hire] or [
                        min(group_origins(school), key=lambda s: s.opened_on)
                    ]
                    origin = rng.choice(origins)
                    hire = max(hire, origin.opened_on)
                    moved = max(school.opened_on, hire + dt.timedelta(days=365))
                    postings.append((origin.code, PostingKind.RECRUITMENT, hire, moved - dt.timedelta(days=1), ""))
                    postings.append((school.code, PostingKind.TRANSFER, moved, None, f"调入{school.name}"))
                else:
                    hire = school.opened_on
            if not postings:
                postings.append((school.code, PostingKind.RECRUITMENT, hire, None, ""))
            birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            township = self.county.code if rng.random() < 0.9 else None
            person = self.person(birth=birth, township=school.township if township else None, gender=gender)
            age = age_on(birth, CENSUS[2020])
            self.plan.staff.append(
                StaffPlan(
                    person=person,
                    school=school.code,
                    establishment=self.establishment(school, i in recruits),
                    subject=wordlists.weighted_choice(rng, wordlists.SUBJECTS[level]),
                    title=self.title(age, school),
                    qualification=self.qualification(level, age),
                    postings=postings,
                )
            )

    def establishment(self, school: SchoolPlan, recruit: bool) -> str:
        if school.ownership == Ownership.PRIVATE:
            return Establishment.CONTRACT
        if recruit:
            return Establishment.PERMANENT
        substitute = 0.15 if school.category == SchoolCategory.TEACHING_POINT else 0.04
        roll = self.rng.random()
        if roll < substitute:
            return Establishment.SUBSTITUTE
        return Establishment.CONTRACT if roll < substitute + 0.06 else Establishment.PERMANENT

    def title(self, age: int, school: SchoolPlan) -> str:
        if school.ownership == Ownership.PRIVATE and self.rng.random() < 0.7:
            return Title.NONE
        T = Title
        if age < 25:
            table = ((T.NONE, 70), (T.SECOND, 30))
        elif age <= 30:
            table = ((T.NONE, 20), (T.SECOND, 60), (T.FIRST, 20))
        elif age <= 40:
            table = ((T.SECOND, 35), (T.FIRST, 55), (T.SENIOR, 10))
        elif age <= 50:
            table = ((T.SECOND, 10), (T.FIRST, 50), (T.SENIOR, 40))
        else:
            professor = 2 if school.category in (SchoolCategory.SENIOR, SchoolCategory.COMPLETE_SECONDARY) else 0
            table = ((T.SECOND, 3), (T.FIRST, 40), (T.SENIOR, 55), (T.SENIOR_PROFESSOR, professor))
        return wordlists.weighted_choice(self.rng, table)

    def qualification(self, level: str, age: int) -> str:
        Q = Qualification
        table = {
            Level.PRESCHOOL: ((Q.BACHELOR, 25), (Q.ASSOCIATE, 55), (Q.SECONDARY, 20)),
            Level.PRIMARY: ((Q.BACHELOR, 55), (Q.ASSOCIATE, 40), (Q.SECONDARY, 5)),
            Level.JUNIOR: ((Q.POSTGRADUATE, 2), (Q.BACHELOR, 85), (Q.ASSOCIATE, 13)),
            Level.SENIOR: ((Q.POSTGRADUATE, 12), (Q.BACHELOR, 88)),
            Level.VOCATIONAL: ((Q.POSTGRADUATE, 10), (Q.BACHELOR, 75), (Q.ASSOCIATE, 15)),
            Level.SPECIAL: ((Q.BACHELOR, 60), (Q.ASSOCIATE, 40)),
        }[level]
        if age > 50 and level in (Level.PRESCHOOL, Level.PRIMARY):
            table = ((Q.BACHELOR, 20), (Q.ASSOCIATE, 60), (Q.SECONDARY, 20))
        return wordlists.weighted_choice(self.rng, table)

    def set_capacities(self) -> None:
        for school in self.plan.schools:
            if school.capacity:
                continue
            pupils = sum(self.pupils_2020.get(school.code, {}).values())
            if school.category == SchoolCategory.TEACHING_POINT:
                school.capacity = max(30, math.ceil(pupils * 1.3 / 10) * 10)
            else:
                unit = 30 if school.category == SchoolCategory.KINDERGARTEN else 45
                school.capacity = math.ceil(pupils * self.rng.uniform(1.02, 1.25) / unit) * unit

    def build(self) -> Plan:
        self.build_divisions()
        self.build_schools()
        self.build_teaching_point_endings()
        self.build_events()
        self.build_classes_2020()
        self.build_classes_2015()
        self.build_students_2020()
        self.build_students_2015()
        self.build_population()
        self.build_staff()
        self.set_capacities()
        self.build_outside()  # last: the draws above are those of the plan without it
        check_plan(self.plan, self.figures)
        return self.plan


def build_plan(seed: int = SEED) -> Plan:
    """The whole demo county as plain records, checked against FIGURES."""
    return _Builder(seed).build()


def check_plan(plan: Plan, figures: dict = FIGURES) -> None:
    """Raise AssertionError if the plan does not reproduce the published figures (run before writing)."""
    census20 = CENSUS[2020]
    schools = {s.code: s for s in plan.schools}
    C = SchoolCategory

    def existing(day, *categories, **attrs):
        return sum(
            1
            for s in plan.schools
            if s.exists_on(day) and s.category in categories and all(getattr(s, k) == v for k, v in attrs.items())
        )

    def check(label, found, expected):
        if found != expected:
            raise AssertionError(f"demo plan: {label} is {found}, expected {expected}")

    for year in (2015, 2020):
        day = CENSUS[year]
        check(f"kindergartens {year}", existing(day, C.KINDERGARTEN), figures[f"kindergartens_{year}"])
        check(
            f"public kindergartens {year}",
            existing(day, C.KINDERGARTEN, ownership=Ownership.PUBLIC),
            figures[f"kindergartens_public_{year}"],
        )
    check(
        "inclusive private kindergartens",
        existing(census20, C.KINDERGARTEN, inclusive=True),
        figures["kindergartens_private_inclusive_2020"],
    )
    check("primary schools", existing(census20, C.PRIMARY), figures["primary_schools_2020"])
    check("teaching points", existing(census20, C.TEACHING_POINT), figures["teaching_points_2020"])
    check(
        "junior schools",
        existing(census20, C.JUNIOR, C.NINE_YEAR, C.TWELVE_YEAR, C.COMPLETE_SECONDARY),
        figures["junior_schools_2020"],
    )
    check("teaching points in 2021", existing(CENSUS[2021], C.TEACHING_POINT), 0)

    on_roll = (EnrollmentStatus.ENROLLED, EnrollmentStatus.TRANSFERRED_IN)
    counts: dict[tuple[int, str], int] = {}
    sizes: dict[int, int] = {}
    for row in plan.enrollments:
        if row.is_current and row.status in on_roll:
            key = (row.year, GRADE_LEVEL[row.grade])
            counts[key] = counts.get(key, 0) + 1
            sizes[row.klass] = sizes.get(row.klass, 0) + 1
        if schools[row.school].code != plan.classes[row.klass].school or plan.classes[row.klass].grade != row.grade:
            raise AssertionError("demo plan: an enrolment's class belongs to another school or grade")
    for year, level, key in (
        (2020, Level.PRESCHOOL, "children_2020"),
        (2020, Level.PRIMARY, "primary_pupils_2020"),
        (2020, Level.JUNIOR, "junior_students_2020"),
        (2020, Level.SENIOR, "senior_students_2020"),
        (2020, Level.VOCATIONAL, "vocational_students_2020"),
        (2015, Level.PRESCHOOL, "children_2015"),
        (2015, Level.SENIOR, "senior_students_2015"),
        (2015, Level.VOCATIONAL, "vocational_students_2015"),
    ):
        check(key, counts.get((year, level), 0), figures[key])
    compulsory = [
        i
        for i, k in enumerate(plan.classes)
        if k.year == 2020 and GRADE_LEVEL[k.grade] in (Level.PRIMARY, Level.JUNIOR)
    ]
    large = sum(1 for i in compulsory if sizes.get(i, 0) >= LARGE_CLASS)
    check("large-class percentage", percent_2dp(large, len(compulsory)), figures["large_class_percent_2020"])
    for i, klass in enumerate(plan.classes):
        if sizes.get(i, 0) != klass.size:
            raise AssertionError(f"demo plan: class {i} has {sizes.get(i, 0)} pupils on roll, planned {klass.size}")
