"""The two figures of issue 15 item 6, each with its own definition, on the hand-made county of .county:

- 小学/初中净入学率 by the statistics definition (domain-rules 1.3): the pupils of the age band counted at the
  schools (on the roll, at that level or higher) over the register's children of the band;
- 义务教育适龄儿童少年入学率（户籍比对）, the 控辍保学 figure: the register's children of 6-14 matched by ID number to a
  roll of the county or to the list of children verified as enrolled outside it, over the same register.

The county's figures before each test (see test_engine): primary_ner 68 / 9, junior_ner 62 / 5 (its schools teach
many pupils who are not on its small register), compulsory_enrolment_rate 10 / 14. Each test adds a few people and
checks what moves.
"""

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from html import unescape as html_unescape

import pytest
from django.test import Client

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.audit import audit_context
from emis.indicators.definitions import REGISTRY
from emis.indicators.engine import evaluate
from emis.indicators.models import IndicatorSnapshot
from emis.indicators.selectors import trend, year_figures
from emis.indicators.services import data_version, definitions_version, snapshot_publish
from emis.population.models import OutsideEnrollment
from emis.students.models import Enrollment
from emis.students.services import enrollment_change_status
from emis.testing import id_for, make_population, make_student

from .county import born

pytestmark = pytest.mark.django_db

CODES = ("primary_ner", "junior_ner", "compulsory_enrolment_rate")
BASE = {"primary_ner": (68, 9), "junior_ner": (62, 5), "compulsory_enrolment_rate": (10, 14)}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def parts(user=None, **dimensions) -> dict:
    evaluation = evaluate(user, 2020, codes=CODES, by=tuple(dimensions))
    return {
        code: (evaluation.get(code, **dimensions).numerator, evaluation.get(code, **dimensions).denominator)
        for code in CODES
    }


def moved(found: dict) -> dict:
    """What changed against the county's figures: {code: (numerator change, denominator change)}."""
    return {
        code: (found[code][0] - BASE[code][0], found[code][1] - BASE[code][1])
        for code in CODES
        if found[code] != BASE[code]
    }


def pupil(ic, school: str, grade: str, *, birth: dt.date, status="enrolled", area="421224", gender=GENDER_MALE):
    """A pupil on a 2020 roll (any status); `area` is the county of the ID number (a migrant's is another)."""
    with audit_context():
        student = make_student(
            f"测{school}{grade}", ic.schools[school], birth=birth, gender=gender, id_number=id_for(birth, gender, area)
        )
        Enrollment.objects.create(
            student=student,
            school=ic.schools[school],
            school_year=ic.year,
            grade=grade,
            status=status,
            status_date=ic.year.census_date,
        )
    return student


def registered(ic, *, birth: dt.date, student=None, township=None):
    with audit_context():
        return make_population(
            "登记", ic.year, township or ic.township_a, birth=birth, id_number=student.id_number if student else None
        )


def outside(ic, person):
    with audit_context():
        OutsideEnrollment.objects.create(
            school_year=ic.year,
            name=person.name,
            id_number=person.id_number,
            hukou_township=person.hukou_township,
            school_name="武汉市育才小学",
            region="湖北省武汉市",
            verified_on=dt.date(2020, 9, 20),
        )


def test_the_county_as_built(ic):
    assert parts() == BASE
    # 68 pupils of 6-11 at primary or higher: P1 55 + 1, TP 3, P2 4, N9 2 (one 转入), N9's early 七年级 pupil, PP 2;
    # 62 of 12-14 at junior or higher: N9 2, S12 七年级 56, c7 in 八年级, c1 c2 j1 in 九年级 (j2 休学 is not).
    values = evaluate(None, 2020, codes=CODES)
    assert values.value("primary_ner") == Decimal("755.56")  # a net rate over 100 %: the register lacks pupils
    assert values.value("compulsory_enrolment_rate") == Decimal("71.43")


