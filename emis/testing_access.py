"""The access matrix's engine: every URL pattern and every API endpoint, for every role (and anonymous).

Each app states its part in its own tests/test_access.py: an `AppMatrix` naming the routes it owns beyond the
derived ones, what each role must get there, and the rows its routes need, plus three lines that run it:

    from emis.testing_access import AppMatrix, Probe, ...

    MATRIX = AppMatrix("reports", other_routes={...}, object_routes={...}, data=(make_annual_reports,))

    @pytest.mark.parametrize("route", MATRIX.route_ids())
    def test_access_matrix(route, matrix_expected, matrix_clients):
        MATRIX.check(route, matrix_expected, matrix_clients)

An app owns

* the routes derived from its ModelUIs (pages `<namespace>:<model>_<list|export|detail|add|edit|delete>`, and
  `_lookup` where the model has ID-number lookup fields) and from its API viewsets (`<prefix>-list`,
  `<prefix>-detail`, `<prefix>-lookup`): "its" meaning the app of the model they show;
* the routes it names in `object_routes` (other routes taking a scoped row's pk) and `other_routes` (any other
  route, probed per role).

tests/test_access.py fails (`coverage_problems`) when a route is owned by no app's matrix, or by two, or a matrix
names a route that no longer exists: adding a route means adding its expectations to the app that serves it.

What is expected is written apart from emis.core.access's queries: SCOPE_ANCHORS says where each model's rows hang
(schools, division codes), read in Python from the model's one scope declaration (ScopeSpec.keys_of, through
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
ID-number lookups (pages and API)          for the roles that see ID numbers in full; the leader and the
                                           inspector see them masked and get 404 (pages) or 403 (API)
Object routes                              GET "read": 200 in scope, 404 outside (or a fixed status, 405 for
                                           POST-only routes); POST: 302 when the row is in scope and the role
                                           writes the route's domain, else 404, and nothing changes

So pages answer 404 both for "not yours" and "not allowed", while the API answers 403 for "your role may not
do this here" and 404 for "not in your scope"; neither distinguishes a row outside the scope from a missing row.
Reference data (divisions, school years) is read by every role; only the roles that write a domain see its
write routes.

Each test module builds its own data (the small county of emis.testing, module-scoped, plus the app's `data`),
and every request runs in a savepoint that is rolled back, so the rows do not change during the module: a module
keeps the cache from one route to the next (`matrix_expected` clears it once), and an expensive page (the annual
report's draft) is drawn once per role, not once per route that shows it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse

from config.api_urls import router
from emis.core import registry as app_registry
from emis.core.access import Domain, Role
from emis.core.models import ImportBatch, ImportStatus, ObjectChange
from emis.orgs.models import School
from emis.population.apps import DOMAIN as POPULATION_DOMAIN
from emis.rectification.apps import DOMAIN as RECTIFICATION_DOMAIN
from emis.reports.models import AnnualReport
from emis.safety.apps import DOMAIN as SAFETY_DOMAIN
from emis.staff.apps import DOMAIN as STAFF_DOMAIN
from emis.students.apps import DOMAIN as STUDENTS_DOMAIN
from emis.testing import PASSWORD, ROLE_USERNAMES, body_bytes, csv_rows, make_neighbour_county, registry, xlsx_rows

REGISTRY = registry()

ANON = "anonymous"
ROLES = [
    ANON,
    Role.LEADER,
    Role.SECTION,
    Role.TOWNSHIP,
    Role.SCHOOL,
    Role.INSPECTOR,
    Role.CITY,
    Role.PROVINCE,
    Role.ADMIN,
]

# Domains each fixture user may write (emis.testing.make_role_users gives section students and staff).
ROLE_WRITES = {
    Role.LEADER: set(),
    Role.INSPECTOR: set(),
    # The city's and the province's education departments view and analyse; they write no school data.
    Role.CITY: set(),
    Role.PROVINCE: set(),
    # The section user of the rectification matrix is given that domain (emis/rectification/tests/test_access.py).
    Role.SECTION: {STUDENTS_DOMAIN, STAFF_DOMAIN, RECTIFICATION_DOMAIN},
    # Schools and townships keep their own campus-safety registers (emis/safety).
    Role.TOWNSHIP: {STUDENTS_DOMAIN, STAFF_DOMAIN, POPULATION_DOMAIN, SAFETY_DOMAIN},
    Role.SCHOOL: {STUDENTS_DOMAIN, STAFF_DOMAIN, SAFETY_DOMAIN},
    # The system administrator writes every domain an app declares (core.access), and the accounts.
    Role.ADMIN: {*app_registry.domains(), Domain.ACCOUNTS},
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


def read_everywhere(model) -> bool:
    """Reference data every signed-in user reads in full (divisions: a pupil's 户籍 township may lie anywhere; the
    school-year and working-day calendars): the models whose ScopeSpec says ``unrestricted``."""
    return bool(getattr(getattr(model, "scope", None), "unrestricted", False))


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
    return read_everywhere(model) or in_scope(user, model, obj)


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


def _app_of(model) -> str | None:
    return model._meta.app_label if model is not None else None


def derived_page_routes(app_label: str | None = None) -> dict[str, tuple]:
    """route name -> (ui, action) for the ModelUI pages (of one app's models, or of all)."""
    routes = {}
    for ui in REGISTRY:
        if app_label is not None and _app_of(ui.model) != app_label:
            continue
        for action in PAGE_ACTIONS:
            if action in WRITE_ACTIONS and ui.form_class is None:
                continue
            routes[ui.url_name(action)] = (ui, action)
    return routes


def _viewset_model(viewset):
    return getattr(getattr(viewset, "ui", None), "model", None)


def derived_api_routes(app_label: str | None = None) -> dict[str, tuple]:
    """route name -> (prefix, viewset, kind) for the API router's list and detail routes."""
    routes = {}
    for prefix, viewset, basename in router.registry:
        if app_label is not None and _app_of(_viewset_model(viewset)) != app_label:
            continue
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


def is_login_redirect(response, role):
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), response["Location"]


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


