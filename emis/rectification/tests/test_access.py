"""rectification's part of the access matrix (emis.testing_access): the notice list, export and page derived from
NoticeUI; the printable notice as an object route; drafting and the summary probed per role; and every step route
checked per notice: 404 outside the scope, 302 back to the notice inside it (an empty form is refused for anyone:
each step needs the version the page showed); and the issue step moves a draft for the issuers only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from emis.core.access import Role
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, ObjectRoute, Probe, send

from ..apps import DOMAIN
from ..models import Item, Notice

DAY = dt.date(2021, 9, 30)


def make_notices(county) -> None:
    """The fixture's 股室 account gets the rectification domain (ROLE_WRITES) and issues notices to A1 (issued, then
    received) and B1 (issued), and drafts one for A2."""
    from ..services import notice_issue, notice_step
    from .conftest import draft

    section = county.users[Role.SECTION]
    section.domains = [*section.domains, DOMAIN]
    section.save()
    a1 = notice_issue(notice=draft(county, section), acting_user=section, today=DAY)
    notice_step(notice=a1, transition="receive", acting_user=county.users[Role.SCHOOL], today=DAY)
    notice_issue(notice=draft(county, section, school=county.school_b1), acting_user=section, today=DAY)
    draft(county, section, school=county.school_a2)


def _visible(expected, role, model, obj) -> bool:
    user = expected.county.users.get(role)
    return role != ANON and model.objects.for_user(user).filter(pk=obj.pk).exists()


def _post_routes(name, model=Notice):
    def check(expected, clients) -> Failures:
        failures = Failures()
        for role in ROLES:
            for obj in model.objects.order_by("pk"):
                url = reverse(name, args=[obj.pk])
                notice = obj if model is Notice else obj.notice
                before = (notice.case.state, notice.case.version, Item.objects.count())
                response = send(clients[role], "post", url, {})
                status = 302 if role == ANON or _visible(expected, role, model, obj) else 404
                failures.expect(role, f"POST {url}", response, status)
                if role == ANON:
                    failures.check(response["Location"].startswith("/accounts/login/"), f"{url} not to login")
                notice.case.refresh_from_db()
                after = (notice.case.state, notice.case.version, Item.objects.count())
                failures.check(after == before, f"{role}: POST {url} changed the notice")
        return failures

    return check


def check_issue_refused_without_right(expected, clients) -> Failures:
    """An issue posted with the right version: only the issuers (section with the domain, admin) move the draft."""
    failures = Failures()
    notice = Notice.objects.filter(case__state="draft").get()
    for role in ROLES:
        if role == ANON:
            continue
        url = reverse("rectification:notice_issue", args=[notice.pk])
        with transaction.atomic():
            response = clients[role].post(url, {"version": notice.case.version})
            moved = Notice.objects.get(pk=notice.pk).case.state
            transaction.set_rollback(True)
        visible = _visible(expected, role, Notice, notice)
        failures.expect(role, f"POST {url}", response, 302 if visible else 404)
        want = "issued" if role in (Role.SECTION, Role.ADMIN) else "draft"
        failures.check(moved == want, f"{role}: issue left the notice {moved}, expected {want}")
    return failures


class RectificationMatrix(AppMatrix):
    per_notice: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_notice})

    def check(self, route, expected, clients) -> None:
        if route in self.per_notice:
            failures = self.per_notice[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


ISSUERS_ONLY = {ANON: 302, Role.SECTION: 200, Role.ADMIN: 200, "*": 404}

MATRIX = RectificationMatrix(
    "rectification",
    other_routes={
        "rectification:notice_new": [Probe("get", ISSUERS_ONLY)],
        "rectification:summary": [Probe("get", {ANON: 302, "*": 200})],
    },
    object_routes={"rectification:notice_print": ObjectRoute(Notice)},
    data=(make_notices,),
)
MATRIX.per_notice = {
    "rectification:item_add": _post_routes("rectification:item_add"),
    "rectification:item_delete": _post_routes("rectification:item_delete", Item),
    "rectification:notice_issue": _post_routes("rectification:notice_issue"),
    "rectification:notice_receive": _post_routes("rectification:notice_receive"),
    "rectification:notice_report": _post_routes("rectification:notice_report"),
    "rectification:notice_verify": _post_routes("rectification:notice_verify"),
    "rectification:notice_withdraw": _post_routes("rectification:notice_withdraw"),
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)


def test_only_issuers_issue(matrix_expected, matrix_clients):
    failures = check_issue_refused_without_right(matrix_expected, matrix_clients)
    assert not failures, "\n".join(failures)
