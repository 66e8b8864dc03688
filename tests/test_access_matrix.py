"""The access matrix: every URL pattern and every API endpoint, for every role (and anonymous).

The routes come from `django.urls.get_resolver()`; each named route is exercised by one of

* the ModelUI REGISTRY (pages `<namespace>:<model>_<list|export|detail|add|edit|delete>`),
* the API router registry (`<prefix>-list`, `<prefix>-detail`),
* OBJECT_ROUTES below (other routes taking a scoped row's pk: the import batch pages),
* OTHER_ROUTES below (home, login, logout, healthz, set_language, api-token, api-schema, api-docs, api-root,
  the import list and templates, the statistics report).

A route in none of them fails `test_every_route_is_covered` (and its own matrix test) with its name: adding a
route means adding its expectations here.

What is expected is written apart from emis.core.access's queries: SCOPE_ANCHORS says where each model's rows
hang (schools, division codes), read in Python from the model's one scope declaration (ScopeSpec.keys_of, through
emis.core.registry.scope_anchors) and compared here with what the SQL of `for_user` returns to each fixture user;
ROLE_WRITES here says which domains each fixture user may write. Semantics checked:

Pages (session login)
    anonymous                              302 to the login page
    list / export (xlsx, csv)              200 for every role; exactly the rows inside the role's scope
                                           (user accounts: system administrators only, 404 for the rest)
    detail                                 200 in scope, 404 out of scope
    add (GET; POST with an empty form)     200 when the role writes the model's domain, else 404
    edit, delete (GET and POST)            200/302 when the role writes the domain and the row is in scope,
                                           else 404, and nothing changes
API (token authentication)
    anonymous                              401
    list GET                               200, exactly the rows inside scope
    list POST (empty body)                 400 when the role writes the domain, else 403
    detail GET                             200 in scope, 404 out of scope
    detail PATCH / PUT / DELETE            403 when the role may not write the domain at all (decided before
                                           the row is looked up, so it reveals nothing about the row);
                                           404 out of scope; 200 / 400 / 204 in scope
    the change log (/api/changes/)         read-only: every write method answers 403, for admin too

Import batches (OBJECT_ROUTES)             detail and error workbook: 200 in scope, 404 outside; commit and
                                           roll back: POST only (GET 405), 404 unless in scope and the role
                                           writes the batch's domain

So pages answer 404 both for "not yours" and "not allowed", while the API answers 403 for "your role may not
do this here" and 404 for "not in your scope"; neither distinguishes a row outside the scope from a missing row.
Reference data (divisions, school years) is read by every role; only the roles that write a domain see its
write routes. The schema and Swagger pages are public.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse

from config.api_urls import router
from emis.accounts.models import User
from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.core import registry as app_registry
from emis.core.access import Domain, Role
from emis.core.models import ImportBatch, ImportStatus, ObjectChange
from emis.indicators.apps import DOMAIN as INDICATORS_DOMAIN
from emis.orgs.apps import DOMAIN as ORGS_DOMAIN
from emis.orgs.models import Division, School, SchoolYear
from emis.population.apps import DOMAIN as POPULATION_DOMAIN
from emis.population.models import PopulationRecord
from emis.reports.models import AnnualReport
from emis.rounds.models import (
    AdmissionRound,
    Appeal,
    RoundSchool,
)
from emis.staff.apps import DOMAIN as STAFF_DOMAIN
from emis.students.apps import DOMAIN as STUDENTS_DOMAIN
from emis.students.models import Student
from emis.testing import PASSWORD, ROLE_USERNAMES, body_bytes, build_rounds, csv_rows, registry, xlsx_rows

REGISTRY = registry()

ANON = "anonymous"
ROLES = [ANON, Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR, Role.ADMIN]

# Domains each fixture user may write (emis.testing.make_role_users gives section students and staff).
ROLE_WRITES = {
    Role.LEADER: set(),
    Role.INSPECTOR: set(),
    Role.SECTION: {STUDENTS_DOMAIN, STAFF_DOMAIN},
    Role.TOWNSHIP: {STUDENTS_DOMAIN, STAFF_DOMAIN, POPULATION_DOMAIN},
    Role.SCHOOL: {STUDENTS_DOMAIN, STAFF_DOMAIN},
    Role.ADMIN: {
        ORGS_DOMAIN,
        STUDENTS_DOMAIN,
        STAFF_DOMAIN,
        POPULATION_DOMAIN,
        ADMISSIONS_DOMAIN,
        INDICATORS_DOMAIN,
        Domain.ACCOUNTS,
    },
}


def _with_parent(school_id) -> set:
    parent_id = School.objects.filter(pk=school_id).values_list("parent_id", flat=True).first()
    return {school_id, parent_id} - {None}


# Where a row hangs: (school ids it belongs to, division codes it lies under). Rows are read and written inside
# this scope; a model whose declaration names no path (school years, user accounts) lies inside no scope, so only
# those who see everything write it. Every app's models come from their ScopeSpec; core's logs are stated here.
SCOPE_ANCHORS = {
    **{apps.get_model(label): anchor for label, anchor in app_registry.scope_anchors().items()},
    # A change record is filed under the school and division of the row at the time of the change; a teaching
    # point's records belong to its primary school too.
    ObjectChange: lambda o: (_with_parent(o.school_id), o.division_code),
    # An import batch is filed under its uploader's first school or division.
    ImportBatch: lambda o: (_with_parent(o.school_id), o.division_code),
}

# Reference data every signed-in user reads in full (a pupil's 户籍 township may lie anywhere).
READ_EVERYWHERE = {Division, SchoolYear}

# Domains whose pages and rows only system administrators reach (listing them answers 404 to everyone else).
ADMIN_ONLY_DOMAINS = {Domain.ACCOUNTS}


def reads(role, model) -> bool:
    return role == Role.ADMIN or getattr(model, "domain", None) not in ADMIN_ONLY_DOMAINS


def _user_scope(user) -> tuple[set[int], list[str]]:
    if not hasattr(user, "_matrix_scope"):
        user._matrix_scope = ({s.pk for s in user.schools.all()}, [d.code for d in user.divisions.all()])
    return user._matrix_scope


def in_scope(user, model, obj) -> bool:
    if user.role == Role.ADMIN:
        return True
    school_ids, codes = SCOPE_ANCHORS[model](obj)
    codes = (codes,) if isinstance(codes, str) else codes
    user_schools, user_codes = _user_scope(user)
    return bool((school_ids - {None}) & user_schools) or any(
        code and code.startswith(c) for code in codes for c in user_codes
    )


def visible(user, model, obj) -> bool:
    if not reads(user.role, model):
        return False
    return model in READ_EVERYWHERE or in_scope(user, model, obj)


def writes(role, model) -> bool:
    return getattr(model, "domain", None) in ROLE_WRITES[role]


def may_write_row(role, user, model, obj) -> bool:
    return writes(role, model) and in_scope(user, model, obj)


# Routes ----------------------------------------------------------------------------------------------------


def iter_routes(resolver=None, prefix: str = "", namespace: str | None = None):
    """(qualified name or None, pattern) for every URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_routes(pattern, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield name, prefix + str(pattern.pattern)


def route_ids(urlconf=None) -> list[str]:
    ids = set()
    for name, pattern in iter_routes(get_resolver(urlconf)):
        ids.add(name or f"<unnamed {pattern}>")
    return sorted(ids)


PAGE_ACTIONS = ("list", "export", "detail", "add", "edit", "delete")
WRITE_ACTIONS = ("add", "edit", "delete")


def derived_page_routes() -> dict[str, tuple]:
    routes = {}
    for ui in REGISTRY:
        for action in PAGE_ACTIONS:
            if action in WRITE_ACTIONS and ui.form_class is None:
                continue
            routes[ui.url_name(action)] = (ui, action)
    return routes


def derived_api_routes() -> dict[str, tuple]:
    routes = {}
    for prefix, viewset, basename in router.registry:
        routes[f"{basename}-list"] = (prefix, viewset, "list")
        routes[f"{basename}-detail"] = (prefix, viewset, "detail")
    return routes


@dataclass
class Probe:
    method: str
    expect: dict  # role -> status; "*" for every other role
    data: dict | None = None
    credentials: bool = False  # POST the role's own username and password
    check: object = None  # callable(response, role) for extra assertions
    roles: tuple | None = None  # only these roles (the answer does not depend on the role)
    kwargs: dict | None = None  # URL arguments

    def status_for(self, role) -> int:
        return self.expect.get(role, self.expect.get("*"))


def _is_login_redirect(response, role):
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), response["Location"]


