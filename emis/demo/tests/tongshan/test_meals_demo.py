"""The demo county's 营养改善计划 (contributed by emis.meals through the demo's hook): the published 2021 figures
"使用营养改善计划资金1831万元，惠及学生64238人" computed by the engine from the rolls, the participating schools, the
dated standards and the 供餐天数 (docs/domains/meals.md states the demo's assumptions), and monthly reports in
several states."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from emis.accounts.models import User
from emis.meals import selectors
from emis.meals.models import DailyStandard, MonthlyReport, Participation, SchoolDays
from emis.work.selectors import waiting_for

pytestmark = pytest.mark.django_db


def test_2021_beneficiaries_and_funds_are_the_published_ones(tongshan):
    totals = selectors.totals(tongshan.admin, selectors.period_months("year", 2021))
    assert totals.beneficiaries == 64238  # 惠及学生64238人
    assert totals.amount == Decimal("18310000.00")  # 资金1831万元
    # Funds are the months' beneficiaries × days × the standard in force; nothing is stored.
    assert totals.amount == sum(
        (row["beneficiaries"] * row["days"] * row["standard"] for row in totals.rows), Decimal("0")
    )
    assert sum(row["amount"] for row in totals.townships) == totals.amount


def test_the_inputs_are_the_county_s_tables(tongshan):
    standards = dict(DailyStandard.objects.values_list("effective_from", "amount"))
    assert standards[dt.date(2014, 11, 1)] == Decimal("4.00") and standards[dt.date(2021, 9, 1)] == Decimal("5.00")
    assert Participation.objects.filter(scheme="national").exists()
    assert Participation.objects.filter(scheme="local").exists()
    defaults = SchoolDays.objects.filter(school__isnull=True, month__year=2021)
    assert defaults.count() == 9 and all(0 < d.days <= 23 for d in defaults)
    assert SchoolDays.objects.filter(school__isnull=False, month__year=2021).exists()  # some schools' own days


def test_the_totals_page_shows_the_published_figures(tongshan):
    client = Client()
    client.force_login(tongshan.admin)
    page = client.get(reverse("meals:totals"), {"period": "year", "year": "2021"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "64238" in text and "18310000.00" in text


def test_reports_in_several_states_some_overdue(tongshan):
    reports = MonthlyReport.objects.select_related("case")
    states = {report.case.state for report in reports}
    assert {"due", "reported", "checked", "confirmed"} <= states
    assert any(r.case.urgency == "overdue" and r.case.closed_at is None for r in reports)
    assert any(r.differences and r.differences["beneficiaries"] for r in reports)
    assert any(step.transition == "send_back" for r in reports for step in r.case.steps.all())
    school = User.objects.get(username="school")
    assert MonthlyReport.objects.for_user(school).exists()
    township = User.objects.get(username="township")
    assert waiting_for(township).filter(workflow="meals_monthly_report").exists()
    section = User.objects.get(username="section")
    assert "meals" in section.domains
