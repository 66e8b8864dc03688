"""safety's part of the access matrix (emis.testing_access): the registers' lists, exports, pages and forms derived
from their ModelUIs (a school sees only its own rows; another school's bus answers 404); the dashboard, the 4个100%
table (page, print, xlsx) and the figures probed per role; the alert's step and the sweep checked per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLE_WRITES, ROLES, AppMatrix, Failures, ObjectRoute, Probe, is_xlsx, send

from ..apps import DOMAIN
from ..models import Evidence, ExpiryAlert, SafetyFact
from .conftest import setup_buildings, setup_compliance, setup_fleet


def make_rows(county) -> None:
    from emis.accounts.models import User

    from ..services import expiry_sweep

    setup_compliance(county)
    setup_buildings(county)
    setup_fleet(county)
    admin = User.objects.filter(role=Role.ADMIN).first()
    expiry_sweep(acting_user=admin, today=dt.date(2026, 3, 1))
    make_evidence(county, admin)


def make_evidence(county, admin) -> None:
    """One photo on a fact of A1's and one of B1's (B1 is outside school A1's and township A's scope)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..services import evidence_add
    from .test_evidence import jpeg

    for school in (county.school_a1, county.school_b1):
        row = SafetyFact.objects.filter(school=school).first() or SafetyFact.objects.create(
            school=school, kind="closed", effective_on=dt.date(2024, 1, 1)
        )
        evidence_add(row=row, upload=SimpleUploadedFile("验收单.jpg", jpeg().read()), acting_user=admin)


def _visible(expected, role, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and ExpiryAlert.objects.for_user(user).filter(pk=obj.pk).exists()


HANDLE = {Role.SCHOOL, Role.TOWNSHIP, Role.ADMIN}


def check_handle(expected, clients) -> Failures:
    failures = Failures()
    for role in ROLES:
        for alert in ExpiryAlert.objects.select_related("case").order_by("pk"):
            url = reverse("safety:expiryalert_action", args=[alert.pk, "handle"])
            before = (alert.case.state, alert.case.version)
            response = send(clients[role], "post", url, {})
            allowed = role in HANDLE and _visible(expected, role, alert)
            failures.expect(role, f"POST {url}", response, 302 if role == ANON or allowed else 404)
            alert.case.refresh_from_db()
            failures.check((alert.case.state, alert.case.version) == before, f"{role}: POST {url} moved it")
    return failures


def check_sweep(expected, clients) -> Failures:
    failures = Failures()
    url = reverse("safety:expiryalert_list_action", args=["sweep"])
    for role in ROLES:
        count = ExpiryAlert.objects.count()
        response = send(clients[role], "post", url, {})
        failures.expect(role, f"POST {url}", response, 302 if role in (ANON, Role.ADMIN) else 404)
        failures.check(ExpiryAlert.objects.count() == count, f"{role}: an empty form opened alerts")
    return failures


def check_upload(expected, clients) -> Failures:
    """POST a photo to each fact: 302 (stored, then rolled back) where the role writes the domain and the fact is in
    its scope, else 404 and nothing written."""
    from .test_evidence import jpeg

    failures = Failures()
    for role in ROLES:
        visible = expected.visible_ids(role, SafetyFact) if role != ANON else set()
        for row in SafetyFact.objects.order_by("pk"):
            url = reverse("safety:evidence_upload", args=["safetyfact", row.pk])
            count = Evidence.objects.count()
            response = send(clients[role], "post", url, {"files": [jpeg()]})
            allowed = role != ANON and row.pk in visible and DOMAIN in ROLE_WRITES[role]
            failures.expect(role, f"POST {url}", response, 302 if role == ANON or allowed else 404)
            failures.check(Evidence.objects.count() == count, f"{role}: POST {url} left a file behind")
    return failures


class SafetyMatrix(AppMatrix):
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
ON = {"year": "2024"}

MATRIX = SafetyMatrix(
    "safety",
    other_routes={
        "safety:dashboard": [Probe("get", EVERY_ROLE)],
        "safety:compliance": [Probe("get", EVERY_ROLE, data=ON)],
        "safety:compliance_print": [Probe("get", EVERY_ROLE, data=ON)],
        "safety:compliance_export": [Probe("get", EVERY_ROLE, data=ON, check=is_xlsx)],
        "safety:figures": [Probe("get", EVERY_ROLE)],
        "safety:figures_export": [Probe("get", EVERY_ROLE, check=is_xlsx)],
    },
    object_routes={
        "safety:evidence_download": ObjectRoute(Evidence),
        "safety:evidence_thumbnail": ObjectRoute(Evidence),
        "safety:evidence_delete": ObjectRoute(Evidence, get=405, post=(DOMAIN, "change")),
    },
    data=(make_rows,),
)
MATRIX.per_route = {
    "safety:expiryalert_action": check_handle,
    "safety:expiryalert_list_action": check_sweep,
    "safety:evidence_upload": check_upload,
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
