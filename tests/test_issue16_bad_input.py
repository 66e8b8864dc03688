"""Hostile input on issue 16's pages (检查, 校园安全, 督导, 校外培训): words where numbers and dates go, years far
out of range, huge page numbers, SQL text, a very long search, unknown choices; forged posts to the phone form, the
visit form and the institutions of another township. Every answer is a page or a 404, never a server error; nothing is
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
    "/safety/appraisal/",
    "/safety/bus/",
    "/safety/driver/",
    "/safety/expiryalert/",
    "/safety/safetyfact/export/xlsx/",
    "/safety/guard/export/xlsx/",
    "/safety/building/export/xlsx/",
    "/safety/appraisal/export/xlsx/",
    "/safety/bus/export/xlsx/",
    "/safety/driver/export/xlsx/",
    "/safety/expiryalert/export/xlsx/",
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
    from emis.inspections.services import campaign_create, template_publish
    from emis.inspections.tests.conftest import SECTIONS
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
@pytest.mark.parametrize(
    "url",
    ["/safety/guard/", "/safety/bus/", "/supervision/visit/", "/tutoring/institution/add/"],
)
def test_a_huge_id_in_a_picker_is_not_a_server_error(url, county, world):
    client = _client(county, world, Role.SECTION)
    huge = "9" * 30
    response = client.get(url, {"school": huge, "township": huge, "institution": huge})
    assert response.status_code in (200, 400, 404)


# The inspection phone form ------------------------------------------------------------------------------------------

GOOD = {"1.1": "yes", "1.2": "20", "1.3": "yes", "2.1": "full", "2.3": ""}


def _jpeg():
    from emis.inspections.tests.conftest import jpeg

    return jpeg()


def _fill(county, world, school):
    return f"/inspections/target/{world['campaign'].targets.get(school=school).pk}/fill/"


def _data(token, **answers):
    return {f"a-{code}": value for code, value in (GOOD | answers).items()} | {
        "inspected_on": "2021-09-10",
        "client_token": token,
    }


def _written():
    from emis.inspections.models import Answer, Inspection
    from emis.work.models import Case

    return Inspection.objects.count(), Answer.objects.count(), Case.objects.count()


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.TOWNSHIP, Role.SCHOOL])
def test_a_target_outside_the_scope_answers_404_and_nothing_is_written(county, world, role):
    # The inspector has A2 and B1, the township A's schools, the school A1: B1 or A1 is out of each one's reach.
    outside = county.school_a1 if role == Role.INSPECTOR else county.school_b1
    client = _client(county, world, role)
    before = _written()
    response = client.post(_fill(county, world, outside), _data("forged-1") | {"p-2.2": _jpeg()})
    assert response.status_code == 404
    assert _written() == before


BAD_SENDS = [
    ({"p-2.2": "TEXT"}, {}, "not an image"),
    ({}, {"1.2": "二十"}, "words for a number"),
    ({}, {"1.2": "1e999"}, "an infinite number"),
    ({}, {"1.2": "9" * 400}, "a huge number"),
    ({}, {"2.1": "bribe"}, "an unknown choice"),
    ({}, {"1.1": ""}, "a required item missing"),
    ({"inspected_on": "9999-12-31"}, {}, "a day far ahead"),
    ({"inspected_on": "2021-02-31"}, {}, "no such day"),
    ({"client_token": ""}, {}, "no token"),
]


@pytest.mark.parametrize("extra, answers, why", BAD_SENDS, ids=[b[2] for b in BAD_SENDS])
def test_a_bad_send_is_refused_in_chinese_and_writes_nothing(county, world, extra, answers, why):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(county, world, Role.INSPECTOR)
    data = _data("bad-send", **answers) | {"p-2.2": _jpeg()} | extra
    if data.get("p-2.2") == "TEXT":
        data["p-2.2"] = SimpleUploadedFile("photo.jpg", b"just some text, renamed", content_type="image/jpeg")
    before = _written()
    response = client.post(_fill(county, world, county.school_a2), data)
    assert response.status_code == 400, (why, response.status_code)
    text = response.content.decode()
    assert "Traceback" not in text and 'class="alert' in text or "alert" in text, why
    assert _written() == before, why


def test_an_oversized_photo_is_refused(county, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.EMIS_WORK_ATTACHMENT_MAX_BYTES = 1000
    client = _client(county, world, Role.INSPECTOR)
    big = SimpleUploadedFile("big.jpg", _jpeg().read() + b"\0" * 5000, content_type="image/jpeg")
    before = _written()
    response = client.post(_fill(county, world, county.school_a2), _data("big") | {"p-2.2": big})
    assert response.status_code == 400 and "超过上限" in response.content.decode()
    assert _written() == before


def test_answers_for_unknown_items_are_ignored(county, world):
    from emis.inspections.models import Answer

    client = _client(county, world, Role.INSPECTOR)
    data = _data("extra") | {"p-2.2": _jpeg(), "a-9.9": "yes", "a-<script>": "x", "n-9.9": "note"}
    response = client.post(_fill(county, world, county.school_a2), data)
    assert response.status_code == 302
    assert not Answer.objects.exclude(item__section__version=world["version"]).exists()
    assert Answer.objects.count() == 6


def test_a_token_of_another_target_does_not_return_or_overwrite_its_inspection(county, world):
    from emis.inspections.models import Inspection

    client = _client(county, world, Role.INSPECTOR)
    first = client.post(_fill(county, world, county.school_a2), _data("token-a2") | {"p-2.2": _jpeg()})
    assert first.status_code == 302
    a2 = Inspection.objects.get()
    response = client.post(
        _fill(county, world, county.school_b1), _data("token-a2", **{"1.1": "no"}) | {"p-2.2": _jpeg()}
    )
    assert response.status_code == 400 and "提交标识" in response.content.decode()
    assert Inspection.objects.count() == 1
    a2.refresh_from_db()
    assert a2.target.school == county.school_a2 and a2.answers.get(item__code="1.1").passed is True
    # The service refuses it as well.
    from emis.core.writes import Refused
    from emis.inspections import services

    with pytest.raises(Refused):
        services.inspection_submit(
            target=world["campaign"].targets.get(school=county.school_b1),
            answers=GOOD,
            photos={"2.2": [_jpeg()]},
            client_token="token-a2",
            inspected_on=dt.date(2021, 9, 10),
            acting_user=county.users[Role.INSPECTOR],
        )


@pytest.mark.parametrize("action", ["sign_off", "send_back"])
@pytest.mark.parametrize("role", [Role.SCHOOL, Role.INSPECTOR, Role.TOWNSHIP])
def test_who_may_not_sign_off_or_send_back_changes_nothing(county, world, action, role):
    client = _client(county, world, Role.INSPECTOR)
    assert client.post(_fill(county, world, county.school_a2), _data("t1") | {"p-2.2": _jpeg()}).status_code == 302
    from emis.inspections.models import Inspection

    inspection = Inspection.objects.select_related("case").get()
    state, version, result = inspection.case.state, inspection.case.version, inspection.result
    hostile = _client(county, world, role)
    response = hostile.post(
        f"/inspections/inspection/{inspection.pk}/action/{action}/", {"version": version, "comment": "x"}
    )
    assert response.status_code in (403, 404), response.status_code
    inspection.refresh_from_db()
    inspection.case.refresh_from_db()
    assert (inspection.case.state, inspection.case.version, inspection.result) == (state, version, result)


# 督导记录 ---------------------------------------------------------------------------------------------------------


def _visit(inspector, school, token, day="2024-10-20"):
    return {
        "client_token": token,
        "inspector": inspector.pk,
        "school": school.pk,
        "visited_on": day,
        "kind": "regular",
        "methods": ["patrol"],
        "matters": ["safety"],
        "summary": "检查",
        "finding_1": "消防通道堵塞",
        "severity_1": "serious",
        "requirement_1": "立即清理",
        "severity_2": "general",
        "severity_3": "general",
    }


def test_a_visit_outside_the_zone_or_far_ahead_is_refused(county, world):
    from emis.supervision.models import Visit, VisitFinding

    wang = world["supervision"]["wang"]
    client = _client(county, world, Role.INSPECTOR)
    before = (Visit.objects.count(), VisitFinding.objects.count())
    for data in (
        _visit(wang, county.school_a1, "v-out"),  # A1 is 李督学's
        _visit(world["supervision"]["li"], county.school_a1, "v-other"),  # as another 督学
        _visit(wang, county.school_a2, "v-far", day="9999-12-31"),
        _visit(wang, county.school_a2, "v-bad", day="2024-02-31"),
        _visit(wang, county.school_a2, "v-words", day="昨天"),
        _visit(wang, county.school_a2, "v-kind") | {"kind": "bribe", "methods": ["x"]},
        _visit(wang, county.school_a2, "v-long") | {"finding_1": "问" * 5000},
    ):
        response = client.post("/supervision/visit/new/", data)
        assert response.status_code in (200, 400, 404), (data["client_token"], response.status_code)
    assert (Visit.objects.count(), VisitFinding.objects.count()) == before


def test_a_visit_sent_twice_is_one_and_a_token_of_another_visit_is_refused(county, world):
    from emis.supervision.models import Visit

    wang = world["supervision"]["wang"]
    client = _client(county, world, Role.INSPECTOR)
    before = Visit.objects.count()
    first = client.post("/supervision/visit/new/", _visit(wang, county.school_a2, "same-token"))
    second = client.post("/supervision/visit/new/", _visit(wang, county.school_a2, "same-token"))
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Visit.objects.count() == before + 1
    # The same token for another school: refused, not the first visit, not a silent drop.
    other = client.post("/supervision/visit/new/", _visit(wang, county.school_b1, "same-token"))
    assert other.status_code == 200 and "提交标识" in other.content.decode()
    assert Visit.objects.count() == before + 1


# 校外培训机构 -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR])
def test_another_townships_institution_complaint_and_joint_check_answer_404(county, world, role):
    from emis.tutoring import services
    from emis.tutoring.models import Complaint, Institution, JointCheck

    b = world["institutions"]["B"]
    complaint = services.complaint_receive(
        institution=b,
        received_on=dt.date(2024, 10, 8),
        channel="phone",
        complainant="李先生",
        content="预收一年学费。",
        acting_user=world["desk"],
    )
    check = JointCheck.objects.create(
        checked_on=dt.date(2024, 10, 9), township=county.township_b, partners=["market"], findings="无"
    )
    client = _client(county, world, role)
    snapshot = (
        Institution.objects.filter(pk=b.pk).values().get(),
        Complaint.objects.filter(pk=complaint.pk).values().get(),
        JointCheck.objects.filter(pk=check.pk).values().get(),
    )
    posts = [
        (f"/tutoring/institution/{b.pk}/edit/", {"name": "改名", "township": county.township_a.pk}),
        (f"/tutoring/institution/{b.pk}/delete/", {}),
        (f"/tutoring/complaint/{complaint.pk}/action/check/", {"version": complaint.case.version}),
        (f"/tutoring/complaint/{complaint.pk}/action/conclude/", {"version": complaint.case.version, "result": "x"}),
        (f"/tutoring/jointcheck/{check.pk}/edit/", {"checked_on": "2024-10-10", "findings": "改"}),
        (f"/tutoring/jointcheck/{check.pk}/delete/", {}),
    ]
    for url, data in posts:
        assert client.get(url).status_code in (403, 404, 405), url
        assert client.post(url, data).status_code in (403, 404), url
    for url in (
        f"/tutoring/institution/{b.pk}/",
        f"/tutoring/complaint/{complaint.pk}/",
        f"/tutoring/jointcheck/{check.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert snapshot == (
        Institution.objects.filter(pk=b.pk).values().get(),
        Complaint.objects.filter(pk=complaint.pk).values().get(),
        JointCheck.objects.filter(pk=check.pk).values().get(),
    )


@pytest.mark.parametrize(
    "hours, months, price",
    [
        ("0", "0", "40"),
        ("-5", "3", "40"),
        ("40", "-1", "40"),
        ("99999999999999999999", "3", "40"),
        ("40", "99999999999999999999", "40"),
        ("40", "3", "1e999"),
        ("40", "3", "-40"),
        ("abc", "三", "四十"),
        ("61", "3", "40"),
        ("40", "3.5", "40"),
        ("40", "NaN", "Infinity"),
    ],
)
def test_the_prepay_rule_with_tricky_numbers(county, world, hours, months, price):
    from emis.tutoring.models import FeePlan

    client = _client(county, world, Role.SECTION)
    before = FeePlan.objects.count()
    response = client.post(
        "/tutoring/feeplan/add/",
        {
            "institution": world["institutions"]["A"].pk,
            "course": "数学",
            "price_per_hour": price,
            "prepaid_hours": hours,
            "prepaid_months": months,
            "effective_from": "2024-09-01",
        },
    )
    assert response.status_code in (200, 302, 400), response.status_code
    saved = FeePlan.objects.count() - before
    if saved:
        plan = FeePlan.objects.latest("pk")
        assert 0 <= plan.prepaid_hours <= 60 and 0 <= plan.prepaid_months <= 3 and plan.price_per_hour >= 0, (
            hours,
            months,
            price,
        )


# Every ModelUI list (old apps as well): ?per_page=-5 reaches django-tables2 straight from the request (BaseTable's
# RequestConfig and the list view's), the paginator has a negative page count and EmptyPage escapes as a server error.
# Core is not ours to change: the fix (clamp per_page in BaseTable.paginate) is in the red-team report.
@pytest.mark.parametrize("url", ["/inspections/campaign/", "/tutoring/institution/", "/meals/monthlyreport/"])
def test_a_negative_page_size_is_not_a_server_error(url, county, world):
    response = _client(county, world, Role.SECTION).get(url, {"per_page": "-5"})
    assert response.status_code in (200, 400, 404)
