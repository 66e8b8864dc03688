"""`emis safety sweep|seed_templates|figures`: the sweep opens the alerts once; the checklist is published once (the
same content again keeps the version) with the seed's six themes."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from emis.core.access import Role
from emis.safety.models import ExpiryAlert

from .conftest import setup_fleet

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("safety", *args, stdout=out)
    return out.getvalue()


def test_the_sweep_command_is_safe_to_run_twice(county):
    setup_fleet(county)
    admin = county.users[Role.ADMIN].username
    assert "opened 1" in _run("sweep", "--user", admin, "--date", "2026-03-01")
    assert "opened 0" in _run("sweep", "--user", admin, "--date", "2026-03-01")
    assert ExpiryAlert.objects.count() == 1


def test_seed_templates_publishes_the_themes_once(county):
    from emis.inspections.models import Template

    admin = county.users[Role.ADMIN].username
    assert "version 1" in _run("seed_templates", "--user", admin)
    assert "version 1" in _run("seed_templates", "--user", admin)
    template = Template.objects.get(code="safety-hazard-check")
    titles = list(template.versions.get(number=1).sections.order_by("order").values_list("title", flat=True))
    assert titles == ["交通安全", "消防安全", "防溺水", "防欺凌", "食堂和净菜配送", "危险化学品"]
    assert template.purpose == "safety"


def test_figures_command(county):
    setup_fleet(county)
    out = _run("figures", "--date", dt.date(2021, 12, 31).isoformat())
    assert "2021: buses 2, national 1, filed 1" in out
