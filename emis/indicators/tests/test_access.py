"""indicators' part of the access matrix (emis.testing_access): plan targets and snapshots (derived), the
dashboards and publishing a snapshot."""

from __future__ import annotations

import pytest

from emis.core.access import Role
from emis.testing_access import (
    ANON,
    AppMatrix,
    Probe,
    is_login_redirect,
)

MATRIX = AppMatrix(
    "indicators",
    other_routes={
        # Indicator dashboards: every signed-in role, over its own scope (figures: emis/indicators/tests).
        "indicators:dashboard": [
            Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
        ],
        "indicators:screen": [Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect)],
        "indicators:detail": [
            Probe("get", {ANON: 302, "*": 200}, kwargs={"code": "preschool_ger"}),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"code": "no_such_indicator"}),
        ],
        # Publishing a snapshot: POST only, by roles writing the indicators domain (redirects back); 404 for others.
        "indicators:publish": [
            Probe("get", {"*": 405}),
            Probe("post", {ANON: 302, Role.ADMIN: 302, "*": 404}),
        ],
    },
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
