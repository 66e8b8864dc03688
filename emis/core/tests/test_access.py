"""core's part of the access matrix (emis.testing_access): the change log's pages and API, the import pages, and
the project's own routes (home, health check, language switch, the API root, schema and Swagger page).

The data: the county plus import batches, annual reports and a published 中考 round, so that the change log
holds records of every app's rows (a city-level report's records lie outside every scope but the administrator's).
"""

from __future__ import annotations

import pytest

from emis.core.access import Role
from emis.core.models import ImportBatch
from emis.testing import build_rounds
from emis.testing_access import (
    ANON,
    EXPORT_JOB_ID,
    AppMatrix,
    ObjectRoute,
    Probe,
    is_login_redirect,
    is_xlsx,
    make_annual_reports,
    make_export_jobs,
    make_import_batches,
    visible,
)


def _schema_is_openapi3(response, role):
    if response.status_code != 200:
        return
    body = response.content.decode()
    assert body.startswith("openapi: 3") or '"openapi": "3' in body


def _own_exports_only(response, role):
    """The list of exports holds the user's own and nobody else's."""
    if role == ANON:
        return is_login_redirect(response, role)
    user = response.wsgi_request.user
    assert all(job.user_id == user.pk for job in response.context["jobs"])
    assert (EXPORT_JOB_ID in {job.pk for job in response.context["jobs"]}) == (role == Role.SCHOOL)


def _the_file(response, role):
    if response.status_code == 200:
        is_xlsx(response, role)


def _import_list_scoped(response, role):
    """The list of recent batches holds exactly the batches inside the role's scope."""
    if role == ANON:
        return is_login_redirect(response, role)
    user = response.wsgi_request.user
    shown = {batch.pk for batch in response.context["batches"]}
    wanted = {batch.pk for batch in ImportBatch._base_manager.all() if visible(user, ImportBatch, batch)}
    assert shown == wanted, f"import list shows {sorted(shown)}, expected {sorted(wanted)}"


# The picker's endpoint (emis.core.pickers): POST only; what it offers each role is exactly the rows of its scope that
# match (every row for an empty text where the model answers one; names starting with "z" in pinyin for people).
PICKER_QUERIES = {"school": "", "schoolclass": "", "division": "", "student": "z", "staff": "z"}


def _picker_scoped(name: str):
    def check(response, role):
        if role == ANON:
            return is_login_redirect(response, role)
        from django.apps import apps

        from emis.core import registry

        pickable = registry.pickables()[name]
        model = apps.get_model(pickable.model)
        user = response.wsgi_request.user
        query = PICKER_QUERIES[name]
        wanted = {
            obj.pk
            for obj in model._base_manager.all()
            if visible(user, model, obj)
            and (not query or getattr(obj, pickable.initials_field or "name", "").startswith(query))
        }
        shown = {row["id"] for row in response.json()["results"]}
        assert len(wanted) <= 20, f"{name}: the fixture has more rows than one answer holds"
        assert shown == wanted, f"picker {name} offers {sorted(shown)}, expected {sorted(wanted)}"

    return check


MATRIX = AppMatrix(
    "core",
    other_routes={
        "home": [Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect)],
        "healthz": [Probe("get", {"*": 200})],
        "set_language": [Probe("post", {"*": 302}, data={"language": "en", "next": "/"})],
        # The schema and its Swagger page are for signed-in users only (SERVE_PERMISSIONS).
        # Generating the schema takes a while and does not depend on the caller, so three callers are enough.
        "api-schema": [
            Probe("get", {ANON: 401, "*": 200}, check=_schema_is_openapi3, roles=(ANON, Role.SCHOOL, Role.ADMIN))
        ],
        "api-docs": [Probe("get", {ANON: 401, "*": 200})],
        "api-root": [Probe("get", {ANON: 401, "*": 200})],
        "core:pick": [
            *(
                Probe("post", {ANON: 302, "*": 200}, data={"q": q}, kwargs={"name": name}, check=_picker_scoped(name))
                for name, q in PICKER_QUERIES.items()
            ),
            Probe("get", {ANON: 302, "*": 405}, kwargs={"name": "student"}),
            Probe("post", {ANON: 302, "*": 404}, data={"q": "a"}, kwargs={"name": "nonsense"}),
        ],
        "core:import_list": [Probe("get", {ANON: 302, "*": 200}, check=_import_list_scoped)],
        # A user's choice of columns on a list page (POST only): stored and back to the list; a list the role
        # does not have (user accounts for all but the administrator) or that does not exist answers 404.
        "core:list_columns": [
            Probe("post", {ANON: 302, "*": 302}, data={"list": "students:student_list", "columns": ["gender"]}),
            Probe("post", {ANON: 302, Role.ADMIN: 302, "*": 404}, data={"list": "accounts:user_list"}),
            Probe("post", {ANON: 302, "*": 404}, data={"list": "nonsense"}),
            Probe("get", {ANON: 302, "*": 405}),
        ],
        # The blank template of an import kind is no data: every signed-in role may download it.
        "core:import_template": [
            Probe("get", {ANON: 302, "*": 200}, check=is_login_redirect, kwargs={"kind": "students"}),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"kind": "nonsense"}),
        ],
        # A background export is its user's alone (emis.core.exports): 404 for everyone else, administrator too.
        "core:export_list": [Probe("get", {ANON: 302, "*": 200}, check=_own_exports_only)],
        "core:export_detail": [
            Probe("get", {ANON: 302, Role.SCHOOL: 200, "*": 404}, kwargs={"pk": EXPORT_JOB_ID}),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"pk": EXPORT_JOB_ID + 1}),
        ],
        "core:export_download": [
            Probe("get", {ANON: 302, Role.SCHOOL: 200, "*": 404}, kwargs={"pk": EXPORT_JOB_ID}, check=_the_file),
            Probe("post", {ANON: 302, "*": 405}, kwargs={"pk": EXPORT_JOB_ID}),
        ],
    },
    object_routes={
        "core:importbatch_detail": ObjectRoute(ImportBatch),
        "core:import_errors": ObjectRoute(ImportBatch),
        # Commit and roll back are POST only; on the fixture's rejected batches they redirect back with a message.
        # The fixture's batches are 学籍 imports, so committing and rolling back need the students domain's rights
        # (named by its code: core's tests import no domain app either).
        "core:import_commit": ObjectRoute(ImportBatch, get=405, post=("students", "add")),
        "core:import_rollback": ObjectRoute(ImportBatch, get=405, post=("students", "delete")),
    },
    data=(make_import_batches, make_annual_reports, build_rounds, make_export_jobs),
)


@pytest.mark.parametrize("route", MATRIX.route_ids())
def test_access_matrix(route, matrix_expected, matrix_clients):
    MATRIX.check(route, matrix_expected, matrix_clients)
