"""orgs' part of the access matrix (emis.testing_access): divisions, schools, school events and school years:
the pages and API derived from its ModelUIs and viewsets.

The data: the county plus a published 中考 round, whose senior school (H1, township B) is one more school
outside most scopes.
"""

from __future__ import annotations

import pytest

from emis.testing import build_rounds
from emis.testing_access import AppMatrix

MATRIX = AppMatrix(
    "orgs",
    data=(build_rounds,),
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
