"""The programme's pages: the report list (filters, constant queries), a report's page with its differences and its
steps through the buttons, the totals (filters, xlsx, print) and the tables' forms (a standard is never edited)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from emis.core.access import Role
from emis.meals import services
from emis.meals.models import DailyStandard, MonthlyReport
from emis.testing import xlsx_rows

from .conftest import month

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_report_steps_through_the_pages(programme, desk):
    county = desk
    response = client_for(county).post(
        reverse("meals:monthlyreport_list_action", args=["open"]), {"month": "2024-10-01"}
    )
    assert response.status_code == 302
    report = MonthlyReport.objects.get(school=programme.school_a1)
    school = client_for(programme.users[Role.SCHOOL])
    page = school.get(report.get_absolute_url())
    assert page.status_code == 200 and "报送月报" in page.content.decode()
    url = reverse("meals:monthlyreport_action", args=[report.pk, "report"])
    school.post(url, {"beneficiaries": "3", "days": "20", "amount": "240.00"})
    report.refresh_from_db()
    assert report.case.state == "reported" and report.beneficiaries == 3
    page = school.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="report-differences"' in page and "80.00" in page
    township = client_for(programme.users[Role.TOWNSHIP])
    township.post(reverse("meals:monthlyreport_action", args=[report.pk, "send_back"]), {"comment": ""})
    report.case.refresh_from_db()
    assert report.case.state == "reported"  # 退回 without a reason is refused
    township.post(reverse("meals:monthlyreport_action", args=[report.pk, "send_back"]), {"comment": "人数不符"})
    report.case.refresh_from_db()
    assert report.case.state == "due"


def test_the_report_list_keeps_its_queries_and_filters(programme, desk, django_assert_max_num_queries):
    services.reports_open(month=month(2024, 10), acting_user=desk, today=dt.date(2024, 11, 1))
    services.reports_open(month=month(2024, 11), acting_user=desk, today=dt.date(2024, 12, 2))
    admin = client_for(programme.users[Role.ADMIN])
    admin.get(reverse("meals:monthlyreport_list"))  # warm the caches (menu, registry)
    with django_assert_max_num_queries(14):
        response = admin.get(reverse("meals:monthlyreport_list"))
    assert response.status_code == 200
    assert len(list(response.context["table"].data)) == 6
    report = MonthlyReport.objects.filter(school=programme.school_a1, month=month(2024, 10)).get()
    services.report_submit(
        report=report, beneficiaries=9, days=20, amount="1", acting_user=programme.users[Role.SCHOOL]
    )
    differs = admin.get(reverse("meals:monthlyreport_list"), {"differs": "true"})
    assert list(differs.context["table"].data) == [report]
    states = admin.get(reverse("meals:monthlyreport_list"), {"state": "due"})
    assert len(list(states.context["table"].data)) == 5
    rows = xlsx_rows(admin.get(reverse("meals:monthlyreport_export", args=["xlsx"])))
    assert len(rows) == 7


def test_totals_page_export_and_print(programme):
    admin = client_for(programme.users[Role.ADMIN])
    query = {"period": "autumn", "year": "2024"}
    page = admin.get(reverse("meals:totals"), query)
    assert page.status_code == 200
    totals = page.context["totals"]
    # 5 pupils × 20 days × 4元 in September–December (January has no days).
    assert totals.beneficiaries == 5 and totals.amount == Decimal("1600.00")
    assert len(totals.townships) == 2 and len(totals.by_month) == 4
    narrowed = admin.get(reverse("meals:totals"), {**query, "scheme": "national"}).context["totals"]
    assert narrowed.beneficiaries == 2 and narrowed.amount == Decimal("640.00")
    by_school = admin.get(reverse("meals:totals"), {**query, "school": programme.school_a2.pk}).context["totals"]
    assert by_school.beneficiaries == 1
    rows = xlsx_rows(admin.get(reverse("meals:totals_export"), query))
    assert rows[1][4] == 5 and Decimal(str(rows[1][6])) == Decimal("1600")
    printed = admin.get(reverse("meals:totals_print"), query)
    assert printed.status_code == 200 and 'data-testid="totals-sheet"' in printed.content.decode()


def test_a_standard_form_is_locked_once_entered(programme):
    admin = client_for(programme.users[Role.ADMIN])
    standard = DailyStandard.objects.get(effective_from=dt.date(2014, 11, 1))
    admin.post(
        reverse("meals:dailystandard_edit", args=[standard.pk]), {"effective_from": "2014-11-01", "amount": "9.00"}
    )
    standard.refresh_from_db()
    assert standard.amount == Decimal("4.00")
    response = admin.post(
        reverse("meals:dailystandard_add"),
        {"effective_from": "2021-09-01", "amount": "5.00", "basis": "财教〔2021〕174号"},
    )
    assert response.status_code == 302
    assert DailyStandard.objects.filter(effective_from=dt.date(2021, 9, 1), amount=Decimal("5.00")).exists()


def test_the_totals_page_keeps_its_queries_as_schools_and_months_grow(programme, django_assert_max_num_queries):
    from emis.meals.models import Participation, SchoolDays
    from emis.students.models import SchoolClass
    from emis.testing import make_enrollment, make_school, make_student

    admin = client_for(programme.users[Role.ADMIN])
    query = {"period": "school_year", "year": "2024"}
    admin.get(reverse("meals:totals"), query)
    with django_assert_max_num_queries(45) as few:
        admin.get(reverse("meals:totals"), query)
    for i in range(4):
        school = make_school(f"214231{i:04d}", f"新增学校{i}", "primary", programme.township_b)
        Participation.objects.create(school=school, scheme="national", start_date=dt.date(2020, 3, 1))
        klass = SchoolClass.objects.create(school=school, school_year=programme.year, grade="P2", name="1班")
        make_enrollment(make_student(f"新增{i}", school, birth=dt.date(2017, 3, 1 + i)), klass)
    for number in (3, 4, 5):
        SchoolDays.objects.create(month=month(2025, number), days=20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin.get(reverse("meals:totals"), query)
    assert response.context["totals"].beneficiaries == 9