def _token_returned(response, role):
    if role != ANON:
        assert "token" in response.json()


def _schema_is_openapi3(response, role):
    if response.status_code != 200:
        return
    body = response.content.decode()
    assert body.startswith("openapi: 3") or '"openapi": "3' in body


OTHER_ROUTES: dict[str, list[Probe]] = {
    "home": [Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect)],
    "login": [Probe("get", {"*": 200})],
    # Django 5 logs out on POST only.
    "logout": [Probe("get", {"*": 405}), Probe("post", {"*": 302})],
    "healthz": [Probe("get", {"*": 200})],
    "set_language": [Probe("post", {"*": 302}, data={"language": "en", "next": "/"})],
    "api-token": [
        Probe("get", {"*": 405}),
        Probe("post", {ANON: 400, "*": 200}, credentials=True, check=_token_returned),
    ],
    # The schema and its Swagger page are for signed-in users only (SERVE_PERMISSIONS).
    # Generating the schema takes a while and does not depend on the caller, so three callers are enough.
    "api-schema": [
        Probe("get", {ANON: 401, "*": 200}, check=_schema_is_openapi3, roles=(ANON, Role.SCHOOL, Role.ADMIN))
    ],
    "api-docs": [Probe("get", {ANON: 401, "*": 200})],
    "api-root": [Probe("get", {ANON: 401, "*": 200})],
    # Revoking the token that sends the request, or all of the caller's tokens (token authentication only).
    "api-token-logout": [Probe("get", {ANON: 401, "*": 405}), Probe("post", {ANON: 401, "*": 204})],
    "api-token-logout-all": [Probe("get", {ANON: 401, "*": 405}), Probe("post", {ANON: 401, "*": 204})],
    # The TOTP step of a login: without a pending password step it sends back to the login page.
    "login_verify": [Probe("get", {"*": 302})],
    # One's own account: two-factor enrolment, password change, API tokens (revoking a token that is not one's
    # own, here none at all, is 404).
    "accounts:otp": [Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect)],
    "accounts:password_change": [Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect)],
    "accounts:my_tokens": [Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect)],
    "accounts:my_token_revoke": [Probe("get", {ANON: 302, "*": 405}), Probe("post", {ANON: 302, "*": 404})],
    # The login security log (failed logins, lockouts, account events): system administrators only.
    "accounts:security_log": [Probe("get", {ANON: 302, Role.ADMIN: 200, "*": 404}, check=_is_login_redirect)],
    "accounts:lockout_release": [Probe("get", {ANON: 302, "*": 405}), Probe("post", {ANON: 302, "*": 404})],
}


@dataclass
class ObjectRoute:
    """A route outside the ModelUI registry that takes the pk of a scoped row.

    get: "read" (200 in scope, 404 outside) or a fixed status for every signed-in role (405: POST only).
    post: None (not probed), or (domain, verb) -> 302 when the row is in scope and the role writes the domain,
    else 404.
    """

    model: type
    get: object = "read"
    post: tuple | None = None


def _import_list_scoped(response, role):
    """The list of recent batches holds exactly the batches inside the role's scope."""
    if role == ANON:
        return _is_login_redirect(response, role)
    user = response.wsgi_request.user
    shown = {batch.pk for batch in response.context["batches"]}
    wanted = {batch.pk for batch in ImportBatch._base_manager.all() if visible(user, ImportBatch, batch)}
    assert shown == wanted, f"import list shows {sorted(shown)}, expected {sorted(wanted)}"


