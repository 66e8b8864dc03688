"""accounts' part of the access matrix (emis.testing_access): user accounts, signing in and out, API tokens, one's
own account pages and the administrators' security pages."""

from __future__ import annotations

import pytest

from emis.accounts.models import User
from emis.core.access import Domain, Role
from emis.testing_access import (
    ANON,
    AppMatrix,
    ObjectRoute,
    Probe,
    is_login_redirect,
)


def _token_returned(response, role):
    if role != ANON:
        assert "token" in response.json()


MATRIX = AppMatrix(
    "accounts",
    other_routes={
        "login": [Probe("get", {"*": 200})],
        # Django 5 logs out on POST only.
        "logout": [Probe("get", {"*": 405}), Probe("post", {"*": 302})],
        "api-token": [
            Probe("get", {"*": 405}),
            Probe("post", {ANON: 400, "*": 200}, credentials=True, check=_token_returned),
        ],
        # Revoking the token that sends the request, or all of the caller's tokens (token authentication only).
        "api-token-logout": [Probe("get", {ANON: 401, "*": 405}), Probe("post", {ANON: 401, "*": 204})],
        "api-token-logout-all": [Probe("get", {ANON: 401, "*": 405}), Probe("post", {ANON: 401, "*": 204})],
        # The TOTP step of a login: without a pending password step it sends back to the login page.
        "login_verify": [Probe("get", {"*": 302})],
        # One's own account: two-factor enrolment, password change, API tokens (revoking a token that is not one's
        # own, here none at all, is 404).
        "accounts:otp": [Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect)],
        "accounts:password_change": [Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect)],
        "accounts:my_tokens": [Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect)],
        "accounts:my_token_revoke": [Probe("get", {ANON: 302, "*": 405}), Probe("post", {ANON: 302, "*": 404})],
        # The login security log (failed logins, lockouts, account events): system administrators only.
        "accounts:security_log": [Probe("get", {ANON: 302, Role.ADMIN: 200, "*": 404}, check=is_login_redirect)],
        "accounts:lockout_release": [Probe("get", {ANON: 302, "*": 405}), Probe("post", {ANON: 302, "*": 404})],
    },
    object_routes={
        # A user's security actions (revoke API tokens, reset two-factor login, lift a lockout): administrators
        # only, POST only, redirecting back to the user's page.
        "accounts:user_token_revoke": ObjectRoute(User, get=405, post=(Domain.ACCOUNTS, "change")),
        "accounts:user_otp_reset": ObjectRoute(User, get=405, post=(Domain.ACCOUNTS, "change")),
        "accounts:user_unlock": ObjectRoute(User, get=405, post=(Domain.ACCOUNTS, "change")),
    },
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
