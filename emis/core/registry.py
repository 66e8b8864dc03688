"""What each app plugs into the site, declared by the app itself.

Every app under INSTALLED_APPS may have a ``plugin.py`` that calls :func:`register` with one
:class:`AppRegistration`: its menu entries, URL and API routes, write rights per role, import kinds, the panels it
adds to another app's detail pages, the numbers it adds to the home page and the functions it offers to other apps
by name. ``CoreConfig.ready()`` imports every ``plugin`` module (in INSTALLED_APPS order) and the places that used to
keep central lists read this registry instead: ``config.urls``, ``config.api_urls``, the sidebar menu
(``core.navigation``), the import kinds (``core.imports.registry``), and the domains and their write rights
(``core.access``).

So core names no domain app: adding an app touches its own folder and one INSTALLED_APPS line
(docs/development/adding-an-app.md, ADR 0008).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.urls import include, path
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MenuGroup:
    """A heading in the sidebar. Groups show in ``order``; any app may add entries to any group by its key."""

    key: str
    title: Any
    order: int


@dataclass(frozen=True)
class MenuEntry:
    """A sidebar link to the URL named ``url_name``. ``domain``: shown only to roles that may view that domain
    (None: to every signed-in user; the page itself still checks). Entries show in ``order`` inside their group.
    ``count``: dotted path of ``f(user) -> int``, a number shown as a badge beside the link (what waits for the
    user: the 待办 inbox); it should cost one query, and is asked once per request (core.navigation); 0 shows
    nothing. ``when``: dotted path of ``f(user) -> bool``, a further condition for pages that are not a model's list
    (``access.oversees``: for accounts overseeing an area; ``access.uses_api``: for the roles using the API). A
    model's list page is shown only where its ModelUI's rules let the user use it (core.navigation.entry_visible)."""

    group: str
    url_name: str
    label: Any
    order: int
    domain: str | None = None
    count: str | None = None
    when: str | None = None


@dataclass(frozen=True)
class TopbarEntry:
    """A link in the top bar beside the user's name (the notifications' bell): to the URL named ``url_name``, drawn as
    the icon ``icon`` (a name the base template knows: "bell") with ``label`` as its title. ``count``: dotted path
    of ``f(user) -> int`` shown as a badge (unread notifications), asked once per request like a menu entry's."""

    url_name: str
    label: Any
    icon: str
    order: int
    count: str | None = None


@dataclass(frozen=True)
class ImportKind:
    """An import kind by the name used on the command line and in the upload form (``spec``: dotted path of the
    ImportSpec class). Kinds are offered in ``order``."""

    name: str
    spec: str
    order: int


@dataclass(frozen=True)
class DataDomain:
    """A domain the app's models belong to (``Model.domain``): the unit of write rights and of what a 股室人员 account
    is granted (User.domains stores the codes). Domains are offered in ``order``, core's own (audit, accounts) last."""

    code: str
    label: Any
    order: int


@dataclass(frozen=True)
class Panel:
    """A table an app adds to another model's detail page: ``model`` is the page's model as "app_label.ModelName",
    ``rows(obj, user)`` returns the rows to show (scoped with ``for_user``), ``table`` is the django-tables2 class.
    The page's own related tables come first, then panels in ``order``. ``links(obj, user)``, when given, returns
    (label, url) pairs shown in the panel's header (a school's printable roster beside its classes)."""

    model: str
    title: Any
    rows: Callable[[Any, Any], Any]
    table: type
    order: int
    links: Callable[[Any, Any], list] | None = None