OBJECT_ROUTES: dict[str, ObjectRoute] = {
    # A school's entrant list (划片): opened through the school, so in scope or 404.
    "admissions:catchment_school": ObjectRoute(School),
    "core:importbatch_detail": ObjectRoute(ImportBatch),
    "core:import_errors": ObjectRoute(ImportBatch),
    # Commit and roll back are POST only; on the fixture's rejected batches they redirect back with a message.
    "core:import_commit": ObjectRoute(ImportBatch, get=405, post=(STUDENTS_DOMAIN, "add")),
    "core:import_rollback": ObjectRoute(ImportBatch, get=405, post=(STUDENTS_DOMAIN, "delete")),
    # The uploaded version of an annual report: users whose scope covers its county. Publishing is POST only, by
    # roles writing the indicators domain (redirects back to the report page).
    "reports:annual_file": ObjectRoute(AnnualReport),
    "reports:annual_publish": ObjectRoute(AnnualReport, get=405, post=(INDICATORS_DOMAIN, "change")),
    # 中考录取 workflow steps, POST only. The fixture's round is published, so an allowed step (and an empty upload)
    # redirects back to the round with the reason, changing nothing.
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
    # A user's security actions (revoke API tokens, reset two-factor login, lift a lockout): administrators only,
    # POST only, redirecting back to the user's page.
    "accounts:user_token_revoke": ObjectRoute(User, get=405, post=(Domain.ACCOUNTS, "change")),
    "accounts:user_otp_reset": ObjectRoute(User, get=405, post=(Domain.ACCOUNTS, "change")),
    "accounts:user_unlock": ObjectRoute(User, get=405, post=(Domain.ACCOUNTS, "change")),
}


def _is_xlsx(response, role):
    if role != ANON:
        assert xlsx_rows(response), "an empty workbook"


def _is_docx(response, role):
    if role != ANON:
        import io

        from docx import Document

        assert Document(io.BytesIO(body_bytes(response))).paragraphs, "an empty document"


OTHER_ROUTES.update(
    {
        # The statistical base tables: every signed-in role, within its own scope (the figures are checked in
        # emis/reports/tests); an unknown ?year= is 404.
        "reports:stats": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
        ],
        "reports:stats_download": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_xlsx),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("post", {"*": 405}),
        ],
        "core:import_list": [Probe("get", {ANON: 302, "*": 200}, check=_import_list_scoped)],
        # The annual report drafted from the data: every signed-in role, over its own scope (figures:
        # emis/reports/tests); an unknown ?year= or ?baseline= is 404. Uploading an edited version: POST only, by
        # roles writing the indicators domain whose scope covers the county (an empty form is shown again).
        "reports:annual": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("get", {ANON: 302, "*": 404}, data={"baseline": "1999"}),
        ],
        "reports:annual_draft": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_docx),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("post", {ANON: 302, "*": 405}),
        ],
        "reports:annual_annex": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_xlsx),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("post", {ANON: 302, "*": 405}),
        ],
        "reports:annual_upload": [
            Probe("get", {ANON: 302, "*": 405}),
            Probe("post", {ANON: 302, Role.ADMIN: 200, "*": 404}),
        ],
        # Indicator dashboards: every signed-in role, over its own scope (figures: emis/indicators/tests).
        "indicators:dashboard": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
        ],
        "indicators:screen": [Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect)],
        "indicators:detail": [
            Probe("get", {ANON: 302, "*": 200}, kwargs={"code": "preschool_ger"}),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"code": "no_such_indicator"}),
        ],
        # Publishing a snapshot: POST only, by roles writing the indicators domain (redirects back); 404 for others.
        "indicators:publish": [
            Probe("get", {"*": 405}),
            Probe("post", {ANON: 302, Role.ADMIN: 302, "*": 404}),
        ],
        # 划片测算: every signed-in role, over the zones and schools of its scope (figures: emis/admissions/tests).
        "admissions:catchment_plan": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect),
            Probe("get", {ANON: 302, "*": 404}, data={"year": "1999"}),
            Probe("get", {ANON: 302, "*": 404}, data={"level": "senior"}),
        ],
        # The blank template of an import kind is no data: every signed-in role may download it.
        "core:import_template": [
            Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect, kwargs={"kind": "students"}),
            Probe("get", {ANON: 302, "*": 404}, kwargs={"kind": "nonsense"}),
        ],
    }
)


# Exact lookup by ID number (POST, rate-limited; emis.core.views.IdLookupView, emis.core.api.IdLookupMixin): for the
# roles that see ID numbers in full; the leader and the inspector see them masked and get 404 (pages) or 403 (API).
# An empty form is shown again, an empty body is refused (400); neither counts against the rate.
MASKED_ROLES = (Role.LEADER, Role.INSPECTOR)
for _ui in REGISTRY:
    if _ui.id_lookup_fields:
        OTHER_ROUTES[_ui.url_name("lookup")] = [
            Probe(method, {ANON: 302, **dict.fromkeys(MASKED_ROLES, 404), "*": 200}) for method in ("get", "post")
        ]
for _prefix, _viewset, _basename in router.registry:
    if hasattr(_viewset, "lookup"):
        OTHER_ROUTES[f"{_basename}-lookup"] = [
            Probe("post", {ANON: 401, **dict.fromkeys(MASKED_ROLES, 403), "*": 400}),
            Probe("get", {ANON: 401, **dict.fromkeys(MASKED_ROLES, 403), "*": 405}),
        ]


