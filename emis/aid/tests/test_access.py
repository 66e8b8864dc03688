"""aid's part of the access matrix (emis.testing_access): the lists, exports and pages of programmes, standards,
recognitions and rolls derived from their ModelUIs; the 公示 list (page and xlsx) as object routes; adding a
standard and generating rolls for the county's aid staff only; totals and coverage for every role (each within its
scope); and the POST routes (a roll's step, a line's change) checked per row: 404 outside the scope, 302 back to
the roll inside it, and an empty form changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, ObjectRoute, Probe, send

from ..apps import DOMAIN
from ..models import Category, LineChange, Roll, RollLine

DAY = dt.date(2024, 10, 8)


def make_rolls(county) -> None:
    """The fixture's 股室 account gets the aid domain; pupils with categories at A1, the teaching point, A2 and B1;
    the 2024 autumn rolls of the living allowance generated (A1's submitted)."""
    from ..models import Programme
    from ..services import generate_rolls, roll_step, term_for
    from .conftest import pupil

    section = county.users[Role.SECTION]
    section.domains = [*section.domains, DOMAIN]
    section.save()
    pupil(county, county.school_a1, "P2", boarder=True, categories=[Category.POVERTY])
    pupil(county, county.teaching_point, "P1", categories=[Category.DIBAO])
    pupil(county, county.school_a2, "J1", categories=[Category.MONITORED])
    pupil(county, county.school_b1, "P3", categories=[Category.POVERTY])
    term = term_for(2024, "autumn")
    generate_rolls(Programme.objects.get(code="compulsory_living_allowance"), term, acting_user=section, today=DAY)
    roll_step(Roll.objects.get(school=county.school_a1), "submit", acting_user=section, today=DAY)


def _visible(expected, role, model, obj) -> bool:
    user = expected.county.users.get(role)
    rows = model.objects.for_user(user) if model is Roll else RollLine.in_scope(user)
    return role != ANON and rows.filter(pk=obj.pk).exists()


def _state():
    return (
        list(Roll.objects.order_by("pk").values_list("case__state", "case__version", "persons", "amount")),
        list(RollLine.objects.order_by("pk").values_list("amount", "removed")),
        LineChange.objects.count(),
    )


def _post_routes(name, model):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for obj in model.objects.order_by("pk"):
                url = reverse(name, args=[obj.pk])
                before = _state()
                response = send(clients[role], "post", url, {})
                status = 302 if role == ANON or _visible(expected, role, model, obj) else 404
                failures.expect(role, f"POST {url}", response, status)
                if role == ANON:
                    failures.check(response["Location"].startswith("/accounts/login/"), f"{url} not to login")
                failures.check(_state() == before, f"{role}: POST {url} changed the rolls")
        return failures

    return check


class AidMatrix(AppMatrix):
    per_row: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_row})

    def check(self, route, expected, clients) -> None:
        if route in self.per_row:
            failures = self.per_row[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


MANAGERS_ONLY = {ANON: 302, Role.SECTION: 200, Role.ADMIN: 200, "*": 404}
EVERYONE = {ANON: 302, "*": 200}

MATRIX = AidMatrix(
    "aid",
    other_routes={
        "aid:standard_new": [Probe("get", MANAGERS_ONLY)],
        "aid:generate": [Probe("get", MANAGERS_ONLY)],
        "aid:totals": [Probe("get", EVERYONE)],
        "aid:coverage": [Probe("get", EVERYONE)],
    },
    object_routes={
        "aid:roll_public": ObjectRoute(Roll),
        "aid:roll_public_xlsx": ObjectRoute(Roll),
    },
    data=(make_rolls,),
)
MATRIX.per_row = {
    "aid:roll_step": _post_routes("aid:roll_step", Roll),
    "aid:line_change": _post_routes("aid:line_change", RollLine),
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
