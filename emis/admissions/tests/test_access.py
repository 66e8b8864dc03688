"""admissions' part of the access matrix (emis.testing_access): catchment zones, entry plans and exceptions
(derived), the 划片 plan and a school's entrants, and the 中考 rounds' workflow steps, lists and appeals.

The data: the county plus a published 中考 round (its senior school lies in township B).
"""

from __future__ import annotations

import pytest

from emis.admissions.models import AdmissionRound, Appeal, RoundSchool
from emis.core.access import Domain
from emis.orgs.models import School
from emis.testing import build_rounds
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
        # 中考录取 workflow steps, POST only. The fixture's round is published, so an allowed step (and an empty
        # upload) redirects back to the round with the reason, changing nothing.
        "admissions:round_load": ObjectRoute(AdmissionRound, get=405, post=(Domain.ADMISSIONS, "change")),
        "admissions:round_allocate": ObjectRoute(AdmissionRound, get=405, post=(Domain.ADMISSIONS, "change")),
        "admissions:round_solve": ObjectRoute(AdmissionRound, get=405, post=(Domain.ADMISSIONS, "change")),
        "admissions:round_publish": ObjectRoute(AdmissionRound, get=405, post=(Domain.ADMISSIONS, "change")),
        # The admitted lists (xlsx) of a published round: in scope or 404.
        "admissions:round_export": ObjectRoute(AdmissionRound),
        "admissions:roundschool_admitted": ObjectRoute(RoundSchool),
        # Deciding an appeal (an empty decision is refused with a message).
        "admissions:appeal_decide": ObjectRoute(Appeal, get=405, post=(Domain.ADMISSIONS, "change")),
    },
    data=(build_rounds,),
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
