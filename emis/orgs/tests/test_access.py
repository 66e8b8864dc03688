"""orgs' part of the access matrix (emis.testing_access): divisions, schools, school events and school years:
the pages and API derived from its ModelUIs and viewsets.

The data: the county plus a published 中考 round, whose senior school (H1, township B) is one more school
outside most scopes.
"""

from __future__ import annotations

import pytest

from emis.core.access import Role
from emis.testing import build_rounds
from emis.testing_access import ANON, AppMatrix, Probe, is_login_redirect

MATRIX = AppMatrix(
    "orgs",
    other_routes={
        # 设立县区: the system administrator's page; 404 for every other role. An empty POST only redisplays the
        # form with its errors (nothing is set up).
        "orgs:county_setup": [
            Probe("get", {ANON: 302, Role.ADMIN: 200, "*": 404}, check=is_login_redirect),
            Probe("post", {ANON: 302, Role.ADMIN: 200, "*": 404}, data={}),
        ],
    },
    data=(build_rounds,),
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
