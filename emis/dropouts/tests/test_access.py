"""dropouts' part of the access matrix (emis.testing_access).

四查三比对 (helper "det"): the page for the accounts that oversee an area (404 for school accounts: the register is
not theirs), and the review of a possible match, POST only: with no record every role gets 404 (pages answer 404
for "not yours" and "not allowed" alike); the decisions themselves are tested in test_detection_pages.py.
At merge: join DETECTION_ROUTES into the app's one MATRIX."""

from __future__ import annotations

import pytest

from emis.core.access import Role
from emis.testing_access import ANON, AppMatrix, Probe

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
DETECTION_ROUTES = {
    "dropouts:detection": [Probe("get", OVERSEERS)],
    "dropouts:detection_review": [Probe("get", {ANON: 302, "*": 405}), Probe("post", {ANON: 302, "*": 404})],
}

MATRIX = AppMatrix("dropouts", other_routes={**DETECTION_ROUTES})


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
