"""The notice's pages: drafting, each step through its form, the per-item answer with photos, the verdicts, the
printable notice, the list (filters, export, constant queries) and the county's summary."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from emis.core.access import Role
from emis.rectification import services
from emis.rectification.models import Notice

from .conftest import draft, jpeg

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _jpeg_upload(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg(name).read(), content_type="image/jpeg")


def test_draft_issue_answer_verify_through_the_pages(county, issuer):
    desk = client_for(issuer)
    response = desk.get(reverse("rectification:notice_new"))
    assert response.status_code == 200
    data = {
        "school": county.school_a1.pk,
        "title": "校园安全专项督查",
        "inspected_on": "2021-09-01",
        "days": "10",
        "responsible": "李主任",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        "items-0-severity": "critical",
        "items-0-finding": "消防通道堵塞",
        "items-0-requirement": "立即清理",
        "items-0-photo": _jpeg_upload("消防.jpg"),
        "items-1-severity": "general",
        "items-1-finding": "",
    }
    response = desk.post(reverse("rectification:notice_new"), data)
    assert response.status_code == 302, [
        response.context["form"].errors,
        response.context["items"].errors,
        response.context["items"].non_form_errors(),
    ]
    notice = Notice.objects.get()
    assert notice.items.get().photo is not None and notice.severity == "critical"
    page = desk.get(notice.get_absolute_url()).content.decode()
    assert 'data-action="issue"' in page and "消防通道堵塞" in page

    response = desk.post(reverse("rectification:notice_issue", args=[notice.pk]), {"version": notice.case.version})
    notice.refresh_from_db()
    assert notice.case.state == "issued" and notice.document_number.startswith("通教督整〔")
    printed = desk.get(reverse("rectification:notice_print", args=[notice.pk])).content.decode()
    assert notice.document_number in printed and "消防通道堵塞" in printed

    school = client_for(county.users[Role.SCHOOL])
    page = school.get(notice.get_absolute_url()).content.decode()
    assert 'data-action="report"' in page and 'capture="environment"' in page and 'data-action="issue"' not in page
    item = notice.items.get()
    response = school.post(
        reverse("rectification:notice_report", args=[notice.pk]),
        {"version": notice.case.version, f"answer_{item.pk}": "已清理", f"photos_{item.pk}": _jpeg_upload("后.jpg")},
    )
    notice.refresh_from_db()
    assert notice.case.state == "reported"
    page = desk.get(notice.get_absolute_url()).content.decode()
    assert 'data-action="verify"' in page and "已清理" in page
    desk.post(
        reverse("rectification:notice_verify", args=[notice.pk]),
        {"version": notice.case.version, f"verdict_{item.pk}": "yes"},
    )
    notice.refresh_from_db()
    assert notice.case.state == "accepted"


def test_a_refused_step_says_why_and_changes_nothing(county, issuer):
    notice = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=dt.date(2021, 9, 30))
    school = client_for(county.users[Role.SCHOOL])
    response = school.post(
        reverse("rectification:notice_report", args=[notice.pk]), {"version": notice.case.version}, follow=True
    )
    assert "第 1 项须填写整改情况" in response.content.decode()
    notice.refresh_from_db()
    assert notice.case.state == "issued"


def test_list_filters_export_and_constant_queries(county, issuer, django_assert_max_num_queries):
    for school in (county.school_a1, county.school_b1, county.school_a2):
        services.notice_issue(
            notice=draft(county, issuer, school=school), acting_user=issuer, today=dt.date(2021, 9, 30)
        )
    desk = client_for(issuer)
    url = reverse("rectification:notice_list")
    # 16: on PostgreSQL a list also asks the planner for its size (ADR 0017: big lists show an estimate), and the
    # menu counts the user's pending inspection targets.
    with django_assert_max_num_queries(16) as first:
        assert desk.get(url).status_code == 200
    services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=dt.date(2021, 9, 30))
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = desk.get(url).content.decode()
    assert page.count("通教督整〔2021〕") == 4
    filtered = desk.get(url, {"township": county.township_b.pk}).content.decode()
    assert filtered.count("通教督整〔2021〕") == 1
    export = desk.get(reverse("rectification:notice_export", args=["xlsx"]))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    # The school sees its own notices only.
    school_page = client_for(county.users[Role.SCHOOL]).get(url).content.decode()
    assert school_page.count("通教督整〔2021〕") == 2


def test_summary_by_township_severity_overdue_and_time_to_close(county, issuer):
    from emis.work.deadlines import sweep

    day = dt.date(2021, 9, 30)
    late = services.notice_issue(notice=draft(county, issuer, days=3), acting_user=issuer, today=day)
    services.notice_issue(notice=draft(county, issuer, school=county.school_b1, items=1), acting_user=issuer, today=day)
    closed = services.notice_issue(notice=draft(county, issuer, items=1), acting_user=issuer, today=day)
    item = closed.items.get()
    school = county.users[Role.SCHOOL]
    closed = services.notice_report(
        notice=closed, acting_user=school, answers={item.pk: {"answer": "好", "photos": [jpeg()]}}, today=day
    )
    services.notice_verify(notice=closed, acting_user=issuer, verdicts={item.pk: {"accepted": True}}, today=day)
    sweep(today=dt.date(2021, 10, 20))
    from emis.rectification.selectors import summary

    data = summary(issuer)
    rows = {row["school__township__code"]: row for row in data["townships"]}
    assert rows[county.township_a.code]["open"] == 1 and rows[county.township_a.code]["overdue"] == 1
    assert rows[county.township_a.code]["closed"] == 1
    assert rows[county.township_a.code]["avg_close_days"] is not None
    assert rows[county.township_b.code]["open"] == 1 and rows[county.township_b.code]["overdue"] == 0
    assert data["total"]["open"] == 2 and data["total"]["overdue"] == 1
    severities = {row["code"]: row for row in data["severities"]}
    assert severities["serious"]["notices"] == 2 and severities["serious"]["overdue"] == 1
    assert severities["serious"]["items"] == 2 and severities["general"]["items"] == 1
    assert Notice.objects.get(pk=late.pk).case.urgency == "overdue"
    # The township sees its own townships' rows only.
    township_rows = summary(county.users[Role.TOWNSHIP])["townships"]
    assert [row["school__township__code"] for row in township_rows] == [county.township_a.code]
    page = client_for(issuer).get(reverse("rectification:summary")).content.decode()
    assert 'data-testid="summary-townships"' in page


def test_the_case_page_links_to_the_notice_where_the_school_reports(county, login):
    """报送整改 is taken only on the notice's page (per-item answers and photos): the engine's case page, where the
    待办 leads, links there instead of leaving the school with "须在业务页面办理" and nowhere to go."""
    from emis.rectification.services import notice_issue, notice_step

    admin = county.users[Role.ADMIN]
    notice = draft(county, admin, today=dt.date(2021, 9, 1))
    notice_issue(notice=notice, acting_user=admin, today=dt.date(2021, 9, 1))
    notice_step(notice=notice, transition="receive", acting_user=county.users[Role.SCHOOL], today=dt.date(2021, 9, 2))
    page = login(Role.SCHOOL).get(reverse("work:case_detail", args=[notice.case_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count(f'href="{notice.get_absolute_url()}"') == 2  # the button at the top and the step's link