@dataclass(frozen=True)
class Pickable:
    """A model whose rows forms choose with the search-as-you-type picker (emis.core.pickers) instead of a dropdown
    of every row: the picker's endpoint ``/core/pick/<name>/`` finds it by ``name`` and searches, inside the user's
    scope (``for_user``), the fields named here. Every form field choosing a row of ``model`` (a ModelChoiceField or
    ModelMultipleChoiceField) gets the picker's widget, which renders only the chosen rows.

    name            the endpoint's name for the model ("student").
    model           "app_label.ModelName".
    name_field      a person's name, matched from its start ("张三" finds 张三丰), through ``initials_field``.
    initials_field  the stored pinyin initials (zsf), matched from their start; typed Chinese is matched through it
                    too, so that a big table is searched along that one index.
    pinyin_field    the stored full pinyin (zhangsanfeng), matched from its start, once the model keeps one (a name
                    the model does not have yet is left out of the search).
    contains_fields fields matched anywhere in them (a school's name: "迎宾路"); for tables of thousands of rows.
    prefix_fields   fields matched from their start when the text is digits (a school's 学校标识码).
    id_fields       encrypted ID-number fields (身份证号, 全国学籍号) matched whole by their hash, for roles that see
                    ID numbers in full, rate-limited like the ID lookup pages; never partly.
    school_field    the foreign key to the school whose scope is the row's own (a pupil's current school): for a
                    user who does not see everything the search also asks for a school of the user's scope, which
                    adds nothing to the scope (``for_user`` still decides) but lets the database read a school's or
                    a county's rows along the (school, name) index instead of the whole province's.
    select_related  joins for the hint.
    hint            dotted path of ``f(obj) -> str``: the grey text beside a result (the school, the birth year),
                    never an ID number.
    order_by        the SQL order of results (empty: none; the 20 found are sorted by text in Python, so that a
                    million-row table is read along the index, not sorted).
    forward         {parameter: ORM lookup}: the values of other fields of the form that narrow the search (a class
                    of the chosen school and year): the widget sends ``f_<parameter>``.
    filters         {name: Q}: named narrowings a form asks for (senior schools only, townships only).
    min_chars       results only once this many characters are typed (0: the first rows at once).
    in_filters      the list pages' filters use the picker too; a number: only where the filter would list more rows
                    than that (one COUNT; a county's dozen townships stay a plain select).
    """

    name: str
    model: str
    name_field: str | None = None
    initials_field: str | None = None
    pinyin_field: str | None = None
    contains_fields: tuple[str, ...] = ()
    prefix_fields: tuple[str, ...] = ()
    id_fields: tuple[str, ...] = ()
    school_field: str | None = None
    select_related: tuple[str, ...] = ()
    hint: str | None = None
    order_by: tuple[str, ...] = ()
    forward: dict[str, str] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    min_chars: int = 0
    in_filters: bool | int = True


