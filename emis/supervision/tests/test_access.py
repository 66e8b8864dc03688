"""supervision's part of the access matrix (emis.testing_access): the lists, exports, pages and forms of 督学, 责任区,
督导计划, 督导记录 and 挂点包片 derived from their ModelUIs; the 达标 page (page, print, xlsx) and the visit form
probed per role; and the steps (终止 an assignment, 开具整改通知书, 生成计划) checked per row: 404 for a role without
the right or outside the scope, and an empty form moves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, Probe, is_xlsx, send

from ..models import Assignment, Visit, VisitPlan
from .conftest import setup_supervision


def make_rows(county) -> None:
    setup_supervision(county)
    visit = Visit.objects.filter(school=county.school_b1).first()
    visit.findings.create(text="消防通道堵塞", severity="serious", must_change=True)
    for assignment in Assignment.objects.all():
        VisitPlan.objects.create(school=assignment.school, month=dt.date(2024, 10, 1), inspector=assignment.inspector)


def _visible(expected, role, model, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and model.objects.for_user(user).filter(pk=obj.pk).exists()


def _row_action(model, url_name, action, allowed_roles, state):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for obj in model.objects.order_by("pk"):
                url = reverse(url_name, args=[obj.pk, action])
                before = state(obj)
                response = send(clients[role], "post", url, {})
                visible = _visible(expected, role, model, obj)
                allowed = role in allowed_roles and visible
                # Allowed: the empty form is refused with a message and a redirect to the row.
                failures.expect(role, f"POST {url}", response, 302 if role == ANON or allowed else 404)
                obj.refresh_from_db()
                failures.check(state(obj) == before, f"{role}: POST {url} changed the row")
        return failures

    return check


def check_generate(expected, clients) -> Failures:
    failures = Failures()
    url = reverse("supervision:visitplan_list_action", args=["generate"])
    for role in ROLES:
        count = VisitPlan.objects.count()
        response = send(clients[role], "post", url, {})
        failures.expect(role, f"POST {url}", response, 302 if role in (ANON, Role.ADMIN) else 404)
        failures.check(VisitPlan.objects.count() == count, f"{role}: an empty form made plans")
    return failures


class SupervisionMatrix(AppMatrix):
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

MATRIX = SupervisionMatrix(
    "supervision",
    other_routes={
        "supervision:compliance": [Probe("get", EVERY_ROLE, data={"year": "2024", "term": "autumn"})],
        "supervision:compliance_print": [Probe("get", EVERY_ROLE, data={"year": "2024", "term": "autumn"})],
        "supervision:compliance_export": [
            Probe("get", EVERY_ROLE, data={"year": "2024", "term": "autumn"}, check=is_xlsx)
        ],
        "supervision:kindergartens": [Probe("get", EVERY_ROLE, data={"year": "2019"})],
        "supervision:kindergartens_export": [Probe("get", EVERY_ROLE, data={"year": "2019"}, check=is_xlsx)],
        "supervision:five": [Probe("get", EVERY_ROLE, data={"year": "2024", "term": "autumn"})],
        "supervision:five_export": [Probe("get", EVERY_ROLE, data={"year": "2024", "term": "autumn"}, check=is_xlsx)],
        # The 督学's own page: the fixture's inspector account is 王督学; no other account is a 督学.
        "supervision:my_zone": [Probe("get", {ANON: 302, Role.INSPECTOR: 200, "*": 404})],
        # The visit form: for the roles that record visits (督学, and the administrator); an empty form records none.
        "supervision:visit_new": [
            Probe("get", {ANON: 302, Role.INSPECTOR: 200, Role.ADMIN: 200, "*": 404}),
            Probe("post", {ANON: 302, Role.INSPECTOR: 200, Role.ADMIN: 200, "*": 404}, data={}),
        ],
    },
    data=(make_rows,),
)

MATRIX.per_route = {
    "supervision:assignment_action": _row_action(
        Assignment, "supervision:assignment_action", "end", {Role.ADMIN}, lambda o: o.end_date
    ),
    "supervision:visit_action": _row_action(
        Visit, "supervision:visit_action", "notice", {Role.ADMIN}, lambda o: o.notice_id
    ),
    "supervision:visitplan_list_action": check_generate,
    # No list-level action on the assignments or visits, nor a row action on the plans: unknown names answer 404
    # (anonymous too: the step is looked up before the login).
    "supervision:assignment_list_action": lambda expected, clients: _no_list_action(
        clients, "supervision:assignment_list_action"
    ),
    "supervision:visit_list_action": lambda expected, clients: _no_list_action(
        clients, "supervision:visit_list_action"
    ),
    "supervision:visitplan_action": lambda expected, clients: _no_row_action(clients),
}


def _no_list_action(clients, url_name) -> Failures:
    failures = Failures()
    url = reverse(url_name, args=["end"])
    for role in ROLES:
        response = send(clients[role], "post", url, {})
        failures.expect(role, f"POST {url}", response, 404)
    return failures


def _no_row_action(clients) -> Failures:
    failures = Failures()
    for role in ROLES:
        for plan in VisitPlan.objects.order_by("pk")[:1]:
            url = reverse("supervision:visitplan_action", args=[plan.pk, "generate"])
            response = send(clients[role], "post", url, {})
            failures.expect(role, f"POST {url}", response, 404)
    return failures


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
