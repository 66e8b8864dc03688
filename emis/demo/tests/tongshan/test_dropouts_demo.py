"""The demo county's 控辍保学 (contributed by emis.dropouts through the demo's hook): 2020 with its cases all ended
("无一人失学辍学" holds), 2021 with open cases in several states (two dropouts still being brought back), the demo
accounts' 待办, numbered notices, contacts on both lines, and the monthly reports with two overdue."""

import pytest

from emis.accounts.models import User
from emis.dropouts import selectors
from emis.dropouts.models import Contact, DropoutCase, MonthlyReport
from emis.orgs.models import SchoolYear
from emis.work.selectors import waiting_for

pytestmark = pytest.mark.django_db


def test_2020_cases_all_ended_so_nobody_is_out_of_school(tongshan):
    year = SchoolYear.objects.get(start_year=2020)
    section = User.objects.get(username="section")
    cases = DropoutCase.objects.filter(school_year=year).select_related("case")
    assert {dc.case.state for dc in cases} == {"closed", "excluded"}
    assert all(dc.case.closed_at is not None for dc in cases)
    assert selectors.none_out_of_school(section, year)
    board = selectors.dashboard(section, year)
    assert board["none_out_of_school"] and board["total"]["closed"] == cases.count() >= 4
    closed = [dc for dc in cases if dc.case.state == "closed"]
    assert all(dc.notice_number.startswith("通教控辍〔2020〕") for dc in closed)
    assert {c.line for c in Contact.objects.filter(dropout_case__in=closed)} == {"admin", "education"}


def test_2021_has_open_cases_in_several_states_in_the_accounts_inboxes(tongshan):
    year = SchoolYear.objects.get(start_year=2021)
    states = set(DropoutCase.objects.filter(school_year=year).values_list("case__state", flat=True))
    assert states == {"suspected", "verifying", "persuading", "excluded"}
    # Two confirmed dropouts are still being brought back: the dashboard does not claim "无一人失学辍学" for 2021.
    assert not selectors.none_out_of_school(User.objects.get(username="section"), year)
    township = User.objects.get(username="township")
    school = User.objects.get(username="school")
    assert waiting_for(township).filter(workflow="dropout_return").count() >= 3
    assert waiting_for(school).filter(workflow="dropout_return", state="persuading").exists()
    # The township sees its own cases only.
    assert all(
        code == "421224101"
        for code in DropoutCase.objects.for_user(township).values_list("case__township_code", flat=True)
    )


def test_monthly_reports_with_two_overdue(tongshan):
    reports = MonthlyReport.objects.select_related("case")
    assert reports.filter(case__state="rechecked").exists()
    assert reports.filter(note="本月无辍学").count() >= 10
    overdue = [r for r in reports if r.case.urgency == "overdue" and r.case.closed_at is None]
    assert len(overdue) == 2 and all(r.month.month == 11 for r in overdue)
