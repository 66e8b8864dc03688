import io
import json

import pytest
from django.core.management import CommandError, call_command

from emis.core.access import Role
from emis.meals.models import MonthlyReport

pytestmark = pytest.mark.django_db


def test_open_a_month_and_print_the_totals(programme, desk):
    out = io.StringIO()
    call_command("meals", "open", "--month", "2024-10", "--user", desk.username, stdout=out)
    assert out.getvalue().strip() == "opened=3" and MonthlyReport.objects.count() == 3
    with pytest.raises(CommandError):  # a school account does not open the county's reports
        call_command("meals", "open", "--month", "2024-11", "--user", programme.users[Role.SCHOOL].username)
    out = io.StringIO()
    call_command("meals", "totals", "--year", "2024", "--period", "autumn", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["beneficiaries"] == 5 and data["amount"] == "1600.00" and len(data["months"]) == 4
