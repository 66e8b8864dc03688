"""The pages: an institution's page with its history (teachers, fees, 年检, rectification, complaints), bounded in
queries; a complaint registered from it by a township and concluded from the complaint's page; the 预收费 rule
refusing a fee plan on its form; the summary within scope, and its xlsx."""

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing import response_text, xlsx_rows
from emis.tutoring import annual
from emis.tutoring.annual import TUTORING_SECTIONS, passing_answers
from emis.tutoring.models import Complaint, FeePlan, JointCheck

pytestmark = pytest.mark.django_db


def _inspected(county, institutions):
    from emis.inspections.services import campaign_create, inspection_sign_off, inspection_submit

    admin = county.users[Role.ADMIN]
    version, _private = annual.publish_templates(admin)
    campaign = campaign_create(
        name="2021年度校外培训机构年检",
        kind="annual",
        version=version,
        targets=[institutions["A"]],
        starts_on=dt.date(2021, 11, 1),
        ends_on=dt.date(2021, 12, 15),
        acting_user=admin,
    )
    day = dt.date(2021, 11, 15)
    inspection = inspection_submit(
        target=campaign.targets.get(),
        answers=passing_answers(TUTORING_SECTIONS) | {"B1": "no"},
        client_token="page-1",
        inspected_on=day,
        acting_user=admin,
        today=day,
    )
    return inspection_sign_off(inspection=inspection, acting_user=admin, today=day)


def test_the_institution_page_shows_its_history(county, institutions, login, django_assert_max_num_queries):
    inspection = _inspected(county, institutions)
    client = login(Role.TOWNSHIP)
    url = reverse("tutoring:institution_detail", args=[institutions["A"].pk])
    with django_assert_max_num_queries(45):
        response = client.get(url)
    assert response.status_code == 200
    text = response_text(response)
    assert "2021年度校外培训机构年检" in text and "不合格" in text
    assert inspection.rectify_case.title in text
    assert "登记投诉举报" in text
    # Township A does not see township B's institution; a school sees none.
    assert client.get(reverse("tutoring:institution_detail", args=[institutions["B"].pk])).status_code == 404
    school = login(Role.SCHOOL)
    assert school.get(url).status_code == 404
    # The list filters by the latest 年检 result, and shows and exports it.
    admin = login(Role.ADMIN)
    listed = response_text(admin.get(reverse("tutoring:institution_list"), {"annual_result": "fail"}))
    assert institutions["A"].name in listed and institutions["B"].name not in listed
    assert (
        response_text(admin.get(reverse("tutoring:institution_list"), {"annual_result": "pass"})).count(
            institutions["A"].name
        )
        == 0
    )
    # A joint check linked to the campaign shows it on its page.
    check = JointCheck.objects.create(
        checked_on=dt.date(2021, 11, 10),
        township=county.township_a,
        partners=["market", "fire"],
        inspection_campaign=inspection.target.campaign,
        findings="预收费超过3个月。",
    )
    check.institutions.add(institutions["A"])
    page = response_text(admin.get(reverse("tutoring:jointcheck_detail", args=[check.pk])))
    assert "2021年度校外培训机构年检" in page and "市场监管、消防救援" in page
    rows = xlsx_rows(admin.get(reverse("tutoring:institution_export", args=["xlsx"])))
    # The import template's columns (机构名称 second), then the 年检 result, read-only.
    assert rows[0][-1] == "最近年检结论（只读）"
    name_at = rows[0].index("机构名称")
    assert {row[name_at]: row[-1] for row in rows[1:]} == {
        institutions["A"].name: "不合格",
        institutions["B"].name: "",
    }


def test_a_township_registers_and_concludes_a_complaint(county, institutions, login):
    client = login(Role.TOWNSHIP)
    url = reverse("tutoring:institution_action", args=[institutions["A"].pk, "complaint"])
    response = client.post(
        url,
        {
            "received_on": "2024-10-08",
            "channel": "12345",
            "complainant": "张女士",
            "content": "一次收取半年学费。",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.case.state == "received" and complaint.case.due_on is not None
    page = client.get(reverse("tutoring:complaint_detail", args=[complaint.pk]))
    assert "已受理" in response_text(page) and "办结" in response_text(page)
    client.post(
        reverse("tutoring:complaint_action", args=[complaint.pk, "conclude"]),
        {"version": complaint.case.version, "result": "已责令退还超收费用。"},
    )
    complaint.refresh_from_db()
    assert complaint.case.state == "done" and complaint.result == "已责令退还超收费用。"


def test_the_fee_plan_form_refuses_more_than_three_months(county, institutions, login):
    client = login(Role.ADMIN)
    data = {
        "institution": institutions["A"].pk,
        "course": "数学",
        "price_per_hour": "40",
        "prepaid_hours": "80",
        "prepaid_months": "6",
        "effective_from": "2024-09-01",
    }
    response = client.post(reverse("tutoring:feeplan_add"), data)
    assert response.status_code == 200
    text = response_text(response)
    assert "3个月" in text and "60课时" in text
    assert FeePlan.objects.filter(course="数学").count() == 0


def test_the_summary_counts_within_scope_and_exports(county, institutions, login):
    response = login(Role.TOWNSHIP).get(reverse("tutoring:summary"))
    assert response.status_code == 200
    text = response_text(response)
    assert "通羊镇" in text and "南林桥镇" not in text
    rows = xlsx_rows(login(Role.ADMIN).get(reverse("tutoring:summary_export")))
    assert ["机构总数", None, 2, None, None] in rows or any(r[0] == "机构总数" and r[2] == 2 for r in rows)
