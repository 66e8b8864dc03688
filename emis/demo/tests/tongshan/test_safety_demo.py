"""The demo county's campus safety (contributed through the demo's hook): the seed's figures come out of the rows."""

import datetime as dt
from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tongshan):
    """What `load_demo tongshan` printed (the package's one load)."""
    return tongshan.output


def test_the_seed_figures(demo):
    from emis.accounts.models import User
    from emis.safety import selectors

    assert "safety: 4个100%" in demo
    section = User.objects.get(username="section")
    end_2019, end_2020 = (selectors.compliance(section, dt.date(year, 12, 31)) for year in (2019, 2020))
    assert end_2020.all_percent == Decimal("100.0")
    assert end_2019.schools - end_2019.all_met == 1 and end_2019.met["alarm_video"] == end_2019.schools - 1
    assert end_2020.village_posts == 187
    area = selectors.d_area(section, on=dt.date(2020, 12, 31), first_year=2016, last_year=2020)
    assert area.eliminated == Decimal("99874")
    assert [row["year"] for row in area.by_year if row["area"]] == [2016, 2017, 2018, 2019, 2020]
    buses = {row["year"]: row for row in selectors.bus_counts(section, [2020, 2021])}
    assert buses[2020]["national"] == 146 and buses[2021]["filed"] == 184


def test_open_and_overdue_alerts_this_year(demo):
    from django.utils import timezone

    from emis.accounts.models import User
    from emis.safety.selectors import open_alerts

    section = User.objects.get(username="section")
    alerts = open_alerts(section).filter(opened_on__year__gte=timezone.localdate().year - 1)
    assert alerts.filter(case__urgency="overdue").exists()
    assert alerts.exclude(case__urgency="overdue").exists()


def test_the_safety_campaign(demo):
    from emis.accounts.models import User
    from emis.safety.selectors import safety_findings

    assert safety_findings(User.objects.get(username="section"))["open"] > 0
