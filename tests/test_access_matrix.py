"""The access matrix: every URL pattern and every API endpoint, for every role (and anonymous).

The routes come from `django.urls.get_resolver()`; each named route is exercised by one of

* the ModelUI REGISTRY (pages `<namespace>:<model>_<list|export|detail|add|edit|delete>`),
* the API router registry (`<prefix>-list`, `<prefix>-detail`),
* OTHER_ROUTES below (home, login, logout, healthz, set_language, api-token, api-schema, api-docs, api-root).

A route in none of them fails `test_every_route_is_covered` (and its own matrix test) with its name: adding a
route means adding its expectations here.

What is expected is written here independently of emis.core.access: SCOPE_ANCHORS says where each model's rows
hang (schools, division code) and ROLE_WRITES which domains each fixture user may write. Semantics checked:

Pages (session login)
    anonymous                              302 to the login page
    list / export (xlsx, csv)              200 for every role; exactly the rows inside the role's scope
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

So pages answer 404 both for "not yours" and "not allowed", while the API answers 403 for "your role may not
do this here" and 404 for "not in your scope"; neither distinguishes a row outside the scope from a missing row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse

from config.api_urls import router
from emis.accounts.models import User
from emis.core.access import Domain, Role
from emis.core.models import ObjectChange
from emis.core.testing import PASSWORD, ROLE_USERNAMES, body_bytes, csv_rows, xlsx_rows
from emis.core.views import REGISTRY
from emis.orgs.models import Division, School, SchoolEvent, SchoolYear
from emis.population.models import PopulationRecord
from emis.staff.models import Posting, Staff
from emis.students.models import Enrollment, SchoolClass, Student

ANON = "anonymous"
ROLES = [ANON, Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR, Role.ADMIN]

# Domains each fixture user may write (emis.core.testing.make_role_users gives section students and staff).
ROLE_WRITES = {
    Role.LEADER: set(),
    Role.INSPECTOR: set(),
    Role.SECTION: {Domain.STUDENTS, Domain.STAFF},
    Role.TOWNSHIP: {Domain.STUDENTS, Domain.STAFF, Domain.POPULATION},
    Role.SCHOOL: {Domain.STUDENTS, Domain.STAFF},
    Role.ADMIN: {Domain.ORGS, Domain.STUDENTS, Domain.STAFF, Domain.POPULATION, Domain.ACCOUNTS},
}


def _school_keys(school) -> tuple[set, str]:
    """A row attached to a school belongs to that school, to its parent (a teaching point's primary school)
    and to its township."""
    if school is None:
        return set(), ""
    return {school.pk, school.parent_id}, school.township.code


ADMIN_ONLY = "admin only"

# Where a row hangs: (school ids it belongs to, division code it lies under). Rows are read and written inside
# this scope; None: only those who see everything write it; ADMIN_ONLY: only system administrators reach it.
SCOPE_ANCHORS = {
    Division: lambda o: (set(), o.code),
    School: _school_keys,
    SchoolEvent: lambda o: _school_keys(o.school),
    SchoolYear: None,
    SchoolClass: lambda o: _school_keys(o.school),
    Student: lambda o: _school_keys(o.current_school),
    Enrollment: lambda o: _school_keys(o.school),
    Staff: lambda o: _school_keys(o.post_school),
    Posting: lambda o: _school_keys(o.school),
    PopulationRecord: lambda o: (set(), o.hukou_township.code),
    # A change record is filed under the school and division of the row at the time of the change.
    ObjectChange: lambda o: ({o.school_id}, o.division_code),
    User: ADMIN_ONLY,
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
    anchor = SCOPE_ANCHORS[model]
    if anchor is None or anchor == ADMIN_ONLY:
        return False
    school_ids, code = anchor(obj)
    user_schools, user_codes = _user_scope(user)
    return bool((school_ids - {None}) & user_schools) or any(code and code.startswith(c) for c in user_codes)


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


def route_ids() -> list[str]:
    ids = set()
    for name, pattern in iter_routes():
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
    extra: dict = field(default_factory=dict)

    def status_for(self, role) -> int:
        return self.expect.get(role, self.expect.get("*"))


def _is_login_redirect(response, role):
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), response["Location"]


def _token_returned(response, role):
    if role != ANON:
        assert "token" in response.json()


def _schema_is_openapi3(response, role):
    body = response.content.decode()
    assert body.startswith("openapi: 3") or '"openapi": "3' in body


OTHER_ROUTES: dict[str, list[Probe]] = {
    "home": [Probe("get", {ANON: 302, "*": 200}, check=_is_login_redirect)],
    "login": [Probe("get", {"*": 200})],
    # Django 5 logs out on POST only.
    "logout": [Probe("get", {"*": 405}), Probe("post", {"*": 302})],
    "healthz": [Probe("get", {"*": 200})],
    "set_language": [Probe("post", {"*": 302}, data={"language": "en", "next": "/"})],
    "api-token": [Probe("get", {"*": 405}), Probe("post", {ANON: 400, "*": 200}, credentials=True,
                                                  check=_token_returned)],
    # The schema and its Swagger page are public (drf-spectacular's default SERVE_PERMISSIONS); they describe
    # endpoints, not data.
    "api-schema": [Probe("get", {"*": 200}, check=_schema_is_openapi3)],
    "api-docs": [Probe("get", {"*": 200})],
    "api-root": [Probe("get", {ANON: 401, "*": 200})],
}


def test_every_route_is_covered():
    pages, api = derived_page_routes(), derived_api_routes()
    found = route_ids()
    uncovered = [name for name in found if name not in pages and name not in api and name not in OTHER_ROUTES]
    assert not uncovered, f"routes without access-matrix expectations (add them to OTHER_ROUTES or REGISTRY): {uncovered}"
    stale = [name for name in OTHER_ROUTES if name not in found]
    assert not stale, f"OTHER_ROUTES names no longer routed: {stale}"
    missing_pages = [name for name in pages if name not in found]
    assert not missing_pages, f"ModelUI routes declared but not routed: {missing_pages}"
    missing_api = [name for name in api if name not in found]
    assert not missing_api, f"router routes not routed: {missing_api}"
    unanchored = [ui.model.__name__ for ui in REGISTRY if ui.model not in SCOPE_ANCHORS]
    unanchored += [vs.__name__ for _, vs, _ in router.registry if getattr(getattr(vs, "ui", None), "model", None)
                   not in SCOPE_ANCHORS]
    assert not unanchored, f"models without a scope rule in SCOPE_ANCHORS: {unanchored}"


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


def pick(model, user, in_scope: bool):
    for obj in model._base_manager.order_by("pk"):
        if visible(user, model, obj) == in_scope:
            return obj
    return None


class Failures(list):
    def expect(self, role, what, response, status):
        if response.status_code != status:
            self.append(f"{role}: {what} -> {response.status_code}, expected {status}")
            return False
        return True

    def check(self, condition, message):
        if not condition:
            self.append(message)


def _anon_page(failures, client, what, url, method="get"):
    response = send(client, method, url)
    if failures.expect(ANON, f"{method.upper()} {what}", response, 302):
        failures.check(response["Location"].startswith("/accounts/login/"), f"{ANON}: {what} not sent to login")


def _visible_ids(user, model) -> set[int]:
    return {obj.pk for obj in model._base_manager.all() if visible(user, model, obj)}


def check_page_route(county, clients, ui, action) -> Failures:
    failures = Failures()
    model = ui.model
    for role in ROLES:
        client = clients[role]
        if role == ANON:
            any_obj = model._base_manager.order_by("pk").first()
            kwargs = {"fmt": "csv"} if action == "export" else ({"pk": any_obj.pk} if action in ("detail", "edit",
                                                                                                  "delete") else {})
            _anon_page(failures, client, action, reverse(ui.url_name(action), kwargs=kwargs))
            continue
        user = county.users[role]
        expected_ids = _visible_ids(user, model)
        if action in ("list", "export") and not reads(role, model):
            for url in [reverse(ui.url_name("list"))] + [reverse(ui.url_name("export"), args=[f]) for f in ("xlsx", "csv")]:
                failures.expect(role, f"GET {url}", send(client, "get", url), 404)
        elif action == "list":
            response = send(client, "get", reverse(ui.url_name("list")), {"per_page": 200})
            if failures.expect(role, "list", response, 200):
                shown = {row.record.pk for row in response.context["table"].paginated_rows}
                failures.check(shown == expected_ids, f"{role}: list shows {sorted(shown)}, expected {sorted(expected_ids)}")
        elif action == "export":
            for fmt in ("xlsx", "csv"):
                response = send(client, "get", reverse(ui.url_name("export"), args=[fmt]))
                if not failures.expect(role, f"export {fmt}", response, 200):
                    continue
                rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
                failures.check(len(rows) - 1 == len(expected_ids),
                               f"{role}: export {fmt} has {len(rows) - 1} rows, expected {len(expected_ids)}")
                cells = {str(cell) for row in rows[1:] for cell in row}
                labels_in = {str(o) for o in model._base_manager.filter(pk__in=expected_ids)}
                for obj in model._base_manager.exclude(pk__in=expected_ids):
                    label = str(obj)
                    failures.check(label in labels_in or label not in cells,
                                   f"{role}: export {fmt} contains out-of-scope {model.__name__} {label}")
            response = send(client, "get", reverse(ui.url_name("export"), args=["pdf"]))
            failures.expect(role, "export pdf", response, 404)
        elif action == "detail":
            for in_scope in (True, False):
                obj = pick(model, user, in_scope)
                if obj is None:
                    continue
                response = send(client, "get", reverse(ui.url_name("detail"), args=[obj.pk]))
                failures.expect(role, f"detail {'in' if in_scope else 'out of'} scope #{obj.pk}", response,
                                200 if in_scope else 404)
            missing = model._base_manager.order_by("-pk").first().pk + 1000
            failures.expect(role, "detail of a missing row", send(client, "get",
                                                                  reverse(ui.url_name("detail"), args=[missing])), 404)
        elif action == "add":
            allowed = writes(role, model)
            url = reverse(ui.url_name("add"))
            count = model._base_manager.count()
            failures.expect(role, "GET add", send(client, "get", url), 200 if allowed else 404)
            # An empty form is invalid, so an allowed POST re-renders the form (200) and creates nothing.
            failures.expect(role, "POST add (empty)", send(client, "post", url, {}), 200 if allowed else 404)
            failures.check(model._base_manager.count() == count, f"{role}: POST add changed the row count")
        elif action in ("edit", "delete"):
            for in_scope in (True, False):
                obj = pick(model, user, in_scope)
                if obj is None:
                    continue
                allowed = may_write_row(role, user, model, obj)
                url = reverse(ui.url_name(action), args=[obj.pk])
                where = f"{'in' if in_scope else 'out of'} scope #{obj.pk}"
                failures.expect(role, f"GET {action} {where}", send(client, "get", url), 200 if allowed else 404)
                before = model._base_manager.filter(pk=obj.pk).values().first()
                response = send(client, "post", url, {})
                if action == "edit":
                    # An empty form is invalid: 200 with errors when allowed.
                    failures.expect(role, f"POST edit {where}", response, 200 if allowed else 404)
                else:
                    # Allowed: 302 to the list, or back to the object when other rows still reference it.
                    failures.expect(role, f"POST delete {where}", response, 302 if allowed else 404)
                failures.check(model._base_manager.filter(pk=obj.pk).values().first() == before,
                               f"{role}: POST {action} {where} changed the row")
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


def check_api_route(county, clients, prefix, viewset, kind) -> Failures:
    failures = Failures()
    model = viewset.ui.model
    read_only = "post" not in getattr(viewset, "http_method_names", ["post"]) or viewset.ui.form_class is None
    list_url = reverse(f"{prefix}-list")
    for role in ROLES:
        client = clients[role]
        if role == ANON:
            obj = model._base_manager.order_by("pk").first()
            url = list_url if kind == "list" else reverse(f"{prefix}-detail", args=[obj.pk])
            for method in ("get", "post") if kind == "list" else ("get", "patch", "put", "delete"):
                failures.expect(role, f"{method.upper()} {kind}", send(client, method, url, json=True), 401)
            continue
        user = county.users[role]
        allowed_domain = writes(role, model) and not read_only
        if kind == "list":
            expected_ids = _visible_ids(user, model)
            status, ids = _api_ids(client, list_url)
            if status != 200:
                failures.append(f"{role}: GET list -> {status}, expected 200")
            else:
                failures.check(ids == expected_ids, f"{role}: API list gives {sorted(ids)}, expected {sorted(expected_ids)}")
            suffixed = reverse(f"{prefix}-list", kwargs={"format": "json"})
            status, ids = _api_ids(client, suffixed)
            failures.check(status == 200 and ids == expected_ids, f"{role}: {suffixed} gives {status} {sorted(ids)}")
            count = model._base_manager.count()
            response = send(client, "post", list_url, {}, json=True)
            failures.expect(role, "POST list (empty)", response, 400 if allowed_domain else 403)
            failures.check(model._base_manager.count() == count, f"{role}: POST list changed the row count")
            continue
        for in_scope in (True, False):
            obj = pick(model, user, in_scope)
            if obj is None:
                continue
            where = f"{'in' if in_scope else 'out of'} scope #{obj.pk}"
            url = reverse(f"{prefix}-detail", args=[obj.pk])
            failures.expect(role, f"GET {where}", send(client, "get", url), 200 if in_scope else 404)
            suffixed = reverse(f"{prefix}-detail", kwargs={"pk": obj.pk, "format": "json"})
            failures.expect(role, f"GET {suffixed}", send(client, "get", suffixed), 200 if in_scope else 404)
            row_ok = may_write_row(role, user, model, obj) and not read_only
            before = model._base_manager.filter(pk=obj.pk).values().first()
            for method, ok_status in (("patch", 200), ("put", 400), ("delete", 204)):
                response = send(client, method, url, json=True)
                if not allowed_domain:
                    expected = 403
                elif not row_ok:
                    expected = 404
                else:
                    expected = ok_status
                if method == "delete" and expected == 204 and response.status_code == 409:
                    expected = 409  # still referenced by other rows (PROTECT)
                failures.expect(role, f"{method.upper()} {where}", response, expected)
            failures.check(model._base_manager.filter(pk=obj.pk).values().first() == before,
                           f"{role}: API writes on {where} left a change behind")
    return failures


def check_other_route(county, clients, name) -> Failures:
    failures = Failures()
    url = reverse(name)
    for probe in OTHER_ROUTES[name]:
        for role in ROLES:
            data = dict(probe.data or {})
            if probe.credentials:
                username = ROLE_USERNAMES.get(role, "nobody")
                data.update({"username": username, "password": PASSWORD if role != ANON else "wrong"})
            response = send(clients[role], probe.method, url, data)
            if failures.expect(role, f"{probe.method.upper()} {name}", response, probe.status_for(role)) and probe.check:
                try:
                    probe.check(response, role)
                except AssertionError as exc:
                    failures.append(f"{role}: {name}: {exc}")
    return failures


@pytest.fixture
def clients(county, db):
    from django.test import Client

    result = {ANON: Client()}
    for role in ROLES[1:]:
        client = Client(headers={"authorization": f"Token {county.tokens[role]}"})
        client.force_login(county.users[role])
        result[role] = client
    return result


@pytest.mark.parametrize("route", route_ids())
def test_access_matrix(route, county, clients):
    pages, api = derived_page_routes(), derived_api_routes()
    if route in pages:
        failures = check_page_route(county, clients, *pages[route])
    elif route in api:
        failures = check_api_route(county, clients, *api[route])
    elif route in OTHER_ROUTES:
        failures = check_other_route(county, clients, route)
    else:
        pytest.fail(f"route {route} has no access-matrix expectations: add it to OTHER_ROUTES or derive it")
    assert not failures, f"{route}:\n" + "\n".join(failures)