def coverage_problems(urlconf=None) -> list[str]:
    pages, api = derived_page_routes(), derived_api_routes()
    found = route_ids(urlconf)
    problems = []
    explicit = {**OTHER_ROUTES, **OBJECT_ROUTES}
    uncovered = [name for name in found if name not in pages and name not in api and name not in explicit]
    if uncovered:
        problems.append(f"routes without access-matrix expectations (add them to OTHER_ROUTES): {uncovered}")
    stale = [name for name in explicit if name not in found]
    if stale:
        problems.append(f"OTHER_ROUTES/OBJECT_ROUTES names no longer routed: {stale}")
    unrouted = [name for name in list(pages) + list(api) if name not in found]
    if unrouted:
        problems.append(f"ModelUI or router routes declared but not routed: {unrouted}")
    unanchored = [ui.model.__name__ for ui in REGISTRY if ui.model not in SCOPE_ANCHORS]
    unanchored += [
        vs.__name__
        for _, vs, _ in router.registry
        if getattr(getattr(vs, "ui", None), "model", None) not in SCOPE_ANCHORS
    ]
    unanchored += [r.model.__name__ for r in OBJECT_ROUTES.values() if r.model not in SCOPE_ANCHORS]
    if unanchored:
        problems.append(f"models without a scope rule in SCOPE_ANCHORS: {unanchored}")
    return problems


def test_every_route_is_covered():
    assert coverage_problems() == []


def test_an_uncovered_route_fails_the_matrix():
    """A route added without expectations (here /extra/ named `extra`) is reported by name."""
    import types

    from django.http import HttpResponse
    from django.urls import path

    import config.urls

    urlconf = types.ModuleType("extra_urls")
    urlconf.urlpatterns = [*config.urls.urlpatterns, path("extra/", lambda request: HttpResponse(), name="extra")]
    problems = coverage_problems(urlconf)
    assert len(problems) == 1 and "'extra'" in problems[0]


# Helpers ---------------------------------------------------------------------------------------------------


def send(client, method: str, url: str, data=None, **extra):
    """One request inside a savepoint that is rolled back, so allowed writes leave nothing behind."""
    with transaction.atomic():
        kwargs = dict(extra)
        as_json = kwargs.pop("json", False)
        if method in ("patch", "put") or (method in ("post", "delete") and as_json):
            kwargs["content_type"] = "application/json"
            data = json.dumps(data or {})
        response = getattr(client, method)(url, data if data is not None else {}, **kwargs)
        body_bytes(response)  # read a streaming body while the savepoint is open
        transaction.set_rollback(True)
    return response


class Expected:
    """What each role should reach of each model's rows, computed once per module from the rules above."""

    def __init__(self, county):
        self.county = county
        self._cache = {}

    def _rows(self, model):
        key = ("rows", model)
        if key not in self._cache:
            self._cache[key] = list(model._base_manager.order_by("pk"))
        return self._cache[key]

    def visible_ids(self, role, model) -> set[int]:
        key = ("visible", role, model)
        if key not in self._cache:
            user = self.county.users[role]
            self._cache[key] = {o.pk for o in self._rows(model) if visible(user, model, o)}
        return self._cache[key]

    def in_scope_ids(self, role, model) -> set[int]:
        key = ("scope", role, model)
        if key not in self._cache:
            user = self.county.users[role]
            self._cache[key] = {o.pk for o in self._rows(model) if in_scope(user, model, o)}
        return self._cache[key]

    def pick(self, model, ids: set[int], inside: bool):
        """The first row inside (or outside) `ids`, or None."""
        return next((o for o in self._rows(model) if (o.pk in ids) == inside), None)

    def label(self, model, pk) -> str:
        return next(str(o) for o in self._rows(model) if o.pk == pk)


def _make_import_batches(county) -> None:
    """Rejected dry runs as each kind of uploader files them: under a school, a township, the county."""
    from django.core.files.base import ContentFile

    from emis.core import files

    for name, school, code, user in (
        ("a1.csv", county.school_a1, "", county.users[Role.SCHOOL]),
        ("b1.csv", county.school_b1, "", None),
        ("township.csv", None, county.township_a.code, county.users[Role.TOWNSHIP]),
        ("county.csv", None, county.county.code, county.users[Role.ADMIN]),
    ):
        ImportBatch.objects.create(
            kind="students",
            file_name=name,
            file=files.save(ContentFile("姓名,性别\n张三,男\n".encode()), folder="imports", suffix=".csv"),
            sha256="0" * 64,
            user=user,
            username=getattr(user, "username", ""),
            school_id=school.pk if school else None,
            division_code=code,
            school_year=2024,
            dry_run=True,
            status=ImportStatus.REJECTED,
            report={"rejected_rows": {"2": "示例"}},
        )


def _make_annual_reports(county) -> None:
    """Draft annual reports with an uploaded file: the county's, and the city's (outside every scope but the
    administrator's)."""
    from django.core.files.base import ContentFile

    from emis.core.files import upload_storage

    name = "reports/annual/matrix/edited.docx"
    if not upload_storage().exists(name):
        upload_storage().save(name, ContentFile(b"PK\x03\x04 matrix"))
    for division in (county.county, county.city):
        report = AnnualReport(division=division, school_year=county.year, file_name="修改稿.docx", file_size=15)
        report.file.name = name
        report.save()


@pytest.fixture(scope="module")
def expected(county_data, django_db_blocker):
    with django_db_blocker.unblock():
        _make_import_batches(county_data)  # inside the module's transaction: rolled back with it
        _make_annual_reports(county_data)
        build_rounds(county_data)  # a published 中考 round (its senior school lies in township B)
        result = Expected(county_data)
        for model in [ui.model for ui in REGISTRY] + [r.model for r in OBJECT_ROUTES.values()]:
            for role in ROLES[1:]:
                result.visible_ids(role, model)
                result.in_scope_ids(role, model)
    return result


class Failures(list):
    def expect(self, role, what, response, status):
        if response.status_code != status:
            self.append(f"{role}: {what} -> {response.status_code}, expected {status}")
            return False
        return True

    def check(self, condition, message):
        if not condition:
            self.append(message)


