"""population' part of the access matrix (emis.testing_access): population records and 县外就读:
the pages, API and ID-number lookups derived from its ModelUIs and viewsets."""

from __future__ import annotations

import pytest

from emis.testing_access import AppMatrix

MATRIX = AppMatrix("population")


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
