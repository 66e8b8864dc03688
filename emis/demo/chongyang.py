"""崇阳县 (421223), the demo's second county: a smaller synthetic county beside 通山县 in 咸宁市.

It is made by the 通山县 generator (emis.demo.tongshan: `_Builder`, driven by a `CountySpec`) from its own seed,
with its own schools (`build_schools`) and its own figures. Nothing here is published: 崇阳县 is real, but its
townships are six of its twelve and its pupils about a third of 通山县's, so that the demo loads fast and a
city (咸宁市) account has two counties to compare. `build_plan()` checks the plan against `FIGURES` as 通山's does.
"""

from __future__ import annotations

from decimal import Decimal

from emis.core.crypto import blind_index
from emis.orgs.choices import Ownership, SchoolCategory, UrbanRural
from emis.students.choices import Level

from . import names as wordlists
from .tongshan import CENSUS, CountySpec, Plan, _Builder

SEED = 421223
COUNTY_CODE = "421223"
COUNTY_NAME = "崇阳县"

# Synthetic figures (not published): about a third of 通山县's, rates of the same order.
FIGURES = {
    "kindergartens_2015": 29,
    "kindergartens_public_2015": 7,
    "kindergartens_private_2015": 22,
    "kindergartens_2020": 32,
    "kindergartens_public_2020": 8,
    "kindergartens_private_2020": 24,
    "kindergartens_private_inclusive_2020": 15,
    "primary_schools_2020": 18,
    "teaching_points_2020": 20,
    "junior_schools_2020": 9,
    "twelve_year_schools_2020": 0,
    "teaching_points_merged_2021": 15,
    "teaching_points_upgraded_2021": 5,
    "children_2020": 5400,
    "primary_pupils_2020": 14900,
    "junior_students_2020": 6570,
    "senior_students_2020": 1720,
    "vocational_students_2020": 790,
    "population_3_5_2020": 5950,
    "population_15_17_2020": 2570,
    "large_class_percent_2020": Decimal("2.40"),
    "children_2015": 4700,
    "population_3_5_2015": 5530,
    "senior_students_2015": 1180,
    "vocational_students_2015": 420,
    "population_15_17_2015": 1750,
    "recruited_rural_compulsory_2016_2020": 380,
    "recruited_kindergarten_2016_2020": 20,
    "recruited_senior_vocational_special_2016_2020": 45,
}

# (code, name, short name, communities, villages, village primary schools, teaching points, nine-year schools)
TOWNSHIPS = (
    ("421223100", "天城镇", "天城", 6, 8, 1, 2, 0),
    ("421223101", "沙坪镇", "沙坪", 1, 10, 2, 4, 1),
    ("421223104", "白霓镇", "白霓", 1, 10, 2, 4, 0),
    ("421223105", "路口镇", "路口", 1, 9, 2, 4, 1),
    ("421223107", "青山镇", "青山", 1, 9, 2, 3, 0),
    ("421223202", "港口乡", "港口", 0, 8, 1, 3, 0),
)
TIANCHENG = "421223100"
RURAL_TOWNSHIPS = tuple(t[0] for t in TOWNSHIPS if t[0] != TIANCHENG)

CHONGYANG = CountySpec(
    code=COUNTY_CODE,
    name=COUNTY_NAME,
    townships=TOWNSHIPS,
    seat=TIANCHENG,
    figures=FIGURES,
    communities={TIANCHENG: ("城关", "河东", "北门", "南门", "东门", "西湖")},
    # Not 通山县 (421224): its people's numbers are stored beside these, and only its migrants' are checked.
    other_counties=("421202", "421221", "421222", "421281", "420111", "420106", "420222"),
    # 学校标识码 serials from 100001 (通山县's are below 10000).
    school_code_block=100_000,
    moves={"transfers": 12, "suspended": 9, "dropped_out_junior": 3, "dropped_out_vocational": 2, "moved_out": 7},
)


