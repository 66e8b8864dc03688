"""admissions' part of the access matrix (emis.testing_access): catchment zones, entry plans and exceptions
(derived), the 划片 plan and a school's entrants. The 中考 rounds are their own app (emis/rounds/tests/test_access.py).
"""

from __future__ import annotations

import pytest

from emis.orgs.models import School
from emis.testing_access import (
    ANON,
    AppMatrix,
    ObjectRoute,
    Probe,
    is_login_redirect,
)

MATRIX = AppMatrix(
    "admissions",
    other_routes={
        # 划片测算: every signed-in role, over the zones and schools of its scope (figures: emis/admissions/tests).
        "admissions:catchment_plan": [
            Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("get", {ANON: 302, "*": 404}, data={"level": "senior"}),
        ],
    },
    object_routes={
        # A school's entrant list (划片): opened through the school, so in scope or 404.
        "admissions:catchment_school": ObjectRoute(School),
    },
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
