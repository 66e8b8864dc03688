"""Areas above the county (issue 12): the hand-made 通山县 of .county and a second county, 崇阳县, in 咸宁市.

    崇阳县 421223
      天城镇 421223100
        KY  public kindergarten   中班 2 children aged 4 and 5       学位 60
        PY  public primary        一年级 3 pupils aged 6              学位 90   staff: 1
    Register 2020 (天城镇): the two kindergarten children, two 3-year-olds not in school, the three 6-year-olds.

So 毛入园率: 通山 6 / 5 = 120.00 %, 崇阳 2 / 4 = 50.00 %, 咸宁市 (6 + 2) / (5 + 4) = 88.89 % (never the average 85 %).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from emis.core.access import Role
from emis.core.audit import audit_context
from emis.indicators.engine import evaluate
from emis.indicators.models import IndicatorSnapshot, PlanTarget
from emis.indicators.services import snapshot_publish
from emis.orgs.models import Division
from emis.students.models import SchoolClass
from emis.testing import (
    make_division,
    make_enrollment,
    make_population,
    make_school,
    make_staff,
    make_student,
    make_user,
    module_db,
)

from .county import born, build_indicator_county

pytestmark = pytest.mark.django_db

TONGSHAN, CHONGYANG, CITY = "421224", "421223", "4212"


def build_two_counties():
    from emis.staff.models import Posting

    c = build_indicator_county()
    with audit_context():
        city = Division.objects.get(code=CITY)
        c.county_b = make_division(CHONGYANG, "崇阳县", "county", city)
        c.township_y = make_division("421223100", "天城镇", "township", c.county_b)
        ky = make_school("1142990001", "天城幼儿园", "kindergarten", c.township_y, capacity=60, ownership="public")
        py = make_school("2142990001", "天城小学", "primary", c.township_y, capacity=90)
        c.schools.update(KY=ky, PY=py)
        for school, grade, ages in ((ky, "K2", (4, 5)), (py, "P1", (6, 6, 6))):
            klass = SchoolClass.objects.create(school=school, school_year=c.year, grade=grade, name="1班")
            for age in ages:
                student = make_student("崇阳学生", school, birth=born(age))
                make_enrollment(student, klass)
                make_population("崇阳学生", c.year, c.township_y, birth=student.birth_date, id_number=student.id_number)
        for _ in range(2):
            make_population("未入园", c.year, c.township_y, birth=born(3))
        teacher = make_staff("崇阳教师", py, birth=dt.date(1985, 5, 5))
        Posting.objects.create(staff=teacher, school=py, kind="recruitment", start_date=dt.date(2010, 9, 1))
        c.users.update(
            city=make_user("ind_city", Role.CITY, divisions=[city]),
            leader_b=make_user("ind_leader_b", Role.LEADER, divisions=[c.county_b]),
            inspector=make_user("ind_inspector", Role.INSPECTOR, schools=[c.schools["P1"], c.schools["KB"]]),
        )
    return c


@pytest.fixture(scope="module")
def two_counties_data(django_db_setup, django_db_blocker):
    with module_db(django_db_blocker, build_two_counties) as data:
        yield data


@pytest.fixture
def tc(two_counties_data, db):
    return copy.deepcopy(two_counties_data)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _close(a, b) -> bool:
    """Apportioned staff are rounded to two decimals per row: sums may differ from the total by a cent a row."""
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(Decimal(a) - Decimal(b)) <= Decimal("0.02")
    return a == b


# The engine ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "city"])
def test_county_rows_add_up_to_the_citys_total_for_every_indicator(tc, who):
    evaluation = evaluate(tc.users[who], 2020, by="county")
    assert evaluation.division is None
    checked = 0
    for code, total in evaluation.totals().items():
        rows = evaluation.rows(code, "county")
        if "county" not in total.indicator.dimensions:
            assert rows == []
            continue
        assert {row.dimensions["county"] for row in rows} <= {TONGSHAN, CHONGYANG}, code
        for part in ("numerator", "denominator"):
            values = [getattr(row, part) for row in rows if getattr(row, part) is not None]
            if getattr(total, part) is None:
                assert values == [], code
            else:
                assert _close(sum(values), getattr(total, part)), (code, part)
        checked += 1
    assert checked > 20


def test_the_citys_rate_is_the_ratio_of_the_sums_never_the_average(tc):
    evaluation = evaluate(tc.users["city"], 2020, by="county")
    tongshan = evaluation.get("preschool_ger", county=TONGSHAN)
    chongyang = evaluation.get("preschool_ger", county=CHONGYANG)
    assert (tongshan.value, tongshan.numerator, tongshan.denominator) == (Decimal("120.00"), 6, 5)
    assert (chongyang.value, chongyang.numerator, chongyang.denominator) == (Decimal("50.00"), 2, 4)
    assert tongshan.dimensions["county_name"] == "通山县" and chongyang.dimensions["county_name"] == "崇阳县"
    city = evaluation.get("preschool_ger")
    assert (city.value, city.numerator, city.denominator) == (Decimal("88.89"), 8, 9)
    assert city.value != (tongshan.value + chongyang.value) / 2  # 85.00
    # By county: pupils of the band at the county's schools (net rate), the register matched to the rolls.
    assert evaluation.get("primary_ner", county=CHONGYANG).numerator == 3
    assert evaluation.get("primary_ner").numerator == 68 + 3
    assert evaluation.get("compulsory_enrolment_rate", county=TONGSHAN).numerator == 10
    assert evaluation.get("compulsory_enrolment_rate").numerator == 10 + 3
    assert evaluation.value("kg_count", county=CHONGYANG) == 1 and evaluation.value("kg_count") == 4
    # The cohort (by the school entered in 2012): 通山's only.
    assert [row.dimensions["county"] for row in evaluation.rows("compulsory_retention", "county")] == [TONGSHAN]


def test_a_registered_child_at_school_in_the_other_county_counts_for_the_county_of_the_register(tc):
    """The 控辍保学 figure matches the register to a roll anywhere in the deployment. Narrowed to one county, its own
    pupils are matched among themselves and the other numbers looked up everywhere: both ways count the same."""
    klass = SchoolClass.objects.filter(school=tc.schools["P1"], school_year=tc.year).first()
    with audit_context():
        pupil = make_student("崇阳户籍在通山读书", tc.schools["P1"], birth=born(7))
        make_enrollment(pupil, klass)
        make_population("崇阳户籍在通山读书", tc.year, tc.township_y, birth=pupil.birth_date, id_number=pupil.id_number)
    narrowed = evaluate(tc.users["leader_b"], 2020).get("compulsory_enrolment_rate")
    assert (narrowed.numerator, narrowed.denominator) == (3 + 1, 3 + 1)
    whole = evaluate(tc.users["admin"], 2020, by="county").get("compulsory_enrolment_rate", county=CHONGYANG)
    assert (whole.numerator, whole.denominator) == (narrowed.numerator, narrowed.denominator)
    # The city narrowed to 崇阳 by division, as the dashboard's area picker asks.
    picked = evaluate(tc.users["city"], 2020, division=CHONGYANG).get("compulsory_enrolment_rate")
    assert picked.numerator == 4


def test_a_county_leader_computes_their_county_only(tc):
    evaluation = evaluate(tc.users["leader_b"], 2020, by="county", division=TONGSHAN)
    assert evaluation.value("kg_count") == 0
    mine = evaluate(tc.users["leader_b"], 2020, by="county")
    assert [row.dimensions["county"] for row in mine.rows("preschool_ger", "county")] == [CHONGYANG]
    assert mine.get("preschool_ger").numerator == 2


# The dashboards --------------------------------------------------------------------------------------------------


def _card(html: str, code: str) -> str:
    return html.split(f'data-code="{code}"')[1][:400]


def test_a_city_user_sees_the_city_aggregated_and_per_county(tc):
    page = client_for(tc.users["city"]).get("/indicators/", {"year": 2020})
    assert page.status_code == 200
    html = page.content.decode()
    assert "指标看板 · 咸宁市" in html
    assert "88.89" in _card(html, "preschool_ger")
    table = html.split('data-testid="breakdown-table"')[1].split("</table>")[0]
    assert "通山县" in table and "崇阳县" in table and "120.00" in table and "50.00" in table
    # Drill-down: each county's row links to its dashboard.
    assert f"division={TONGSHAN}" in table and f"division={CHONGYANG}" in table
    assert page.context["breakdown"] == "county"
    assert [row["code"] for row in page.context["township_chart"]] == [CHONGYANG, TONGSHAN]


def test_drilling_down_city_county_township_school(tc):
    client = client_for(tc.users["city"])
    county = client.get("/indicators/", {"year": 2020, "division": TONGSHAN}).content.decode()
    assert "指标看板 · 通山县" in county and "120.00" in _card(county, "preschool_ger")
    assert 'data-testid="breadcrumbs"' in county and f"division={CITY}" in county.split('data-testid="breadcrumbs"')[1]
    table = county.split('data-testid="breakdown-table"')[1].split("</table>")[0]
    assert "通羊镇" in table and f"division={tc.township_a.code}" in table and "崇阳县" not in table
    township = client.get("/indicators/", {"year": 2020, "division": tc.township_a.code, "chart": "kg_count"})
    html = township.content.decode()
    assert township.context["breakdown"] == "school"
    table = html.split('data-testid="breakdown-table"')[1].split("</table>")[0]
    assert "KA学校" in table and f"/orgs/school/{tc.schools['KA'].pk}/" in table and "KB学校" not in table


def test_a_county_leader_never_sees_the_other_county(tc):
    client = client_for(tc.users["leader_b"])
    assert client.get("/indicators/", {"year": 2020, "division": TONGSHAN}).status_code == 404
    assert client.get("/indicators/", {"year": 2020, "division": CITY}).status_code == 404
    assert client.get("/indicators/code/preschool_ger/", {"year": 2020, "division": TONGSHAN}).status_code == 404
    assert client.get("/indicators/screen/", {"year": 2020, "division": TONGSHAN}).status_code == 404
    own = client.get("/indicators/", {"year": 2020})
    html = own.content.decode()
    assert "指标看板 · 崇阳县" in html and "50.00" in _card(html, "preschool_ger")
    assert "通山县" not in html and "120.00" not in html and "88.89" not in html
    assert own.context["breakdown"] == "township"


def test_a_school_accounts_heading_names_its_schools(tc):
    page = client_for(tc.users["school_p1"]).get("/indicators/", {"year": 2020})
    html = page.content.decode()
    assert "指标看板 · P1学校" in html and "指标看板 · 通山县" not in html and "指标看板 · 咸宁市" not in html
    inspector = client_for(tc.users["inspector"]).get("/indicators/", {"year": 2020}).content.decode()
    assert "指标看板 · P1学校、KB学校" in inspector or "指标看板 · KB学校、P1学校" in inspector


def test_the_admin_sees_the_deployments_area(tc):
    page = client_for(tc.users["admin"]).get("/indicators/", {"year": 2020})
    assert "指标看板 · 咸宁市" in page.content.decode() and page.context["breakdown"] == "county"


def test_the_city_dashboard_runs_a_bounded_number_of_queries(tc):
    client = client_for(tc.users["city"])
    client.get("/indicators/", {"year": 2020})
    with CaptureQueriesContext(connection) as first:
        client.get("/indicators/", {"year": 2020})
    # A third county adds no query: one evaluation by county, not one per county.
    with audit_context():
        extra = make_division("421281", "赤壁市", "county", Division.objects.get(code=CITY))
        town = make_division("421281100", "蒲圻街道", "township", extra)
        kg = make_school("1142990009", "赤壁幼儿园", "kindergarten", town)
        klass = SchoolClass.objects.create(school=kg, school_year=tc.year, grade="K1", name="1班")
        make_enrollment(make_student("赤壁幼儿", kg, birth=born(3)), klass)
    with CaptureQueriesContext(connection) as second:
        page = client.get("/indicators/", {"year": 2020})
    assert "赤壁市" in page.content.decode()
    assert len(second) == len(first)
    # Session and scope 5, snapshot and years 3, one evaluation by county and the schools' attributes ~40 (see
    # test_engine's count), targets, trend, the area's name: no query per county or per card.
    assert len(first) <= 60


# Snapshots and targets per division --------------------------------------------------------------------------------


def test_publishing_for_the_city_freezes_the_counties(tc):
    snapshot = snapshot_publish(school_year=tc.year, acting_user=tc.users["admin"], division_code=CITY)
    assert snapshot.values["by"][0] == "county"
    counties = {
        v["dimensions"]["county"]: v["value"]
        for v in snapshot.values["values"]
        if v["code"] == "preschool_ger" and "county" in v["dimensions"]
    }
    assert counties == {TONGSHAN: Decimal("120.00"), CHONGYANG: Decimal("50.00")}
    county = snapshot_publish(school_year=tc.year, acting_user=tc.users["admin"], division_code=TONGSHAN)
    assert "county" not in county.values["by"] and "township" in county.values["by"]
    page = client_for(tc.users["city"]).get("/indicators/", {"year": 2020})
    assert "已发布（第 1 版）" in page.content.decode()
    assert [row["code"] for row in page.context["township_chart"]] == [CHONGYANG, TONGSHAN]
    # The county leader of 崇阳 does not read the city's snapshot (not in scope) nor 通山's.
    assert not IndicatorSnapshot.objects.for_user(tc.users["leader_b"]).exists()


def test_targets_are_read_for_the_division_shown(tc):
    for code, value in ((CITY, "90"), (TONGSHAN, "95")):
        PlanTarget.objects.create(
            division_code=code, indicator="preschool_ger", baseline_year=2020, target_year=2025, value=Decimal(value)
        )
    client = client_for(tc.users["city"])
    city = client.get("/indicators/", {"year": 2020})
    assert [str(p.target.value) for p in city.context["progress"]] == ["90.00"]
    county = client.get("/indicators/", {"year": 2020, "division": TONGSHAN})
    assert [str(p.target.value) for p in county.context["progress"]] == ["95.00"]


# The command ------------------------------------------------------------------------------------------------------


def _run(*args) -> list[dict]:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_the_command_takes_any_division_and_breaks_down_by_county(tc):
    rows = _run("--year", "2020", "--division", CITY, "--by", "county", "--code", "preschool_ger", "--format", "json")
    found = [(r["dimensions"].get("county"), r["numerator"], r["denominator"]) for r in rows]
    assert found[0] == (None, 8, 9) and sorted(found[1:]) == [(CHONGYANG, 2, 4), (TONGSHAN, 6, 5)]
    # --county is the older name of --division.
    old = _run("--year", "2020", "--county", CHONGYANG, "--code", "preschool_ger", "--format", "json")
    assert [(r["numerator"], r["denominator"]) for r in old] == [(2, 4)]
    mine = _run("--year", "2020", "--as", "ind_leader_b", "--code", "preschool_ger", "--format", "json")
    assert [(r["numerator"], r["denominator"]) for r in mine] == [(2, 4)]
    with pytest.raises(CommandError, match="不在用户 ind_leader_b 的管辖范围内"):
        _run("--year", "2020", "--as", "ind_leader_b", "--division", TONGSHAN)


def test_record_links_only_where_the_lists_hold_the_figures_rows(tc):
    client = client_for(tc.users["city"])
    city = client.get("/indicators/", {"year": 2020})
    assert "/students/enrollment/?" in _card(city.content.decode(), "preschool_ger")
    # The lists have no county filter: from a county under the city, they would list both counties' records.
    county = client.get("/indicators/", {"year": 2020, "division": TONGSHAN})
    assert "/students/enrollment/?" not in _card(county.content.decode(), "preschool_ger")
    township = client.get("/indicators/", {"year": 2020, "division": tc.township_a.code})
    assert f"township={tc.township_a.pk}" in _card(township.content.decode(), "preschool_ger")


def test_the_indicator_page_of_a_city_breaks_down_by_county(tc):
    page = client_for(tc.users["city"]).get("/indicators/code/preschool_ger/", {"year": 2020})
    html = page.content.decode()
    table = html.split('data-testid="breakdown-county"')[1].split("</table>")[0]
    assert "崇阳县" in table and f"division={CHONGYANG}" in table and "50.00" in table
    assert "指标看板 · 咸宁市" in html
