"""reports' part of the access matrix (emis.testing_access): the statistical base tables and the annual report.

The annual report's draft is drawn once per role: the page, the Word draft and the annex share it through the
cache, which the matrix keeps for the module (the rows do not change).
"""

from __future__ import annotations

import pytest

from emis.core.access import Role
from emis.indicators.apps import DOMAIN as INDICATORS_DOMAIN
from emis.reports.models import AnnualReport
from emis.testing_access import (
    ANON,
    AppMatrix,
    ObjectRoute,
    Probe,
    is_docx,
    is_login_redirect,
    is_xlsx,
    make_annual_reports,
)

MATRIX = AppMatrix(
    "reports",
    other_routes={
        # The statistical base tables: every signed-in role, within its own scope (the figures are checked in
        # emis/reports/tests); an unknown ?year= is 404.
        "reports:stats": [
            Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
        ],
        "reports:stats_download": [
            Probe("get", {ANON: 302, "*": 200}, check=is_xlsx),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("post", {"*": 405}),
        ],
        # The annual report drafted from the data: every signed-in role, over its own scope (figures:
        # emis/reports/tests); an unknown ?year= or ?baseline= is 404. Uploading an edited version: POST only, by
        # roles writing the indicators domain whose scope covers the county (an empty form is shown again).
        "reports:annual": [
            Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("get", {ANON: 302, "*": 404}, data={"baseline": "1999"}),
        ],
        "reports:annual_draft": [
            Probe("get", {ANON: 302, "*": 200}, check=is_docx),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("post", {ANON: 302, "*": 405}),
        ],
        "reports:annual_annex": [
            Probe("get", {ANON: 302, "*": 200}, check=is_xlsx),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("post", {ANON: 302, "*": 405}),
        ],
        "reports:annual_upload": [
            Probe("get", {ANON: 302, "*": 405}),
            Probe("post", {ANON: 302, Role.ADMIN: 200, "*": 404}),
        ],
    },
    object_routes={
        # The uploaded version of an annual report: users whose scope covers its county. Publishing is POST only,
        # by roles writing the indicators domain (redirects back to the report page).
        "reports:annual_file": ObjectRoute(AnnualReport),
        "reports:annual_publish": ObjectRoute(AnnualReport, get=405, post=(INDICATORS_DOMAIN, "change")),
    },
    data=(make_annual_reports,),
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
