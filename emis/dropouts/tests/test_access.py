"""dropouts' part of the access matrix (emis.testing_access): the case and monthly-report lists, exports and pages
derived from their ModelUIs; the ledgers, the dashboard and the county's report management probed per role; and
every step route checked per row: 404 outside the scope, 302 back to the row inside it (an empty form is refused for
anyone: each step needs the version the page showed), nothing changes.

四查三比对: the page for the accounts that oversee an area (404 for school accounts: the register is not theirs), and
the review of a possible match, POST only: with no record every role gets 404 (pages answer 404 for "not yours" and
"not allowed" alike); the decisions themselves are tested in test_detection_pages.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, Probe, send

from ..apps import DOMAIN
from ..models import Contact, DropoutCase, MonthlyReport

DAY = dt.date(2024, 10, 15)


def make_cases(county) -> None:
    """The fixture's 股室 account gets the 控辍保学 domain; a case at A1 (the school records 辍学), one of township B
    (a register child), and the September reports of every school."""
    from emis.students.rollchanges import pupils_drop_out

    from ..services import open_cases, request_reports
    from .conftest import flag

    section = county.users[Role.SECTION]
    section.domains = [*section.domains, DOMAIN]
    section.save()
    pupils_drop_out(students=[county.students["张三丰"]], date=DAY, acting_user=county.users[Role.SCHOOL])
    open_cases([flag(county, township=county.township_b, name="南林")], section, today=DAY)
    request_reports(dt.date(2024, 9, 1), section)


def _visible(expected, role, model, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and model.objects.for_user(user).filter(pk=obj.pk).exists()


def _state(obj):
    obj.case.refresh_from_db()
    return (obj.case.state, obj.case.version, Contact.objects.count())


def _post_routes(name, model, *, kwargs=None):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for obj in model.objects.order_by("pk"):
                url = reverse(name, args=[obj.pk, *(kwargs or ())])
                before = _state(obj)
                response = send(clients[role], "post", url, {})
                status = 302 if role == ANON or _visible(expected, role, model, obj) else 404
                failures.expect(role, f"POST {url}", response, status)
                if role == ANON:
                    failures.check(response["Location"].startswith("/accounts/login/"), f"{url} not to login")
                failures.check(_state(obj) == before, f"{role}: POST {url} changed the case")
        return failures

    return check


class DropoutsMatrix(AppMatrix):
    per_row: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_row})

    def check(self, route, expected, clients) -> None:
        if route in self.per_row:
            failures = self.per_row[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


EVERYONE = {ANON: 302, "*": 200}
OVERSEERS = {
    ANON: 302,
    Role.LEADER: 200,
    Role.SECTION: 200,
    Role.TOWNSHIP: 200,
    Role.CITY: 200,
    Role.PROVINCE: 200,
    Role.ADMIN: 200,
    "*": 404,
}

MATRIX = DropoutsMatrix(
    "dropouts",
    other_routes={
        "dropouts:ledger_children": [Probe("get", EVERYONE)],
        "dropouts:ledger_suspected": [Probe("get", EVERYONE)],
        "dropouts:ledger_dropouts": [Probe("get", EVERYONE)],
        "dropouts:dashboard": [Probe("get", EVERYONE)],
        "dropouts:reports_manage": [Probe("get", {ANON: 302, Role.SECTION: 200, Role.ADMIN: 200, "*": 404})],
        # Without a school year the allowed roles find nothing (404) either.
        "dropouts:open_detected": [Probe("post", {ANON: 302, "*": 404}, data={})],
        "dropouts:detection": [Probe("get", OVERSEERS)],
        "dropouts:detection_review": [Probe("get", {ANON: 302, "*": 405}), Probe("post", {ANON: 302, "*": 404})],
    },
    data=(make_cases,),
)
MATRIX.per_row = {
    "dropouts:case_step": _post_routes("dropouts:case_step", DropoutCase, kwargs=("verify",)),
    "dropouts:case_responsibles": _post_routes("dropouts:case_responsibles", DropoutCase),
    "dropouts:report_submit": _post_routes("dropouts:report_submit", MonthlyReport),
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