@dataclass(frozen=True)
class AppRegistration:
    """One app's contributions. Every field is optional.

    url_prefix, urls      the app's pages, mounted at ``url_prefix`` ("students/"); ``urls`` is the URLconf module
                          (with its own ``app_name`` namespace).
    site_urls             dotted path of a list of URL patterns mounted at the site root, outside any namespace
                          (home, login).
    api_routes            dotted path of a sequence of (prefix, viewset) registered on the API router.
    topbar                TopbarEntries: links in the top bar (the notifications' bell), with a count badge.
    api_urls              dotted path of a list of extra URL patterns under /api/ (the token endpoints).
    domains               the DataDomains the app's models belong to (``Model.domain``; the app keeps the code in
                          a constant of its own, ``apps.DOMAIN``), offered to 股室人员 accounts before
                          core's own (``access.Domain``: audit, accounts).
    rights                {domain: {role: {action, ...}}}: the actions each role may take on the domain's rows
                          beyond reading (add, change, delete and named actions such as submit or approve).
                          Roles not named write nothing; system administrators and 股室人员 are decided by
                          ``core.access`` (all domains; the domains on their account).
    home                  dotted path of ``f(user, summary) -> dict``: numbers added to the home page's summary
                          (called in INSTALLED_APPS order, each seeing what earlier apps added).
    provides              {name: dotted path}: functions offered to other apps, looked up with :func:`provided`
                          (core asks for "school_years" this way instead of importing orgs).
    pickables             the app's models chosen with the search-as-you-type picker (:class:`Pickable`).
    """

    app: str
    url_prefix: str | None = None
    urls: str | None = None
    site_urls: str | None = None
    api_routes: str | None = None
    api_urls: str | None = None
    menu_groups: tuple[MenuGroup, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    topbar: tuple[TopbarEntry, ...] = ()
    domains: tuple[DataDomain, ...] = ()
    rights: dict[str, dict[str, frozenset[str] | set[str]]] = field(default_factory=dict)
    import_kinds: tuple[ImportKind, ...] = ()
    panels: tuple[Panel, ...] = ()
    home: str | None = None
    provides: dict[str, str] = field(default_factory=dict)
    pickables: tuple[Pickable, ...] = ()


_registrations: dict[str, AppRegistration] = {}


def register(registration: AppRegistration) -> AppRegistration:
    """Called once from the app's ``plugin.py``. Registering the same app twice replaces the first."""
    _registrations[registration.app] = registration
    return registration


def registrations() -> list[AppRegistration]:
    return list(_registrations.values())


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("plugin")


@contextmanager
def override(*extra: AppRegistration) -> Iterator[None]:
    """Tests: registrations added (or replaced) for the duration of the block."""
    saved = dict(_registrations)
    try:
        for registration in extra:
            register(registration)
        yield
    finally:
        _registrations.clear()
        _registrations.update(saved)


# ---- readers -------------------------------------------------------------------------------------------------------


def menu() -> list[tuple[Any, list[MenuEntry]]]:
    """(group title, entries) in order; groups without entries are left out."""
    groups: dict[str, MenuGroup] = {}
    for registration in _registrations.values():
        for group in registration.menu_groups:
            groups[group.key] = group
    entries: dict[str, list[MenuEntry]] = {key: [] for key in groups}
    for registration in _registrations.values():
        for entry in registration.menu:
            if entry.group not in groups:
                raise LookupError(f"{registration.app}: menu entry {entry.url_name} names unknown group {entry.group}")
            entries[entry.group].append(entry)
    ordered = sorted(groups.values(), key=lambda g: g.order)
    return [(g.title, sorted(entries[g.key], key=lambda e: e.order)) for g in ordered if entries[g.key]]


def topbar() -> list[TopbarEntry]:
    """The top bar's entries of every app, in order."""
    return sorted((entry for r in _registrations.values() for entry in r.topbar), key=lambda e: e.order)


def site_urlpatterns() -> list:
    patterns: list = []
    for registration in _registrations.values():
        if registration.site_urls:
            patterns += import_string(registration.site_urls)
    return patterns


def app_urlpatterns() -> list:
    return [path(r.url_prefix, include(r.urls)) for r in _registrations.values() if r.url_prefix is not None and r.urls]


def api_routes() -> list[tuple[str, type]]:
    routes: list[tuple[str, type]] = []
    for registration in _registrations.values():
        if registration.api_routes:
            routes += list(import_string(registration.api_routes))
    return routes


def api_urlpatterns() -> list:
    patterns: list = []
    for registration in _registrations.values():
        if registration.api_urls:
            patterns += import_string(registration.api_urls)
    return patterns


def domains() -> dict[str, Any]:
    """{code: label} of the domains the apps declare, in their order."""
    declared = sorted((domain for r in _registrations.values() for domain in r.domains), key=lambda d: d.order)
    return {domain.code: domain.label for domain in declared}


def write_actions(role: str, domain: str) -> frozenset[str]:
    """The actions beyond reading that ``role`` may take on ``domain`` (scope aside)."""
    actions: set[str] = set()
    for registration in _registrations.values():
        actions |= set(registration.rights.get(domain, {}).get(role, ()))
    return frozenset(actions)


def import_kinds() -> dict[str, str]:
    """{kind name: dotted path of its ImportSpec}, in the order the kinds are offered."""
    kinds = [kind for registration in _registrations.values() for kind in registration.import_kinds]
    return {kind.name: kind.spec for kind in sorted(kinds, key=lambda k: k.order)}


def panels_for(model) -> list[Panel]:
    label = model._meta.label
    found = [panel for r in _registrations.values() for panel in r.panels if panel.model == label]
    return sorted(found, key=lambda p: p.order)


def home_summary(user) -> dict:
    summary: dict = {}
    for registration in _registrations.values():
        if registration.home:
            summary.update(import_string(registration.home)(user, summary))
    return summary


def scope_anchors() -> dict[str, Callable]:
    """{"app_label.Model": anchor} for every model of the registered apps that declares a ScopeSpec: ``anchor(obj)``
    gives the (school ids, division codes) the row hangs from, read from that one declaration (for the access
    matrix). A model whose spec names no path has no anchor inside any scope: only those who see everything reach
    its rows."""
    from django.apps import apps

    from .access import ScopeSpec

    anchors = {}
    for registration in _registrations.values():
        for model in apps.get_app_config(registration.app).get_models():
            spec = getattr(model, "scope", None)
            if isinstance(spec, ScopeSpec):
                anchors[model._meta.label] = spec.keys_of
    return anchors


def provided(name: str) -> Callable | None:
    """The function an app offers under ``name``, or None when no installed app offers it."""
    for registration in _registrations.values():
        if name in registration.provides:
            return import_string(registration.provides[name])
    return None


def pickables() -> dict[str, Pickable]:
    """{name: Pickable} of every app's pickable models."""
    return {p.name: p for r in _registrations.values() for p in r.pickables}


def pickable_for(model) -> Pickable | None:
    """The Pickable declared for ``model`` (a model class), or None."""
    label = model._meta.label
    return next((p for p in pickables().values() if p.model == label), None)
