"""The checklists on the inspection engine: the kindergarten assessment's scores and notices summed for the county,
and 五项管理: completion and pass per area, a leader seeing the schools of their 挂点 townships."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.supervision import engine
from emis.testing import make_school

pytestmark = pytest.mark.django_db

DAY = dt.date(2019, 10, 15)
ALL_PASS = {
    "kg_c1": 3, "kg_c2": True, "kg_c3": True, "kg_s1": True, "kg_s2": True, "kg_s3": True, "kg_s4": True,
    "kg_e1": True, "kg_e2": True, "kg_e3": 30, "kg_t1": 100, "kg_t2": True, "kg_m1": True, "kg_m2": True,
}  # fmt: skip


def assess(county, schools_answers, *, code=engine.KG_ASSESSMENT, kind="assessment", day=DAY):
    from emis.inspections.models import Target
    from emis.inspections.services import campaign_create, inspection_sign_off, inspection_submit

    admin = county.users[Role.ADMIN]
    versions = engine.publish_templates(acting_user=admin)
    campaign = campaign_create(
        name="评估",
        kind=kind,
        version=versions[code],
        targets=[school for school, _answers in schools_answers],
        starts_on=day,
        ends_on=day + dt.timedelta(days=30),
        acting_user=admin,
    )
    for i, (school, answers) in enumerate(schools_answers):
        if answers is None:
            continue
        target = Target.objects.get(campaign=campaign, school=school)
        inspection = inspection_submit(
            target=target, answers=answers, client_token=f"{code}-{i}", inspected_on=day, acting_user=admin, today=day
        )
        if kind != "self_check":
            inspection_sign_off(inspection=inspection, acting_user=admin, today=day)
    return campaign


@pytest.fixture
def kindergartens(county):
    return [
        make_school(f"114200{i:04d}", f"幼儿园{i}", "kindergarten", county.township_a if i < 2 else county.township_b)
        for i in range(3)
    ]


def test_kindergarten_scores_and_county_summary(county, kindergartens, login):
    good, fair, bad = kindergartens
    fair_answers = {**ALL_PASS, "kg_c3": False, "kg_e2": False, "kg_t2": False}  # 100 - 8 - 8 - 7 = 77 → 基本合格
    bad_answers = {**ALL_PASS, "kg_s4": False}  # 一票否决 → 不合格 (score 94)
    assess(county, [(good, ALL_PASS), (fair, fair_answers), (bad, bad_answers)])
    admin = county.users[Role.ADMIN]
    figures = engine.campaign_summary(admin, engine.KG_ASSESSMENT, 2019)
    assert figures["targets"] == 3 and figures["signed"] == 3
    assert (figures["passed"], figures["fair"], figures["failed"]) == (1, 1, 1)
    assert figures["average"] == Decimal("90.3")  # (100 + 77 + 94) / 3
    assert figures["notices"] == 2 and figures["closed"] == 0 and figures["open"] == 2
    scores = {row.name: row.inspection.score for row in engine.campaign_rows(admin, engine.KG_ASSESSMENT, 2019)}
    assert scores == {"幼儿园0": Decimal("100.0"), "幼儿园1": Decimal("77.0"), "幼儿园2": Decimal("94.0")}
    page = login(Role.ADMIN).get(reverse("supervision:kindergartens"), {"year": 2019})
    assert page.status_code == 200 and "幼儿园1" in page.content.decode()
    # A school account of township A sees nothing of these kindergartens' figures but its own scope.
    assert engine.campaign_summary(county.users[Role.SCHOOL], engine.KG_ASSESSMENT, 2019)["targets"] == 0


FIVE_PASS = {
    "fm_phone1": True, "fm_phone2": True, "fm_sleep1": True, "fm_sleep2": 95, "fm_read1": True, "fm_read2": True,
    "fm_fit1": True, "fm_fit2": 92, "fm_hw1": True, "fm_hw2": 60,
}  # fmt: skip


def test_five_management_summary_and_the_leaders_townships(county, login):
    from emis.supervision.models import LeaderPost

    day = dt.date(2024, 10, 8)
    # A1 (通羊镇) passes every area, A2 (通羊镇) fails 睡眠 and 作业, B1 (南林桥镇) has not filled it.
    assess(
        county,
        [
            (county.school_a1, FIVE_PASS),
            (county.school_a2, {**FIVE_PASS, "fm_sleep2": 70, "fm_hw2": 120}),
            (county.school_b1, None),
        ],
        code=engine.FIVE,
        kind="self_check",
        day=day,
    )
    leader = county.users[Role.LEADER]
    LeaderPost.objects.create(leader=leader, township=county.township_b, start_date=dt.date(2024, 9, 1))
    county_figures = engine.five_summary(leader, 2024, "autumn")
    assert (county_figures["schools"], county_figures["done"], county_figures["passed"]) == (3, 2, 1)
    by_area = {a["area"]: a["passed"] for a in county_figures["areas"]}
    assert by_area == {"手机管理": 2, "睡眠管理": 1, "读物管理": 2, "体质管理": 2, "作业管理": 1}
    mine = engine.five_summary(leader, 2024, "autumn", townships=engine.leader_townships(leader, day))
    assert [row["target"].school for row in mine["rows"]] == [county.school_b1]
    page = login(Role.LEADER).get(reverse("supervision:five"), {"year": 2024, "term": "autumn"}).content.decode()
    schools_table = page.split('data-testid="five-schools"')[1]
    assert county.school_b1.name in schools_table and county.school_a1.name not in schools_table