def is_xlsx(response, role):
    if role != ANON:
        assert xlsx_rows(response), "an empty workbook"


def is_docx(response, role):
    if role != ANON:
        import io

        from docx import Document

        assert Document(io.BytesIO(body_bytes(response))).paragraphs, "an empty document"


# Exact lookup by ID number (POST, rate-limited; emis.core.views.IdLookupView, emis.core.api.IdLookupMixin): for the
# roles that see ID numbers in full; the leader, the inspector and the city's and province's departments see them
# masked and get 404 (pages) or 403 (API). An empty form is shown again, an empty body is refused (400); neither
# counts against the rate.
MASKED_ROLES = (Role.LEADER, Role.INSPECTOR, Role.CITY, Role.PROVINCE)


def derived_lookup_routes(app_label: str | None = None) -> dict[str, list[Probe]]:
    routes = {}
    for ui in REGISTRY:
        if ui.id_lookup_fields and app_label in (None, _app_of(ui.model)):
            routes[ui.url_name("lookup")] = [
                Probe(method, {ANON: 302, **dict.fromkeys(MASKED_ROLES, 404), "*": 200}) for method in ("get", "post")
            ]
    for _prefix, viewset, basename in router.registry:
        if hasattr(viewset, "lookup") and app_label in (None, _app_of(_viewset_model(viewset))):
            routes[f"{basename}-lookup"] = [
                Probe("post", {ANON: 401, **dict.fromkeys(MASKED_ROLES, 403), "*": 400}),
                Probe("get", {ANON: 401, **dict.fromkeys(MASKED_ROLES, 403), "*": 405}),
            ]
    return routes


# One app's part --------------------------------------------------------------------------------------------


@dataclass
class AppMatrix:
    """The routes an app owns and what each role gets there (see the module docstring)."""

    app_label: str
    other_routes: dict[str, list[Probe]] = field(default_factory=dict)
    object_routes: dict[str, ObjectRoute] = field(default_factory=dict)
    # Callables(county) adding the rows the app's routes need, run once per module inside its transaction.
    data: tuple[Callable, ...] = ()

    def page_routes(self) -> dict[str, tuple]:
        return derived_page_routes(self.app_label)

    def api_routes(self) -> dict[str, tuple]:
        return derived_api_routes(self.app_label)

    def probed_routes(self) -> dict[str, list[Probe]]:
        return {**derived_lookup_routes(self.app_label), **self.other_routes}

    def route_ids(self) -> list[str]:
        return sorted({**self.page_routes(), **self.api_routes(), **self.probed_routes(), **self.object_routes})

    def models(self) -> list[type]:
        """The models whose rows the matrix reads (computed once per module by `matrix_expected`)."""
        found = [ui.model for ui, _action in self.page_routes().values()]
        found += [_viewset_model(viewset) for _prefix, viewset, _kind in self.api_routes().values()]
        found += [spec.model for spec in self.object_routes.values()]
        return list(dict.fromkeys(found))

    def check(self, route: str, expected, clients) -> None:
        pages, api = self.page_routes(), self.api_routes()
        if route in pages:
            ui, _action = pages[route]
            if ui.model not in SCOPE_ANCHORS:
                pytest.fail(f"route {route}: model {ui.model.__name__} has no rule in SCOPE_ANCHORS")
            failures = check_page_route(expected, clients, *pages[route])
        elif route in api:
            if _viewset_model(api[route][1]) not in SCOPE_ANCHORS:
                pytest.fail(
                    f"route {route}: viewset {api[route][1].__name__} has no ui/model with a SCOPE_ANCHORS rule"
                )
            failures = check_api_route(expected, clients, *api[route])
        elif route in self.object_routes:
            failures = check_object_route(expected, clients, route, self.object_routes[route])
        else:
            failures = check_probes(clients, route, self.probed_routes()[route])
        assert not failures, f"{route}:\n" + "\n".join(failures)


