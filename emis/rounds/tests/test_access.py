"""rounds' part of the access matrix (emis.testing_access): the 中考 rounds' lists, details and exports (derived),
their workflow steps, the solve's progress, the admitted lists and appeals.

The data: the county plus a published 中考 round (its senior school lies in township B).
"""

from __future__ import annotations

import pytest

from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.rounds.models import AdmissionRound, Appeal, RoundSchool
from emis.testing import build_rounds
from emis.testing_access import AppMatrix, ObjectRoute

MATRIX = AppMatrix(
    "rounds",
    object_routes={
        # 中考录取 workflow steps, POST only. The fixture's round is published, so an allowed step (and an empty
        # upload) redirects back to the round with the reason, changing nothing.
        "rounds:round_load": ObjectRoute(AdmissionRound, get=405, post=(ADMISSIONS_DOMAIN, "change")),
        "rounds:round_allocate": ObjectRoute(AdmissionRound, get=405, post=(ADMISSIONS_DOMAIN, "change")),
        "rounds:round_solve": ObjectRoute(AdmissionRound, get=405, post=(ADMISSIONS_DOMAIN, "change")),
        "rounds:round_publish": ObjectRoute(AdmissionRound, get=405, post=(ADMISSIONS_DOMAIN, "change")),
        # The progress of a round's solve run (the round page polls it): in scope or 404.
        "rounds:round_solve_status": ObjectRoute(AdmissionRound),
        # The admitted lists (xlsx) of a published round: in scope or 404.
        "rounds:round_export": ObjectRoute(AdmissionRound),
        "rounds:roundschool_admitted": ObjectRoute(RoundSchool),
        # Deciding an appeal (an empty decision is refused with a message).
        "rounds:appeal_decide": ObjectRoute(Appeal, get=405, post=(ADMISSIONS_DOMAIN, "change")),
    },
    data=(build_rounds,),
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