def _anonymous_page(failures, client, ui, action, any_pk):
    kwargs = (
        {"fmt": "csv"} if action == "export" else ({"pk": any_pk} if action in ("detail", "edit", "delete") else {})
    )
    url = reverse(ui.url_name(action), kwargs=kwargs)
    for method in ("get", "post") if action in WRITE_ACTIONS else ("get",):
        response = send(client, method, url)
        if failures.expect(ANON, f"{method.upper()} {url}", response, 302):
            failures.check(response["Location"].startswith("/accounts/login/"), f"{ANON}: {url} not sent to login")


def _export_check(failures, expected, role, model, response, fmt, expected_ids):
    rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    failures.check(
        len(rows) - 1 == len(expected_ids),
        f"{role}: export {fmt} has {len(rows) - 1} rows, expected {len(expected_ids)}",
    )
    cells = {str(cell) for row in rows[1:] for cell in row}
    labels_in = {expected.label(model, pk) for pk in expected_ids}
    for obj in expected._rows(model):
        label = str(obj)
        if obj.pk not in expected_ids and label not in labels_in and label in cells:
            failures.append(f"{role}: export {fmt} contains out-of-scope {model.__name__} {label}")


def check_page_route(expected, clients, ui, action) -> Failures:
    failures = Failures()
    model = ui.model
    for role in ROLES:
        client = clients[role]
        if role == ANON:
            _anonymous_page(failures, client, ui, action, expected._rows(model)[0].pk)
            continue
        readable = reads(role, model)
        visible_ids = expected.visible_ids(role, model)
        if action == "list":
            response = send(client, "get", reverse(ui.url_name("list")), {"per_page": 200})
            if failures.expect(role, "list", response, 200 if readable else 404) and readable:
                shown = {row.record.pk for row in response.context["table"].paginated_rows}
                failures.check(
                    shown == visible_ids, f"{role}: list shows {sorted(shown)}, expected {sorted(visible_ids)}"
                )
        elif action == "export":
            for fmt in ("xlsx", "csv"):
                response = send(client, "get", reverse(ui.url_name("export"), args=[fmt]))
                if failures.expect(role, f"export {fmt}", response, 200 if readable else 404) and readable:
                    _export_check(failures, expected, role, model, response, fmt, visible_ids)
            failures.expect(role, "export pdf", send(client, "get", reverse(ui.url_name("export"), args=["pdf"])), 404)
        elif action == "detail":
            for inside in (True, False):
                obj = expected.pick(model, visible_ids, inside)
                if obj is not None:
                    response = send(client, "get", reverse(ui.url_name("detail"), args=[obj.pk]))
                    failures.expect(
                        role, f"detail {'in' if inside else 'out of'} scope #{obj.pk}", response, 200 if inside else 404
                    )
            if role == Role.ADMIN:  # the one role for which only a missing row is out of reach
                missing = expected._rows(model)[-1].pk + 1000
                response = send(client, "get", reverse(ui.url_name("detail"), args=[missing]))
                failures.expect(role, "detail of a missing row", response, 404)
        elif action == "add":
            allowed = writes(role, model)
            url = reverse(ui.url_name("add"))
            count = model._base_manager.count()
            failures.expect(role, "GET add", send(client, "get", url), 200 if allowed else 404)
            # An empty form is invalid, so an allowed POST re-renders the form (200) and creates nothing.
            failures.expect(role, "POST add (empty)", send(client, "post", url, {}), 200 if allowed else 404)
            failures.check(model._base_manager.count() == count, f"{role}: POST add changed the row count")
        elif action in ("edit", "delete"):
            scope_ids = expected.in_scope_ids(role, model)
            for inside in (True, False):
                obj = expected.pick(model, scope_ids, inside)
                if obj is None:
                    continue
                allowed = inside and writes(role, model)
                url = reverse(ui.url_name(action), args=[obj.pk])
                where = f"{'in' if inside else 'out of'} scope #{obj.pk}"
                failures.expect(role, f"GET {action} {where}", send(client, "get", url), 200 if allowed else 404)
                before = model._base_manager.filter(pk=obj.pk).values().first()
                response = send(client, "post", url, {})
                # Edit: an empty form is invalid (200 with errors). Delete: 302 to the list, or back to the
                # row when other rows still reference it.
                failures.expect(
                    role, f"POST {action} {where}", response, (200 if action == "edit" else 302) if allowed else 404
                )
                failures.check(
                    model._base_manager.filter(pk=obj.pk).values().first() == before,
                    f"{role}: POST {action} {where} changed the row",
                )
    return failures


def _api_ids(client, url) -> tuple[int, set[int]]:
    ids, status = set(), None
    while url:
        response = send(client, "get", url)
        status = response.status_code
        if status != 200:
            return status, ids
        body = response.json()
        ids |= {item["id"] for item in body["results"]}
        url = body["next"]
    return status, ids


