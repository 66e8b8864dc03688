"""教育督导: a 督学 sees only their 责任区, assigning and ending a school moves the account's scope (audited), the
达标 figures against a hand count, a visit sent twice is one, and a visit's findings become one 整改通知书."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.core.models import ObjectChange
from emis.core.writes import Refused
from emis.supervision import selectors, services
from emis.supervision.models import Assignment, Inspector, Visit, VisitPlan

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_an_inspector_sees_only_the_visits_of_their_zone(county, supervision, login):
    client = login(Role.INSPECTOR)
    outside = Visit.objects.get(school=county.school_a1)
    inside = Visit.objects.filter(school=county.school_b1).first()
    assert client.get(reverse("supervision:visit_detail", args=[outside.pk])).status_code == 404
    assert client.get(reverse("supervision:visit_detail", args=[inside.pk])).status_code == 200
    listed = client.get(reverse("supervision:visit_list"))
    assert "通羊镇中心小学" not in listed.content.decode()
    page = client.get(reverse("supervision:compliance"), {"year": 2024, "term": "autumn"}).content.decode()
    assert "通羊镇初级中学" in page and "通羊镇中心小学" not in page


def test_assigning_and_ending_a_school_moves_the_accounts_scope(county, supervision):
    wang, li = supervision["wang"], supervision["li"]
    user = county.users[Role.INSPECTOR]
    li.user = None
    admin = county.users[Role.ADMIN]
    since = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # A1 moves from 李督学 to 王督学: 李's assignment ends the day before, 王's account gains A1.
    assignment, warnings = services.assignment_start(
        inspector=wang, school=county.school_a1, start_date=dt.date(2024, 12, 1), acting_user=admin, today=TODAY
    )
    assert warnings == []
    assert set(user.schools.values_list("pk", flat=True)) == {
        county.school_a1.pk,
        county.school_a2.pk,
        county.school_b1.pk,
    }
    previous = Assignment.objects.get(inspector=li, school=county.school_a1)
    assert previous.end_date == dt.date(2024, 11, 30)
    # The scope change is in the change log, on the account.
    from django.contrib.contenttypes.models import ContentType

    changes = ObjectChange.objects.filter(
        pk__gt=since, object_id=user.pk, content_type=ContentType.objects.get_for_model(type(user))
    )
    assert any("schools" in (change.changes or {}) for change in changes)
    services.assignment_end(assignment=assignment, end_date=dt.date(2024, 12, 10), acting_user=admin, today=TODAY)
    assert county.school_a1.pk not in set(user.schools.values_list("pk", flat=True))
    with pytest.raises(Refused):
        services.assignment_start(
            inspector=wang, school=county.school_a2, start_date=dt.date(2024, 12, 1), acting_user=admin
        )


def test_more_than_five_schools_warns(county, supervision):
    from emis.testing import make_school

    wang = supervision["wang"]
    admin = county.users[Role.ADMIN]
    warnings = []
    for i in range(4):
        school = make_school(f"2142009{i:03d}", f"督导新校{i}", "primary", county.township_b)
        _a, warnings = services.assignment_start(
            inspector=wang, school=school, start_date=dt.date(2024, 9, 1), acting_user=admin, today=TODAY
        )
    assert warnings and "6" in warnings[0]


def test_compliance_against_a_hand_count(county, supervision):
    admin = county.users[Role.ADMIN]
    result = selectors.compliance(admin, 2024, "autumn", today=TODAY)
    rows = {row.code: row for row in result.schools}
    # A2: September and October; B1: September; A1: November. September to November are over.
    assert rows["3142000201"].by_month == [1, 1, 0, 0]
    assert [m.month for m in rows["3142000201"].missing_months] == [11]
    assert rows["3142000201"].term_short == 0
    b1 = rows[county.school_b1.code]
    assert b1.by_month == [1, 0, 0, 0] and b1.term_short == 1
    a1 = rows[county.school_a1.code]
    assert [m.month for m in a1.missing_months] == [9, 10] and a1.term_short == 1
    assert result.visits == 4 and result.monthly_ok == 0 and len(result.missing) == 3
    # 王督学's own: two schools.
    own = selectors.compliance(county.users[Role.INSPECTOR], 2024, "autumn", today=TODAY)
    assert {row.code for row in own.schools} == {county.school_a2.code, county.school_b1.code}


def test_inspectors_by_kind(county, supervision):
    rows = {row["kind"]: row["count"] for row in selectors.inspectors_by_kind(county.users[Role.ADMIN], TODAY)}
    assert rows == {"special": 1, "full_time": 1, "part_time": 1}


def test_a_visit_sent_twice_is_recorded_once_and_its_findings_become_one_notice(county, supervision):
    wang = supervision["wang"]
    user = county.users[Role.INSPECTOR]
    from emis.rectification.demo import _photo

    findings = [
        {
            "text": "消防器材过期",
            "severity": "serious",
            "requirement": "一周内更换",
            "must_change": True,
            "photo": _photo(1),
        },
        {"text": "作业公示不全", "severity": "general", "must_change": False},
    ]
    kwargs = dict(
        school=county.school_b1,
        inspector=wang,
        visited_on=dt.date(2024, 12, 2),
        methods=["patrol", "records"],
        matters=["safety", "workload"],
        findings=findings,
        acting_user=user,
        client_token="token-1",
        today=TODAY,
    )
    first = services.visit_record(**kwargs)
    again = services.visit_record(**kwargs)
    assert first.pk == again.pk and Visit.objects.filter(client_token="token-1").count() == 1
    assert first.findings.count() == 2
    # Not in the 责任区: refused.
    with pytest.raises(Refused):
        services.visit_record(**{**kwargs, "school": county.school_a1, "client_token": "token-2"})
    notice = services.visit_notice(visit=first, acting_user=county.users[Role.ADMIN], today=TODAY)
    assert notice.items.count() == 1 and notice.case.state == "issued"
    assert notice.items.get().photo  # the visit's photo went with the finding
    first.refresh_from_db()
    assert first.notice_id == notice.pk
    with pytest.raises(Refused):
        services.visit_notice(visit=first, acting_user=county.users[Role.ADMIN], today=TODAY)


def test_the_visit_form_records_a_visit_for_the_inspector(county, supervision, login):
    client = login(Role.INSPECTOR)
    wang = supervision["wang"]
    data = {
        "client_token": "form-token",
        "inspector": wang.pk,
        "school": county.school_a2.pk,
        "visited_on": "2024-12-02",
        "kind": "regular",
        "methods": ["lessons"],
        "matters": ["teaching"],
        "summary": "听课两节",
        "finding_1": "课表与实际不符",
        "severity_1": "general",
        "severity_2": "general",
        "severity_3": "general",
    }
    first = client.post(reverse("supervision:visit_new"), data)
    assert first.status_code == 302
    second = client.post(reverse("supervision:visit_new"), data)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Visit.objects.filter(client_token="form-token").count() == 1
    assert client.get(reverse("supervision:visit_new")).status_code == 200


def test_the_plan_covers_each_school_of_a_zone_per_month(county, supervision):
    created = services.plan_generate(year=2024, term="autumn", acting_user=county.users[Role.ADMIN])
    assert len(created) == 3 * 4
    assert services.plan_generate(year=2024, term="autumn", acting_user=county.users[Role.ADMIN]) == []
    plan = VisitPlan.objects.get(school=county.school_a2, month=dt.date(2024, 9, 1))
    assert plan.inspector == supervision["wang"]


def test_inspector_linked_account_must_be_an_inspector(county, supervision):
    inspector = Inspector(
        name="钱督学", kind="part_time", start_date=dt.date(2020, 1, 1), user=county.users[Role.SCHOOL]
    )
    with pytest.raises(Refused):
        services.inspector_save(inspector=inspector, acting_user=county.users[Role.ADMIN])


def test_the_inspectors_own_page_shows_their_zone(county, supervision, login):
    page = login(Role.INSPECTOR).get(reverse("supervision:my_zone"), {})
    assert page.status_code == 200
    text = page.content.decode()
    assert county.school_b1.name in text and county.school_a1.name not in text
    assert login(Role.SCHOOL).get(reverse("supervision:my_zone")).status_code == 404