class _ChongyangBuilder(_Builder):
    def __init__(self, seed: int, taken_hashes):
        super().__init__(seed, CHONGYANG)
        self.taken_hashes = taken_hashes

    def new_id(self, area, birth, gender) -> str:
        # ID numbers are unique across the deployment: 通山县's plan gives some of its migrants and staff 崇阳县
        # numbers, and both counties draw migrants from the same other counties. Those already stored are redrawn.
        while True:
            id_number = super().new_id(area, birth, gender)
            if not self.taken_hashes or blind_index(id_number) not in self.taken_hashes:
                return id_number

    def build_schools(self) -> None:
        rng = self.rng
        K, P, J, S, V = Level.PRESCHOOL, Level.PRIMARY, Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL
        C = SchoolCategory
        URBAN, TOWN = UrbanRural.URBAN, UrbanRural.TOWN
        info = self.township_info
        seat = TIANCHENG

        def tname(code):
            return info[code]["name"]

        # --- county-level schools in the county seat
        self.add_school("34", "崇阳县第一中学", C.SENIOR, seat, URBAN, 1939, weights={S: 1000}, weights_2015={S: 900})
        self.add_school(
            "34", "崇阳县第二高级中学", C.SENIOR, seat, URBAN, 1978, weights={S: 700}, weights_2015={S: 600}
        )
        self.add_school(
            "36", "崇阳县职业教育中心", C.VOCATIONAL, seat, URBAN, 1983, weights={V: 1}, weights_2015={V: 1}
        )
        self.add_school("51", "崇阳县特殊教育学校", C.SPECIAL, seat, URBAN, 2013, capacity=90)
        self.add_school("31", "崇阳县实验中学", C.JUNIOR, seat, URBAN, 1956, weights={J: 1500})
        self.add_school("31", "崇阳县天城中学", C.JUNIOR, seat, URBAN, 1972, weights={J: 1100})
        for name, weight, opened in (
            ("崇阳县实验小学", 2200, 1950),
            ("崇阳县天城一小", 1800, 1958),
            ("崇阳县天城二小", 1500, 1990),
        ):
            self.add_school("21", name, C.PRIMARY, seat, URBAN, opened, weights={P: weight})

        # --- township schools: a central primary school and a middle school in each township seat
        for code, _name, _short, _c, _v, n_village_primaries, _points, n_nine in TOWNSHIPS:
            if code != seat:
                self.add_school(
                    "21",
                    f"崇阳县{tname(code)}中心小学",
                    C.PRIMARY,
                    code,
                    TOWN,
                    rng.randint(1950, 1970),
                    weights={P: rng.randint(900, 1400)},
                )
                self.add_school(
                    "31",
                    f"崇阳县{tname(code)}中学",
                    C.JUNIOR,
                    code,
                    TOWN,
                    rng.randint(1958, 1975),
                    weights={J: rng.randint(600, 1000)},
                )
            self.add_village_schools(code, n_village_primaries, n_nine)

        self.add_teaching_points(TOWNSHIPS)

        # --- kindergartens: 8 public (one opened 2017), 24 private (2 opened 2016-2020, 15 inclusive)
        self.add_school("11", "崇阳县实验幼儿园", C.KINDERGARTEN, seat, URBAN, 1980, weights={K: 520})
        self.add_school("11", "崇阳县机关幼儿园", C.KINDERGARTEN, seat, URBAN, 1992, weights={K: 360})
        self.add_school("11", "崇阳县第二实验幼儿园", C.KINDERGARTEN, seat, URBAN, 2017, weights={K: 400})
        for code in RURAL_TOWNSHIPS:
            self.add_school(
                "11",
                f"崇阳县{tname(code)}中心幼儿园",
                C.KINDERGARTEN,
                code,
                TOWN,
                rng.randint(1988, 2012),
                weights={K: rng.randint(200, 300)},
            )
        private_places = [seat] * 14
        for code, n in zip(RURAL_TOWNSHIPS, (2, 2, 2, 2, 2), strict=True):
            private_places += [code] * n
        kg_names = list(wordlists.KINDERGARTEN_NAMES)
        rng.shuffle(kg_names)
        new_private = set(rng.sample(range(len(private_places)), 2))
        inclusive = set(rng.sample(range(len(private_places)), 15))
        for i, code in enumerate(private_places):
            urban = code == seat
            label = kg_names.pop()
            name = f"崇阳县{label}幼儿园" if urban else f"崇阳县{tname(code)}{label}幼儿园"
            year = rng.randint(2016, 2020) if i in new_private else rng.randint(2000, 2014)
            opened = CENSUS[2015].replace(year=year, month=rng.choice((3, 9)))
            self.add_school(
                "11",
                name,
                C.KINDERGARTEN,
                code,
                URBAN if urban else TOWN,
                opened,
                ownership=Ownership.PRIVATE,
                inclusive=i in inclusive,
                weights={K: rng.randint(150, 380) if urban else rng.randint(80, 200)},
            )

        for school in self.plan.schools:
            if school.category == C.KINDERGARTEN and school.exists_on(CENSUS[2015]):
                school.weights_2015 = {K: school.weights[K] * rng.uniform(0.8, 1.1)}


def build_plan(seed: int = SEED, *, taken_hashes: frozenset[str] | set[str] = frozenset()) -> Plan:
    """The whole 崇阳县 demo county as plain records, checked against FIGURES. `taken_hashes`: keyed hashes
    (emis.core.crypto.blind_index) of ID numbers already stored, which this plan does not draw again."""
    return _ChongyangBuilder(seed, taken_hashes).build()
