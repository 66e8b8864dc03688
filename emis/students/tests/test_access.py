"""students' part of the access matrix (emis.testing_access): pupils, classes and enrolments:
the pages, API and ID-number lookups derived from its ModelUIs and viewsets, and the 花名册 (a class's and a
school's printable roster, page and xlsx): 200 for a class or school in the role's scope, 404 outside."""

from __future__ import annotations

import pytest

from emis.orgs.models import School
from emis.testing_access import AppMatrix, ObjectRoute

from ..models import SchoolClass

MATRIX = AppMatrix(
    "students",
    object_routes={
        "students:schoolclass_roster": ObjectRoute(SchoolClass),
        "students:schoolclass_roster_xlsx": ObjectRoute(SchoolClass),
        "students:school_roster": ObjectRoute(School),
        "students:school_roster_xlsx": ObjectRoute(School),
    },
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