def test_a_migrant_pupil_counts_in_the_net_numerator_not_in_the_register_share(ic):
    pupil(ic, "P2", "P3", birth=born(8), area="421223")  # 崇阳县's ID number, on no register of ours
    pupil(ic, "N9", "J2", birth=born(13), area="421223")
    assert moved(parts()) == {"primary_ner": (1, 0), "junior_ner": (1, 0)}


def test_a_local_child_verified_outside_counts_in_the_register_share_not_in_the_net_numerator(ic):
    person = registered(ic, birth=born(9))
    outside(ic, person)
    assert moved(parts()) == {"primary_ner": (0, 1), "compulsory_enrolment_rate": (1, 1)}
    # Not verified outside and on no roll: a child out of school, in the denominators only.
    registered(ic, birth=born(13))
    assert moved(parts()) == {"primary_ner": (0, 1), "junior_ner": (0, 1), "compulsory_enrolment_rate": (1, 2)}


def test_a_suspended_pupil_counts_in_neither_numerator(ic):
    student = pupil(ic, "S12", "J2", birth=born(13), status="suspended")
    registered(ic, birth=born(13), student=student)
    assert moved(parts()) == {"junior_ner": (0, 1), "compulsory_enrolment_rate": (0, 1)}
    # A dropout likewise; a pupil who moved in (转入) is on the roll.
    dropout = pupil(ic, "P1", "P4", birth=born(9), status="dropped_out")
    registered(ic, birth=born(9), student=dropout)
    arrived = pupil(ic, "P1", "P4", birth=born(9), status="transferred_in")
    registered(ic, birth=born(9), student=arrived)
    assert moved(parts()) == {"primary_ner": (1, 2), "junior_ner": (0, 1), "compulsory_enrolment_rate": (1, 3)}


