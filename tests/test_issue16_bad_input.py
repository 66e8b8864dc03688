"""Hostile input on issue 16's pages (检查, 校园安全, 督导, 校外培训): words where numbers and dates go, years far out of
range, huge page numbers, SQL text, a very long search, unknown choices; forged posts to the phone form, the visit
form and the institutions of another township. Every answer is a page or a 404, never a server error; nothing is
half-written; a school's pages never name another township's schools."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from emis.core.access import Role
from emis.testing import make_user

BAD = [
    {"year": "abc"},
    {"year": "99999999"},
    {"year": "-1", "term": "winter"},
    {"page": "999999"},
    {"page": "x"},
    {"township": "'; drop table x; --"},
    {"school": "not-a-number", "institution": "x", "campaign": "x", "inspector": "x", "target": "x"},
    {"q": "张" * 5000},
    {"kind": "nonsense", "state": "nonsense", "status": "nonsense", "result": "nonsense", "severity": "x"},
    {"purpose": "nonsense", "category": "nonsense", "grade": "Z", "matter": "x", "term": "x", "period": "x"},
    {"month": "2021-13", "on": "not-a-date", "date": "2021-02-31", "day": "99999-01-01"},
    {"date_after": "yesterday", "date_before": "99999-99-99", "visited_on_after": "x", "starts_on": "x"},
    {"sort": "nonsense"},
    {"year": "2020.5", "page": "0"},
]
# emis/safety is edited by another helper: its year filters (appraisal, expiry alert) take any number, and
# ?year=99999999 is a server error (ValueError: year out of range); the fix is in the red-team report.
SAFETY_YEAR = pytest.mark.xfail(reason="safety year filters are unbounded (fix reported)", strict=False)
LIST_URLS = [
    "/inspections/template/",
    "/inspections/campaign/",
    "/inspections/target/",
    "/inspections/inspection/",
    "/inspections/finding/",
    "/inspections/template/export/xlsx/",
    "/inspections/campaign/export/xlsx/",
    "/inspections/target/export/xlsx/",
    "/inspections/inspection/export/xlsx/",
    "/inspections/finding/export/xlsx/",
    "/inspections/template/new/",
    "/inspections/campaign/new/",
    "/safety/",
    "/safety/compliance/",
    "/safety/compliance/print/",
    "/safety/compliance/export/xlsx/",
    "/safety/figures/",
    "/safety/figures/export/xlsx/",
    "/safety/safetyfact/",
    "/safety/guard/",
    "/safety/building/",
    pytest.param("/safety/appraisal/", marks=SAFETY_YEAR),
    "/safety/bus/",
    "/safety/driver/",
    pytest.param("/safety/expiryalert/", marks=SAFETY_YEAR),
    "/safety/safetyfact/export/xlsx/",
    "/safety/guard/export/xlsx/",
    "/safety/building/export/xlsx/",
    pytest.param("/safety/appraisal/export/xlsx/", marks=SAFETY_YEAR),
    "/safety/bus/export/xlsx/",
    "/safety/driver/export/xlsx/",
    pytest.param("/safety/expiryalert/export/xlsx/", marks=SAFETY_YEAR),
    "/supervision/visit/new/",
    "/supervision/inspector/",
    "/supervision/assignment/",
    "/supervision/visitplan/",
    "/supervision/visit/",
    "/supervision/leaderpost/",
    "/supervision/inspector/export/xlsx/",
    "/supervision/assignment/export/xlsx/",
    "/supervision/visitplan/export/xlsx/",
    "/supervision/visit/export/xlsx/",
    "/supervision/leaderpost/export/xlsx/",
    "/supervision/compliance/",
    "/supervision/compliance/print/",
    "/supervision/compliance/export/xlsx/",
    "/supervision/kindergartens/",
    "/supervision/kindergartens/export/xlsx/",
    "/supervision/five/",
    "/supervision/five/export/xlsx/",
    "/supervision/mine/",
    "/tutoring/institution/",
    "/tutoring/teacher/",
    "/tutoring/feeplan/",
    "/tutoring/complaint/",
    "/tutoring/jointcheck/",
    "/tutoring/institution/export/xlsx/",
    "/tutoring/teacher/export/xlsx/",
    "/tutoring/feeplan/export/xlsx/",
    "/tutoring/complaint/export/xlsx/",
    "/tutoring/jointcheck/export/xlsx/",
    "/tutoring/summary/",
    "/tutoring/summary/export/xlsx/",
    "/tutoring/institution/add/",
]
DOMAINS = ["inspections", "rectification", "safety", "supervision", "supervision_visits", "tutoring"]


@pytest.fixture
def world(county, db):
    """Some of everything: a campaign on A1, A2 and B1, the supervision zones, an institution in each township."""
    from emis.inspections.tests.conftest import SECTIONS
    from emis.inspections.services import campaign_create, template_publish
    from emis.supervision.tests.conftest import setup_supervision
    from emis.tutoring.tests.conftest import setup_institutions

    desk = make_user("section_all", Role.SECTION, divisions=[county.county], domains=DOMAINS)
    version = template_publish(
        code="opening",
        name="秋季开学工作检查表",
        purpose="opening",
        applies_to=["primary", "junior"],
        sections=SECTIONS,
        pass_score=60,
        good_score=85,
        acting_user=desk,
    )
    campaign = campaign_create(
        name="2021年秋季开学工作专项督查",
        kind="opening",
        version=version,
        targets=[county.school_a1, county.school_a2, county.school_b1],
        starts_on=dt.date(2021, 9, 1),
        ends_on=dt.date(2021, 9, 30),
        inspectors=[county.users[Role.INSPECTOR]],
        acting_user=desk,
    )
    return {
        "desk": desk,
        "version": version,
        "campaign": campaign,
        "supervision": setup_supervision(county),
        "institutions": setup_institutions(county),
    }


def _client(county, world, role):
    client = Client()
    client.force_login(world["desk"] if role == Role.SECTION else county.users[role])
    return client


ROLES = (Role.SCHOOL, Role.TOWNSHIP, Role.INSPECTOR, Role.SECTION)


@pytest.mark.parametrize("url", LIST_URLS)
def test_hostile_query_strings_never_break_a_page(url, county, world):
    b_names = [county.school_b1.name, world["institutions"]["B"].name]
    for role in ROLES:
        client = _client(county, world, role)
        for params in BAD:
            response = client.get(url, params)
            assert response.status_code in (200, 302, 400, 403, 404), (role, url, params, response.status_code)
            if role == Role.SCHOOL and response.status_code == 200 and "html" in response.get("Content-Type", ""):
                text = response.content.decode()
                for name in b_names:
                    assert name not in text, (url, params, name)


def _detail_urls(county, world):
    campaign = world["campaign"]
    target = campaign.targets.get(school=county.school_a1)
    return [
        f"/inspections/campaign/{campaign.pk}/",
        f"/inspections/campaign/{campaign.pk}/results/xlsx/",
        f"/inspections/campaign/{campaign.pk}/report/",
        f"/inspections/campaign/{campaign.pk}/print/",
        f"/inspections/target/{target.pk}/",
        f"/inspections/target/{target.pk}/fill/",
        f"/inspections/template/{world['version'].template_id}/",
        f"/tutoring/institution/{world['institutions']['A'].pk}/",
    ]


def test_hostile_query_strings_on_detail_pages(county, world):
    b_names = [county.school_b1.name, world["institutions"]["B"].name]
    for url in _detail_urls(county, world):
        for role in ROLES:
            client = _client(county, world, role)
            for params in BAD:
                response = client.get(url, params)
                assert response.status_code in (200, 302, 400, 403, 404), (role, url, params, response.status_code)
                if role == Role.SCHOOL and response.status_code == 200 and "html" in response.get("Content-Type", ""):
                    text = response.content.decode()
                    for name in b_names:
                        assert name not in text, (url, params, name)


# The core school/institution picker (emis.core.widgets.PickerWidget._chosen) queries any string of digits: a number
# past 2**63 is an OverflowError on SQLite (and a DataError on PostgreSQL). Core is not ours to change: the fix is in
# the red-team report.
@pytest.mark.xfail(reason="core picker widget takes numbers past 2**63 (fix reported)", strict=False)
@pytest.mark.parametrize(
    "url",
    ["/safety/guard/", "/safety/bus/", "/supervision/visit/", "/tutoring/institution/add/", "/tutoring/institution/"],
)
def test_a_huge_id_in_a_picker_is_not_a_server_error(url, county, world):
    client = _client(county, world, Role.SECTION)
    huge = "9" * 30
    response = client.get(url, {"school": huge, "township": huge, "institution": huge})
    assert response.status_code in (200, 400, 404)