def check_api_route(expected, clients, prefix, viewset, kind) -> Failures:
    failures = Failures()
    model = viewset.ui.model
    read_only = "post" not in viewset.http_method_names or viewset.ui.form_class is None
    list_url = reverse(f"{prefix}-list")
    for role in ROLES:
        client = clients[role]
        if role == ANON:
            url = list_url if kind == "list" else reverse(f"{prefix}-detail", args=[expected._rows(model)[0].pk])
            for method in ("get", "post") if kind == "list" else ("get", "patch", "put", "delete"):
                failures.expect(role, f"{method.upper()} {url}", send(client, method, url, json=True), 401)
            continue
        readable = reads(role, model)
        allowed_domain = writes(role, model) and not read_only
        visible_ids = expected.visible_ids(role, model)
        if kind == "list":
            for url in (list_url, reverse(f"{prefix}-list", kwargs={"format": "json"})):
                status, ids = _api_ids(client, url)
                if status != 200:
                    failures.append(f"{role}: GET {url} -> {status}, expected 200")
                else:
                    failures.check(
                        ids == visible_ids, f"{role}: GET {url} gives {sorted(ids)}, expected {sorted(visible_ids)}"
                    )
            count = model._base_manager.count()
            failures.expect(
                role, "POST list (empty)", send(client, "post", list_url, {}, json=True), 400 if allowed_domain else 403
            )
            failures.check(model._base_manager.count() == count, f"{role}: POST list changed the row count")
            continue
        for inside in (True, False):
            obj = expected.pick(model, visible_ids, inside)
            if obj is not None:
                where = f"{'in' if inside else 'out of'} scope #{obj.pk}"
                for url in (
                    reverse(f"{prefix}-detail", args=[obj.pk]),
                    reverse(f"{prefix}-detail", kwargs={"pk": obj.pk, "format": "json"}),
                ):
                    failures.expect(role, f"GET {url} {where}", send(client, "get", url), 200 if inside else 404)
        scope_ids = expected.in_scope_ids(role, model)
        for inside in (True, False):
            obj = expected.pick(model, scope_ids, inside)
            if obj is None:
                continue
            where = f"{'in' if inside else 'out of'} write scope #{obj.pk}"
            url = reverse(f"{prefix}-detail", args=[obj.pk])
            before = model._base_manager.filter(pk=obj.pk).values().first()
            for method, ok_status in (("patch", 200), ("put", 400), ("delete", 204)):
                response = send(client, method, url, json=True)
                if not allowed_domain:
                    status = 403
                elif not inside:
                    status = 404
                elif method == "delete" and response.status_code == 409:
                    status = 409  # still referenced by other rows (PROTECT)
                else:
                    status = ok_status
                failures.expect(role, f"{method.upper()} {where}", response, status)
            failures.check(
                model._base_manager.filter(pk=obj.pk).values().first() == before,
                f"{role}: API writes on {where} left a change behind",
            )
        if not readable:
            failures.append(f"{role}: API exposes admin-only {model.__name__}")  # no such endpoint today
    return failures


def check_object_route(expected, clients, name, spec: ObjectRoute) -> Failures:
    failures = Failures()
    model = spec.model
    for role in ROLES:
        client = clients[role]
        if role == ANON:
            url = reverse(name, args=[expected._rows(model)[0].pk])
            for method in ("get", "post") if spec.post else ("get",):
                response = send(client, method, url)
                if failures.expect(ANON, f"{method.upper()} {url}", response, 302):
                    failures.check(response["Location"].startswith("/accounts/login/"), f"{ANON}: {url} not to login")
            continue
        visible_ids = expected.visible_ids(role, model)
        for inside in (True, False):
            obj = expected.pick(model, visible_ids, inside)
            if obj is None:
                continue
            url = reverse(name, args=[obj.pk])
            where = f"{'in' if inside else 'out of'} scope #{obj.pk}"
            status = (200 if inside else 404) if spec.get == "read" else spec.get
            failures.expect(role, f"GET {where}", send(client, "get", url), status)
            if spec.post:
                domain, _verb = spec.post
                allowed = inside and domain in ROLE_WRITES[role]
                before = model._base_manager.filter(pk=obj.pk).values().first()
                count = model._base_manager.count()
                failures.expect(role, f"POST {where}", send(client, "post", url), 302 if allowed else 404)
                failures.check(
                    model._base_manager.filter(pk=obj.pk).values().first() == before
                    and model._base_manager.count() == count,
                    f"{role}: POST {where} changed rows",
                )
    return failures


def check_other_route(clients, name) -> Failures:
    failures = Failures()
    for probe in OTHER_ROUTES[name]:
        url = reverse(name, kwargs=probe.kwargs)
        for role in probe.roles or ROLES:
            data = dict(probe.data or {})
            if probe.credentials:
                username = ROLE_USERNAMES.get(role, "nobody")
                data.update({"username": username, "password": PASSWORD if role != ANON else "wrong"})
            response = send(clients[role], probe.method, url, data)
            if (
                failures.expect(role, f"{probe.method.upper()} {name}", response, probe.status_for(role))
                and probe.check
            ):
                try:
                    probe.check(response, role)
                except AssertionError as exc:
                    failures.append(f"{role}: {name}: {exc}")
    return failures


@pytest.fixture
def clients(county_data, db):
    """Per role one client, signed in to the pages (session) and sending the role's API token."""
    from django.test import Client

    result = {ANON: Client()}
    for role in ROLES[1:]:
        client = Client(headers={"authorization": f"Token {county_data.tokens[role]}"})
        client.force_login(county_data.users[role])
        result[role] = client
    return result


@pytest.mark.parametrize("route", route_ids())
def test_access_matrix(route, expected, clients, db):
    pages, api = derived_page_routes(), derived_api_routes()
    if route in pages:
        ui, _action = pages[route]
        if ui.model not in SCOPE_ANCHORS:
            pytest.fail(f"route {route}: model {ui.model.__name__} has no rule in SCOPE_ANCHORS")
        failures = check_page_route(expected, clients, *pages[route])
    elif route in api:
        model = getattr(getattr(api[route][1], "ui", None), "model", None)
        if model not in SCOPE_ANCHORS:
            pytest.fail(f"route {route}: viewset {api[route][1].__name__} has no ui/model with a SCOPE_ANCHORS rule")
        failures = check_api_route(expected, clients, *api[route])
    elif route in OBJECT_ROUTES:
        failures = check_object_route(expected, clients, route, OBJECT_ROUTES[route])
    elif route in OTHER_ROUTES:
        failures = check_other_route(clients, route)
    else:
        pytest.fail(f"route {route} has no access-matrix expectations: add it to OTHER_ROUTES or derive it")
    assert not failures, f"{route}:\n" + "\n".join(failures)


# The explicit scenario: a school administrator (A1) and another school's (B1) students --------------------

STUDENT_FORM_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "student_no",
    "current_school",
    "hukou_township",
    "hukou_village",
    "boarder",
    "poverty_family",
    "disabled",
    "left_behind",
    "migrant",
)


@pytest.fixture
def others(county, db):
    """B1's students (and A2's 陈明): outside the A1 school administrator's scope."""
    return [county.students["赵思飞"], county.students["王芳"], county.students["陈明"]]