def app_matrices() -> list[AppMatrix]:
    """The MATRIX of every project app that has a tests/test_access.py."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("emis.") or importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        if importlib.util.find_spec(f"{config.name}.tests.test_access") is not None:
            found.append(importlib.import_module(f"{config.name}.tests.test_access").MATRIX)
    return found


def coverage_problems(urlconf=None, matrices: list[AppMatrix] | None = None) -> list[str]:
    """Routes that no app's matrix covers (or two do), names a matrix gives that are not routed, and models
    without a scope rule."""
    matrices = app_matrices() if matrices is None else matrices
    found = route_ids(urlconf)
    problems = []
    owners: dict[str, list[str]] = {}
    for matrix in matrices:
        for name in matrix.route_ids():
            owners.setdefault(name, []).append(matrix.app_label)
    uncovered = [name for name in found if name not in owners]
    if uncovered:
        problems.append(
            f"routes without access-matrix expectations (add them to the tests/test_access.py of the app that "
            f"serves them): {uncovered}"
        )
    twice = {name: labels for name, labels in owners.items() if len(labels) > 1}
    if twice:
        problems.append(f"routes claimed by more than one app's matrix: {twice}")
    explicit = [name for matrix in matrices for name in (*matrix.other_routes, *matrix.object_routes)]
    stale = [name for name in explicit if name not in found]
    if stale:
        problems.append(f"other_routes/object_routes names no longer routed: {stale}")
    unrouted = [name for name in list(derived_page_routes()) + list(derived_api_routes()) if name not in found]
    if unrouted:
        problems.append(f"ModelUI or router routes declared but not routed: {unrouted}")
    unanchored = [ui.model.__name__ for ui in REGISTRY if ui.model not in SCOPE_ANCHORS]
    unanchored += [vs.__name__ for _, vs, _ in router.registry if _viewset_model(vs) not in SCOPE_ANCHORS]
    unanchored += [
        spec.model.__name__
        for matrix in matrices
        for spec in matrix.object_routes.values()
        if spec.model not in SCOPE_ANCHORS
    ]
    if unanchored:
        problems.append(f"models without a scope rule in SCOPE_ANCHORS: {unanchored}")
    return problems


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

    def probes(self, model, ids: set[int]) -> list[tuple[bool, object]]:
        """(inside, row) to read: the first row inside `ids`, and the first and the last row outside (the last is
        the neighbour county's where it has one, make_neighbour_county: its rows are made last)."""
        rows = self._rows(model)
        outside = [o for o in rows if o.pk not in ids]
        found = [(True, self.pick(model, ids, True))] + [(False, o) for o in dict.fromkeys(outside[:1] + outside[-1:])]
        return [(inside, obj) for inside, obj in found if obj is not None]

    def label(self, model, pk) -> str:
        return next(str(o) for o in self._rows(model) if o.pk == pk)


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


def everything(ui) -> dict[str, str]:
    """Query parameters that lift a list's default narrowing (FilterSet.defaults: the pupils' 在读 by default): the
    matrix checks the scope, so it asks for every row the scope holds."""
    filterset_class = getattr(ui, "filterset_class", None)
    return {name: "" for name in getattr(filterset_class, "defaults", {})}


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
            response = send(client, "get", reverse(ui.url_name("list")), {"per_page": 200, **everything(ui)})
            if failures.expect(role, "list", response, 200 if readable else 404) and readable:
                shown = {row.record.pk for row in response.context["table"].paginated_rows}
                failures.check(
                    shown == visible_ids, f"{role}: list shows {sorted(shown)}, expected {sorted(visible_ids)}"
                )
        elif action == "export":
            for fmt in ("xlsx", "csv"):
                response = send(client, "get", reverse(ui.url_name("export"), args=[fmt]), everything(ui) or None)
                if failures.expect(role, f"export {fmt}", response, 200 if readable else 404) and readable:
                    _export_check(failures, expected, role, model, response, fmt, visible_ids)
            failures.expect(role, "export pdf", send(client, "get", reverse(ui.url_name("export"), args=["pdf"])), 404)
        elif action == "detail":
            for inside, obj in expected.probes(model, visible_ids):
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
            lifted = urlencode(everything(viewset.ui))
            for url in (list_url, reverse(f"{prefix}-list", kwargs={"format": "json"})):
                status, ids = _api_ids(client, f"{url}?{lifted}" if lifted else url)
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
        for inside, obj in expected.probes(model, visible_ids):
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
        for inside, obj in expected.probes(model, visible_ids):
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


def check_probes(clients, name, probes: list[Probe]) -> Failures:
    failures = Failures()
    for probe in probes:
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


# Data some apps' matrices add to the county (AppMatrix.data) --------------------------------------------


def make_import_batches(county) -> None:
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


# A background export of the school user's (emis.core.exports), with a fixed id that the probes name: only its user
# reads it (the administrator included, everyone else gets 404).
EXPORT_JOB_ID = 990001


def make_export_jobs(county) -> None:
    import io

    from django.core.files.base import ContentFile

    from emis.core import files
    from emis.core.models import ExportJob, ExportStatus
    from emis.core.safe_export import safe_workbook

    buffer = io.BytesIO()
    workbook = safe_workbook(buffer)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名"])
    sheet.write_row(1, 0, ["张三丰"])
    workbook.close()
    ExportJob.objects.create(
        pk=EXPORT_JOB_ID,
        user=county.users[Role.SCHOOL],
        list_name="students:student_list",
        fmt="xlsx",
        title="学生",
        status=ExportStatus.DONE,
        rows_done=1,
        rows_total=1,
        file=files.save(ContentFile(buffer.getvalue()), folder="exports", suffix=".xlsx"),
        file_name="学生.xlsx",
    )


def make_annual_reports(county) -> None:
    """Draft annual reports with an uploaded file: the county's, and the city's (outside every county user's scope:
    the city's and the province's departments and the administrator reach it)."""
    from django.core.files.base import ContentFile

    from emis.core.files import upload_storage

    name = "reports/annual/matrix/edited.docx"
    if not upload_storage().exists(name):
        upload_storage().save(name, ContentFile(b"PK\x03\x04 matrix"))
    for division in (county.county, county.city):
        report = AnnualReport(division=division, school_year=county.year, file_name="修改稿.docx", file_size=15)
        report.file.name = name
        report.save()


# Fixtures (conftest.py loads this module as a plugin) -----------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_expected(request, county_data, django_db_blocker):
    """The module's county plus its app's `data`, and what each role should reach of it.

    The cache is cleared here once for the module (and again at its end) instead of before every test: the rows
    do not change, so a page cached for one route (the annual report's draft, shared by the page, the Word draft
    and the annex) is still right for the next."""
    from django.core.cache import cache

    matrix = request.module.MATRIX
    cache.clear()
    with django_db_blocker.unblock():
        for build in matrix.data:
            build(county_data)  # inside the module's transaction: rolled back with it
        # A second county (崇阳县) after the app's rows, so that the first rows in and out of each role's scope stay
        # the county's own: its rows show in the lists, exports and API lists of the city, the province and the
        # administrator only, and a detail check also tries the last row outside a scope (one of them).
        make_neighbour_county(county_data)
        result = Expected(county_data)
        for model in matrix.models():
            for role in ROLES[1:]:
                result.visible_ids(role, model)
                result.in_scope_ids(role, model)
    yield result
    cache.clear()


@pytest.fixture
def matrix_clients(county_data, db):
    """Per role one client, signed in to the pages (session) and sending the role's API token."""
    from django.test import Client

    result = {ANON: Client()}
    for role in ROLES[1:]:
        client = Client(headers={"authorization": f"Token {county_data.tokens[role]}"})
        client.force_login(county_data.users[role])
        result[role] = client
    return result