def test_an_early_entrant_in_junior_counts_for_the_primary_net_rate(ic):
    early = pupil(ic, "S12", "J1", birth=born(11))
    registered(ic, birth=born(11), student=early)
    # Of the primary band, at a higher level: in 小学's numerator, not in 初中's (not of its band).
    assert moved(parts()) == {"primary_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}
    # A child of the junior band still in primary school does not count for 初中 (a lower level), nor for 小学.
    late = pupil(ic, "P1", "P6", birth=born(12))
    registered(ic, birth=born(12), student=late)
    assert moved(parts()) == {"primary_ner": (1, 1), "junior_ner": (0, 1), "compulsory_enrolment_rate": (2, 2)}
    # A six-year-old still in kindergarten is of the primary band but below its level: only the register share.
    kindergarten = pupil(ic, "KA", "K3", birth=born(6))
    registered(ic, birth=born(6), student=kindergarten)
    assert moved(parts()) == {"primary_ner": (1, 2), "junior_ner": (0, 1), "compulsory_enrolment_rate": (3, 3)}


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        # 6 周岁 on the census date 2020-09-01 when born on or before 2014-09-01.
        (dt.date(2014, 9, 1), {"primary_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}),
        (dt.date(2014, 8, 31), {"primary_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}),
        (dt.date(2014, 9, 2), {}),  # 5 on the census date: in neither band
        # 11 on the census date (born after 2008-09-01) is the primary band's oldest; 12 is junior's youngest.
        (dt.date(2008, 9, 2), {"primary_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}),
        (dt.date(2008, 9, 1), {"junior_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}),
        # 14 is the junior band's oldest; 15 on the census date is past it.
        (dt.date(2005, 9, 2), {"junior_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}),
        (dt.date(2005, 9, 1), {}),
    ],
)
def test_age_bands_are_full_years_on_the_census_date(ic, birth, expected):
    # A pupil at S12 in 七年级 (higher than primary, the junior level): on the roll of both bands' levels.
    student = pupil(ic, "S12", "J1", birth=birth)
    registered(ic, birth=birth, student=student)
    assert moved(parts()) == expected


def test_a_child_on_a_roll_and_on_the_outside_list_counts_once(ic):
    student = pupil(ic, "P1", "P4", birth=born(9))
    person = registered(ic, birth=born(9), student=student)
    outside(ic, person)  # an out-of-date outside record: the child is back at school in the county
    assert moved(parts()) == {"primary_ner": (1, 1), "compulsory_enrolment_rate": (1, 1)}
    rows = evaluate(None, 2020, codes=["compulsory_enrolment_rate"]).get("compulsory_enrolment_rate")
    assert (rows.numerator, rows.denominator) == (11, 15)


def test_by_township_the_net_numerator_is_the_schools_and_the_register_share_the_households(ic):
    # A child of 南林桥镇 (B) at school in 通羊镇 (A): A's net numerator, B's denominators and B's register share.
    student = pupil(ic, "P1", "P4", birth=born(9), gender=GENDER_FEMALE)
    registered(ic, birth=born(9), student=student, township=ic.township_b)
    a, b = "421224100", "421224101"
    evaluation = evaluate(None, 2020, codes=CODES, by="township")
    assert (
        evaluation.get("primary_ner", township=a).numerator,
        evaluation.get("primary_ner", township=a).denominator,
    ) == (62, 6)
    assert (
        evaluation.get("primary_ner", township=b).numerator,
        evaluation.get("primary_ner", township=b).denominator,
    ) == (7, 4)
    share = evaluation.get("compulsory_enrolment_rate", township=b)
    assert (share.numerator, share.denominator) == (4, 4)  # KB6, N9's two 11-year-olds and the new child
    assert sum(row.numerator for row in evaluation.rows("primary_ner", "township")) == 69


def test_a_township_user_sees_its_schools_pupils_over_its_households_children(ic):
    found = parts(ic.users["township_a"])
    # 通羊镇's schools: P1 55 + 1, TP 3, PP 2 of 6-11; S12's 56 + 1 + 3 of 12-14. Its register: 6 and 5 of the bands.
    assert found["primary_ner"] == (61, 6)
    assert found["junior_ner"] == (60, 5)
    # Its register's children of 6-14 in school anywhere in the county: P1's three, its 12-year-old, S12's two, c1.
    assert found["compulsory_enrolment_rate"] == (7, 11)


def test_each_formula_states_its_definition(ic):
    rules = evaluate(None, 2020, codes=["primary_ner"]).rules
    net = REGISTRY["primary_ner"].formula_text(rules)
    assert "6–11 周岁" in net and "随迁子女" in net and "县外就读的本县儿童" in net and "休学者不计" in net
    assert "初中" in net  # the early entrant
    share = REGISTRY["compulsory_enrolment_rate"].formula_text(rules)
    assert "6–14 周岁" in share and "县外就读" in share and "不含外县户籍的随迁子女" in share
    assert REGISTRY["compulsory_enrolment_rate"].source_text.endswith("县外就读经核实的计为在校")


# Published snapshots and the dashboard ----------------------------------------------------------------------------


def test_a_published_snapshot_agrees_with_the_live_figures(ic):
    admin = ic.users["admin"]
    snapshot = snapshot_publish(school_year=ic.year, acting_user=admin, division_code="421224")
    assert snapshot.values["revisions"]["primary_ner"] == REGISTRY["primary_ner"].revision == 2
    frozen, live = year_figures(admin, 2020, "421224"), year_figures(admin, 2020, "421224", live=True)
    assert frozen.published and not frozen.revised
    for code in CODES:
        assert (frozen.numerator(code), frozen.denominator(code)) == (live.numerator(code), live.denominator(code))
        assert frozen.rows(code, "township") == live.rows(code, "township")


def test_a_snapshot_frozen_under_the_earlier_definition_does_not_stand_for_todays(ic):
    """Published before the net rates followed the statistics definition: its register-matched 5 / 9 is not today's
    净入学率, so the dashboard, the trend and the targets read it as no data (and say why) until republished."""
    admin = ic.users["admin"]
    old = {"dimensions": {}, "unit": "percent"}
    IndicatorSnapshot.objects.create(
        school_year=ic.year,
        division_code="421224",
        version=1,
        data_version="c1-e1-p1-s1",
        values={
            "year": 2020,
            "census_date": "2020-09-01",
            "values": [
                {**old, "code": "primary_ner", "value": "55.56", "numerator": 5, "denominator": 9},
                {**old, "code": "preschool_ger", "value": "120.00", "numerator": 6, "denominator": 5},
            ],
        },
    )
    figures = year_figures(admin, 2020, "421224")
    assert figures.published and figures.revised == {"primary_ner"}
    assert figures.get("primary_ner").value is None and figures.numerator("primary_ner") is None
    assert figures.value("preschool_ger") == Decimal("120.00")  # unchanged definition: the frozen value stands
    assert [point["value"] for point in trend(admin, "primary_ner", "421224")] == [None]
    assert [point["value"] for point in trend(admin, "preschool_ger", "421224")] == [Decimal("120.00")]
    html = client_for(admin).get("/indicators/", {"year": 2020, "division": "421224"}).content.decode()
    assert "小学学龄儿童净入学率" in html.split('data-testid="revised-definitions"')[1].split("</div>")[0]
    # Republished: today's definition.
    snapshot_publish(school_year=ic.year, acting_user=admin, division_code="421224")
    assert year_figures(admin, 2020, "421224").numerator("primary_ner") == 68


def test_the_definitions_version_is_part_of_the_data_version(ic, monkeypatch):
    """What is cached on the data version (an annual report's draft) is redrafted when a definition is revised."""
    before = data_version()
    assert before.endswith(f"-d{definitions_version()}")
    monkeypatch.setitem(REGISTRY, "junior_ner", replace(REGISTRY["junior_ner"], revision=3))
    assert data_version() != before


def test_the_dashboard_shows_both_figures_each_with_its_formula(ic):
    page = client_for(ic.users["admin"]).get("/indicators/", {"year": 2020, "division": "421224", "live": "1"})
    assert page.status_code == 200
    section = page.content.decode().split('data-testid="enrolment-rates"')[1].split("</table>")[0]
    rows = dict(re.findall(r'<tr data-code="(\w+)">(.*?)</tr>', section, re.S))
    assert list(rows) == list(CODES)
    text = {code: " ".join(re.sub(r"<[^>]+>", " ", row).split()) for code, row in rows.items()}
    assert "755.56% 68 / 9" in text["primary_ner"]
    assert "1240.00% 62 / 5" in text["junior_ner"]
    assert "71.43% 10 / 14" in text["compulsory_enrolment_rate"]
    rules = evaluate(None, 2020, codes=["kg_count"]).rules
    for code in CODES:
        formula = re.search(r'data-testid="enrolment-rate-formula">(.*?)</td>', rows[code], re.S).group(1)
        assert html_unescape(formula) == REGISTRY[code].formula_text(rules)
    # A school's account has no register to compare: no such section.
    school = client_for(ic.users["school_p1"]).get("/indicators/", {"year": 2020}).content.decode()
    assert 'data-testid="enrolment-rates"' not in school


def test_the_data_version_moves_with_any_recorded_write_and_reads_one_index(ic, django_assert_num_queries):
    """The version is the last change record (every write path leaves one: tests/test_write_paths.py). Reading it is
    one query, whatever the size of the rolls: it counts no table (the annual report's polls read it)."""
    with django_assert_num_queries(1):
        before = data_version()
    assert data_version() == before  # a read changes nothing
    enrollment = Enrollment.objects.filter(is_current=True).select_related("student").first()
    with audit_context():
        enrollment_change_status(enrollment=enrollment, status="suspended", status_date=dt.date(2021, 3, 1))
    after = data_version()
    assert after != before
    assert int(re.match(r"c(\d+)-", after)[1]) > int(re.match(r"c(\d+)-", before)[1])