def _student_names_in(rows) -> set[str]:
    header = rows[0]
    column = header.index("姓名")
    return {row[column] for row in rows[1:]}


def test_school_admin_cannot_read_edit_or_delete_another_schools_students(county, others, school_client):
    from emis.testing import form_data

    for student in others:
        assert school_client.get(reverse("students:student_detail", args=[student.pk])).status_code == 404
        assert school_client.get(reverse("students:student_edit", args=[student.pk])).status_code == 404
        data = form_data(student, STUDENT_FORM_FIELDS, name="改名", current_school=county.school_a1.pk)
        assert school_client.post(reverse("students:student_edit", args=[student.pk]), data).status_code == 404
        assert school_client.get(reverse("students:student_delete", args=[student.pk])).status_code == 404
        assert school_client.post(reverse("students:student_delete", args=[student.pk])).status_code == 404
        student.refresh_from_db()
        assert student.name != "改名" and student.current_school_id != county.school_a1.pk
        enrollment = county.enrollments[student.name]
        for name in ("enrollment_detail", "enrollment_edit", "enrollment_delete"):
            assert school_client.get(reverse(f"students:{name}", args=[enrollment.pk])).status_code == 404


def test_school_admin_exports_only_own_students(county, school_client):
    url = reverse("students:student_export", args=["xlsx"])
    rows = xlsx_rows(school_client.get(url))
    assert _student_names_in(rows) == {"张三丰", "李小梅"}
    rows = csv_rows(school_client.get(reverse("students:student_export", args=["csv"])))
    assert _student_names_in(rows) == {"张三丰", "李小梅"}
    # A filtered export never widens the scope: naming the other school's pupil or school gives nothing of theirs.
    for query in (
        {"q": "赵思飞"},
        {"q": "zsf"},
        {"current_school": county.school_b1.pk},
        {"q": county.students["赵思飞"].id_number},
    ):
        for fmt, read in (("xlsx", xlsx_rows), ("csv", csv_rows)):
            rows = read(school_client.get(reverse("students:student_export", args=[fmt]), query))
            assert not _student_names_in(rows) & {"赵思飞", "王芳", "陈明"}, (query, fmt)
    rows = xlsx_rows(school_client.get(reverse("students:enrollment_export", args=["xlsx"])))
    assert _student_names_in(rows) == {"张三丰", "李小梅"}


def _listed_names(response) -> set[str]:
    return {str(row.record) for row in response.context["table"].paginated_rows}


def test_school_admin_search_finds_only_own_students(county, school_client):
    url = reverse("students:student_list")
    assert _listed_names(school_client.get(url)) == {"张三丰", "李小梅"}
    assert _listed_names(school_client.get(url, {"q": "赵思飞"})) == set()
    assert _listed_names(school_client.get(url, {"q": "王"})) == set()
    # 张三丰 and 赵思飞 share the initials zsf; only the pupil of the administrator's own school is found.
    assert _listed_names(school_client.get(url, {"q": "zsf"})) == {"张三丰"}
    assert _listed_names(school_client.get(url, {"q": county.students["赵思飞"].id_number})) == set()
    assert _listed_names(school_client.get(url, {"q": county.students["赵思飞"].student_no})) == set()
    assert not _listed_names(school_client.get(url, {"current_school": county.school_b1.pk})) & {"赵思飞", "王芳"}
    enrollments = school_client.get(reverse("students:enrollment_list"), {"q": "zsf"})
    assert {row.record.student.name for row in enrollments.context["table"].paginated_rows} == {"张三丰"}


def test_school_admin_api_never_returns_another_schools_students(county, others, api):
    client = api(Role.SCHOOL)
    names = {item["name"] for item in client.get("/api/students/").json()["results"]}
    assert names == {"张三丰", "李小梅"}
    for student in others:
        assert client.get(f"/api/students/{student.pk}/").status_code == 404
        response = client.patch(f"/api/students/{student.pk}/", {"name": "改名"}, content_type="application/json")
        assert response.status_code == 404
        assert client.delete(f"/api/students/{student.pk}/").status_code == 404
        assert client.get(f"/api/enrollments/{county.enrollments[student.name].pk}/").status_code == 404
    for query in (
        {"q": "zsf"},
        {"q": "赵思飞"},
        {"current_school": county.school_b1.pk},
        {"q": county.students["赵思飞"].id_number},
        {"gender": "2"},
    ):
        response = client.get("/api/students/", query)
        # An out-of-scope choice in a filter is either refused (400) or matches nothing of the other school.
        assert response.status_code in (200, 400), query
        if response.status_code == 200:
            assert not {item["name"] for item in response.json()["results"]} & {"赵思飞", "王芳", "陈明"}, query
    assert {item["name"] for item in client.get("/api/students/", {"q": "zsf"}).json()["results"]} == {"张三丰"}
    enrollment_students = {item["student"] for item in client.get("/api/enrollments/").json()["results"]}
    assert enrollment_students == {county.students["张三丰"].pk, county.students["李小梅"].pk}
    for student in others:
        assert student.__class__.objects.filter(pk=student.pk, name=student.name).exists()


def test_school_admin_change_log_holds_only_own_school(county, others, school_client, api):
    from django.contrib.contenttypes.models import ContentType

    student_type = ContentType.objects.get_for_model(Student)
    other_ids = {s.pk for s in others}
    response = school_client.get(reverse("core:objectchange_list"), {"per_page": 200})
    records = [row.record for row in response.context["table"].paginated_rows]
    assert records, "the school's own change records are listed"
    assert not [r for r in records if r.content_type_id == student_type.pk and r.object_id in other_ids]
    changes = api(Role.SCHOOL).get("/api/changes/", {"content_type": student_type.pk}).json()["results"]
    assert {c["object_id"] for c in changes if c["model"] == "student"} == {
        county.students["张三丰"].pk,
        county.students["李小梅"].pk,
    }
    other_change = ObjectChange.objects.filter(content_type=student_type, object_id=others[0].pk).first()
    assert school_client.get(reverse("core:objectchange_detail", args=[other_change.pk])).status_code == 404
    assert api(Role.SCHOOL).get(f"/api/changes/{other_change.pk}/").status_code == 404


