"""notifications' part of the access matrix (emis.testing_access): the list and the settings page for every signed-in
role; opening or marking read a notification only for its recipient (404 for every other role, city and province
included, as if it did not exist); marking all read touches the caller's own rows only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.notifications.models import Kind, Notification
from emis.testing_access import ANON, ROLES, AppMatrix, Failures, Probe, send

SIGNED_IN = {ANON: 302, "*": 200}
OWNER = Role.SCHOOL


def make_notifications(county) -> None:
    for role, user in county.users.items():
        Notification.objects.create(user=user, kind=Kind.STEP, title=f"给{role}的通知", url="/work/")


def _owned_route(name: str, method: str):
    """The school's notification, per role: the recipient reaches it (302), anyone else gets 404 and nothing changes."""

    def check(expected, clients) -> Failures:
        failures = Failures()
        owner = expected.county.users[OWNER]
        note = Notification.objects.get(user=owner)
        url = reverse(name, args=[note.pk])
        for role in ROLES:
            response = send(clients[role], method, url)
            status = 302 if role in (ANON, OWNER) else 404
            failures.expect(role, f"{method.upper()} {url}", response, status)
            if role == ANON:
                failures.check(response["Location"].startswith("/accounts/login/"), f"{url} not to login")
            elif role == OWNER:
                failures.check(not response["Location"].startswith("/accounts/login/"), f"{url} to login")
        failures.check(Notification.objects.get(pk=note.pk).read_at is None, "rolled back")
        return failures

    return check


def check_read_all(expected, clients) -> Failures:
    failures = Failures()
    url = reverse("notifications:read_all")
    for role in ROLES:
        before = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
        response = send(clients[role], "post", url)
        failures.expect(role, f"POST {url}", response, 302)
        if role == ANON:
            failures.check(response["Location"].startswith("/accounts/login/"), f"{url} not to login")
        after = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
        failures.check(after == before, f"{role}: rolled back")
    # Kept this time (the test's own transaction rolls it back): the caller's rows only.
    clients[Role.TOWNSHIP].post(url)
    unread = Notification.objects.filter(read_at__isnull=True)
    failures.check(not unread.filter(user=expected.county.users[Role.TOWNSHIP]).exists(), "own rows read")
    failures.check(unread.count() == len(ROLES) - 2, "others' rows untouched")
    return failures


class NotificationsMatrix(AppMatrix):
    per_route: dict = {}

    def route_ids(self) -> list[str]:
        return sorted({*super().route_ids(), *self.per_route})

    def check(self, route, expected, clients) -> None:
        if route in self.per_route:
            failures = self.per_route[route](expected, clients)
            assert not failures, f"{route}:\n" + "\n".join(failures)
        else:
            super().check(route, expected, clients)


MATRIX = NotificationsMatrix(
    "notifications",
    other_routes={
        "notifications:list": [Probe("get", SIGNED_IN), Probe("get", SIGNED_IN, data={"unread": "1"})],
        "notifications:settings": [Probe("get", SIGNED_IN), Probe("post", SIGNED_IN, data={"mobile": "bad"})],
    },
    data=(make_notifications,),
)
MATRIX.per_route = {
    "notifications:open": _owned_route("notifications:open", "get"),
    "notifications:read": _owned_route("notifications:read", "post"),
    "notifications:read_all": check_read_all,
}


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
