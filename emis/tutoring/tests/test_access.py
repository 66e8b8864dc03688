"""tutoring's part of the access matrix (emis.testing_access): the lists, exports, pages and forms of 校外培训机构,
教师, 收费项目, 投诉举报 and 联合检查 derived from their ModelUIs (a school account lists none and gets 404 on every
institution; a township reads its own township's only); the summary (page, xlsx) probed per role; and the step
routes checked per row: 登记投诉 on an institution, 核查 and 办结 on a complaint — 404 for a role without the step's
right or outside the scope, a redirect back to the row inside it, and an empty form changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, Probe, is_xlsx, send

from ..models import Complaint, Institution, JointCheck
from .conftest import setup_institutions


def make_rows(county) -> None:
    from emis.accounts.models import User

    from ..services import complaint_receive

    institutions = setup_institutions(county)
    admin = User.objects.filter(role=Role.ADMIN).first()
    for key in ("A", "B"):
        complaint_receive(
            institution=institutions[key],
            received_on=dt.date(2024, 10, 8),
            channel="12345",
            complainant="张女士",
            content="超过三个月预收费。",
            acting_user=admin,
        )
        check = JointCheck.objects.create(
            checked_on=dt.date(2024, 10, 9), township=institutions[key].township, partners=["market"], findings="无"
        )
        check.institutions.add(institutions[key])


# Who holds each step's right on the tutoring domain (the matrix's 股室 account has not been given the domain).
HANDLERS = {Role.TOWNSHIP, Role.ADMIN}


def _visible(expected, role, model, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and model.objects.for_user(user).filter(pk=obj.pk).exists()


def _state(obj):
    if isinstance(obj, Complaint):
        obj.case.refresh_from_db()
        return (obj.case.state, obj.case.version)
    return Complaint.objects.filter(institution=obj).count()


def _step_route(route, model, action):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for obj in model.objects.order_by("pk"):
                url = reverse(route, args=[obj.pk, action])
                before = _state(obj)
                response = send(clients[role], "post", url, {})
                allowed = role in HANDLERS and _visible(expected, role, model, obj)
                failures.expect(role, f"POST {url}", response, 302 if role == ANON or allowed else 404)
                failures.check(_state(obj) == before, f"{role}: POST {url} changed it")
        return failures

    return check


def _list_action(route):
    def check(expected, clients) -> Failures:
        failures = Failures()
        url = reverse(route, args=["check"])
        for role in ROLES:
            failures.expect(role, f"POST {url}", send(clients[role], "post", url, {}), 404)
        return failures

    return check


def _complaint_steps(expected, clients) -> Failures:
    failures = _step_route("tutoring:complaint_action", Complaint, "check")(expected, clients)
    failures.extend(_step_route("tutoring:complaint_action", Complaint, "conclude")(expected, clients))
    return failures


class TutoringMatrix(AppMatrix):
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

MATRIX = TutoringMatrix(
    "tutoring",
    other_routes={
        "tutoring:summary": [Probe("get", EVERY_ROLE)],
        "tutoring:summary_export": [Probe("get", EVERY_ROLE, check=is_xlsx)],
    },
    data=(make_rows,),
)
MATRIX.per_route = {
    "tutoring:institution_action": _step_route("tutoring:institution_action", Institution, "complaint"),
    "tutoring:institution_list_action": _list_action("tutoring:institution_list_action"),
    "tutoring:complaint_action": _complaint_steps,
    "tutoring:complaint_list_action": _list_action("tutoring:complaint_list_action"),
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