def _choice_ids(form, name) -> set[int]:
    return {obj.pk for obj in form.fields[name].queryset}


def test_choice_fields_offer_only_schools_in_scope(county, school_client, login):
    own = {county.school_a1.pk, county.teaching_point.pk}
    form = school_client.get(reverse("students:student_add")).context["form"]
    assert _choice_ids(form, "current_school") == own
    # Divisions are reference data: a pupil's 户籍 township may lie anywhere in the county.
    assert county.township_b.pk in _choice_ids(form, "hukou_township")
    form = school_client.get(reverse("students:enrollment_add")).context["form"]
    assert _choice_ids(form, "school") == own
    assert _choice_ids(form, "student") == {county.students["张三丰"].pk, county.students["李小梅"].pk}
    assert _choice_ids(form, "school_class") == {county.classes["A1"].pk}
    form = school_client.get(reverse("staff:staff_add")).context["form"]
    assert _choice_ids(form, "post_school") == own
    # The list filters offer the same choices.
    filterset = school_client.get(reverse("students:student_list")).context["filterset"]
    assert {obj.pk for obj in filterset.form.fields["current_school"].queryset} == own
    html = school_client.get(reverse("students:student_list")).content.decode()
    assert county.school_b1.name not in html and county.school_a2.name not in html
    # The browsable API's forms too.
    html = school_client.get("/api/students/", headers={"accept": "text/html"}).content.decode()
    assert county.school_a1.name in html and county.school_b1.name not in html
    # A township user is offered its own township's schools only.
    form = login(Role.TOWNSHIP).get(reverse("students:student_add")).context["form"]
    assert _choice_ids(form, "current_school") == {county.school_a1.pk, county.teaching_point.pk, county.school_a2.pk}


def test_web_write_with_out_of_scope_foreign_key_is_rejected(county, school_client):
    from emis.testing import form_data

    student = county.students["张三丰"]
    url = reverse("students:student_edit", args=[student.pk])
    data = form_data(student, STUDENT_FORM_FIELDS, current_school=county.school_b1.pk)
    response = school_client.post(url, data)
    assert response.status_code == 200
    assert "current_school" in response.context["form"].errors
    student.refresh_from_db()
    assert student.current_school_id == county.school_a1.pk
    # Saving a pupil with no school would put the row outside the user's scope: refused, nothing saved.
    data = form_data(student, STUDENT_FORM_FIELDS, current_school="")
    response = school_client.post(url, data)
    assert response.status_code == 200
    assert "保存后的记录将超出您的管辖范围，未保存。" in response.context["form"].non_field_errors()
    student.refresh_from_db()
    assert student.current_school_id == county.school_a1.pk


def test_api_write_with_out_of_scope_foreign_key_is_rejected(county, api):
    client = api(Role.SCHOOL)
    before = Student.objects.count()
    birth = "2018-05-05"
    from emis.common.idnumbers import GENDER_MALE
    from emis.testing import id_for

    id_number = id_for(__import__("datetime").date(2018, 5, 5), GENDER_MALE)
    payload = {
        "name": "新同学",
        "gender": "1",
        "birth_date": birth,
        "id_number": id_number,
        "current_school": county.school_b1.pk,
    }
    response = client.post("/api/students/", payload, content_type="application/json")
    assert response.status_code == 400 and "current_school" in response.json()
    assert Student.objects.count() == before
    # Without a school the new row would fall outside the caller's scope: refused and rolled back.
    response = client.post("/api/students/", {**payload, "current_school": None}, content_type="application/json")
    assert response.status_code == 403
    assert Student.objects.count() == before
    student = county.students["张三丰"]
    response = client.patch(
        f"/api/students/{student.pk}/", {"current_school": county.school_b1.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    student.refresh_from_db()
    assert student.current_school_id == county.school_a1.pk
    response = client.post(
        "/api/enrollments/",
        {
            "student": student.pk,
            "school": county.school_b1.pk,
            "school_year": county.year.pk,
            "school_class": county.classes["B1"].pk,
            "grade": "P1",
            "status": "enrolled",
            "status_date": "2024-09-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"school", "school_class"}
    # A township user may not file population records under another township.
    response = api(Role.TOWNSHIP).post(
        "/api/population/",
        {
            "school_year": county.year.pk,
            "name": "外乡人",
            "gender": "1",
            "birth_date": birth,
            "id_number": id_number,
            "hukou_township": county.township_b.pk,
            "source": "police",
        },
        content_type="application/json",
    )
    assert response.status_code in (400, 403)
    assert not PopulationRecord.objects.filter(name="外乡人").exists()


# Gaps found by this suite and fixed since: kept as regression tests -----------------------------------


def test_school_admin_sees_the_change_log_of_its_teaching_points_rows(county, login):
    from emis.testing import make_student

    pupil = make_student("教学点学生", county.teaching_point, birth=__import__("datetime").date(2018, 2, 2))
    client = login(Role.SCHOOL)
    assert client.get(pupil.get_absolute_url()).status_code == 200  # the pupil is in scope ...
    created = ObjectChange.objects.get(object_id=pupil.pk, content_type__model="student")
    assert client.get(reverse("core:objectchange_detail", args=[created.pk])).status_code == 200  # ... its log not


def test_section_user_with_orgs_domain_can_add_a_school_year(county):
    from django.test import Client

    from emis.testing import make_user

    user = make_user("section_orgs", Role.SECTION, divisions=[county.county], domains=[ORGS_DOMAIN])
    client = Client()
    client.force_login(user)
    assert client.get(reverse("orgs:schoolyear_add")).status_code == 200
    response = client.post(reverse("orgs:schoolyear_add"), {"start_year": 2025, "census_date": "2025-09-01"})
    assert response.status_code == 302, response.context["form"].non_field_errors()
