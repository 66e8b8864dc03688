"""meals' part of the access matrix (emis.testing_access): the lists, exports, pages and forms of 实施学校, 补助标准,
供餐天数 and 月报 derived from their ModelUIs; the totals (page, print, xlsx) probed per role; and the report's step
routes checked per report: 404 for a role without the step's right or outside the scope, a redirect back to the
report inside it, and an empty form moves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, Probe, is_xlsx, send

from ..models import MonthlyReport
from .conftest import setup_programme

OPENED = dt.date(2024, 11, 1)


def make_reports(county) -> None:
    from emis.accounts.models import User

    from ..services import reports_open

    setup_programme(county)
    admin = User.objects.filter(role=Role.ADMIN).first()
    reports_open(month=dt.date(2024, 10, 1), acting_user=admin, today=OPENED)


def _visible(expected, role, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and MonthlyReport.objects.for_user(user).filter(pk=obj.pk).exists()


STEP_RIGHTS = {"check": {Role.TOWNSHIP, Role.ADMIN}, "report": {Role.SCHOOL, Role.ADMIN}}


def _step_route(action):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for report in MonthlyReport.objects.select_related("case").order_by("pk"):
                url = reverse("meals:monthlyreport_action", args=[report.pk, action])
                before = (report.case.state, report.case.version)
                response = send(clients[role], "post", url, {})
                allowed = role in STEP_RIGHTS[action] and _visible(expected, role, report)
                failures.expect(role, f"POST {url}", response, 302 if role == ANON or allowed else 404)
                report.case.refresh_from_db()
                failures.check((report.case.state, report.case.version) == before, f"{role}: POST {url} moved it")
        return failures

    return check


def check_open_month(expected, clients) -> Failures:
    failures = Failures()
    url = reverse("meals:monthlyreport_list_action", args=["open"])
    for role in ROLES:
        count = MonthlyReport.objects.count()
        response = send(clients[role], "post", url, {})
        failures.expect(role, f"POST {url}", response, 302 if role in (ANON, Role.ADMIN) else 404)
        failures.check(MonthlyReport.objects.count() == count, f"{role}: an empty form opened reports")
    return failures


class MealsMatrix(AppMatrix):
    per_route: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_route})

    def check(self, route, expected, clients) -> None:
        if route in self.per_route:
            failures = self.per_route[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


EVERY_ROLE = {ANON: 302, "*": 200}

MATRIX = MealsMatrix(
    "meals",
    other_routes={
        "meals:totals": [Probe("get", EVERY_ROLE, data={"period": "autumn", "year": "2024"})],
        "meals:totals_print": [Probe("get", EVERY_ROLE, data={"period": "autumn", "year": "2024"})],
        "meals:totals_export": [Probe("get", EVERY_ROLE, data={"period": "autumn", "year": "2024"}, check=is_xlsx)],
    },
    data=(make_reports,),
)


def _both(expected, clients) -> Failures:
    failures = _step_route("check")(expected, clients)
    failures.extend(_step_route("report")(expected, clients))
    return failures


MATRIX.per_route = {"meals:monthlyreport_action": _both, "meals:monthlyreport_list_action": check_open_month}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
