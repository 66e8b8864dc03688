"""The sidebar menu, built from what each app's plugin declares; entries a user may not open are left out.

An entry may carry a count (``MenuEntry.count``: what waits for the user), computed once per request and kept on the
request, so a page that draws the menu twice asks once."""

from functools import cache

from django.urls import get_script_prefix, resolve, reverse
from django.utils.module_loading import import_string

from . import access, registry
from .access import VIEW, role_may


@cache
def _url(url_name: str, script_prefix: str) -> str:
    return reverse(url_name)


def url_of(url_name: str) -> str:
    """``reverse(url_name)`` for a page without arguments, kept per name: the menu draws some sixty links on every
    page, and the URLs do not change while the process runs (the mount point, ``SCRIPT_NAME``, is part of the key)."""
    return _url(url_name, get_script_prefix())


@cache
def _condition(path: str):
    return import_string(path)


def menu_count(request, entry) -> int:
    """The entry's badge number for the request's user (0 without a count), asked once per request."""
    if not entry.count:
        return 0
    cache = request.__dict__.setdefault("_emis_menu_counts", {})
    if entry.url_name not in cache:
        cache[entry.url_name] = int(_condition(entry.count)(request.user) or 0)
    return cache[entry.url_name]


def topbar_for(request) -> list[dict]:
    """The top bar's links (the bell) with their counts, asked once per request (shared with the menu's cache)."""
    return [
        {
            "url": url_of(entry.url_name),
            "label": entry.label,
            "icon": entry.icon,
            "count": menu_count(request, entry),
            "active": request.path.startswith(url_of(entry.url_name)),
        }
        for entry in registry.topbar()
    ]


def remember_count(request, url_name: str, value: int) -> None:
    """A page that has just counted what its menu entry counts (the 待办 inbox) gives the number to the menu, which
    then does not ask again."""
    request.__dict__.setdefault("_emis_menu_counts", {})[url_name] = int(value)


@cache
def _model_ui(url_name: str):
    """The ModelUI behind a menu entry's page (a model's list), or None for a page of its own."""
    view = resolve(reverse(url_name)).func
    return getattr(view, "view_initkwargs", {}).get("ui")


def entry_visible(user, entry) -> bool:
    """May the user use the entry's page? Its domain readable by the role; its own condition (``when``); and for a
    model's list page the ModelUI's rules: the role may read the model, the user's scope can hold its rows
    (``access.reaches``, from the model's ScopeSpec: a school's account is not offered 行政区划 or 中考录取), and an
    oversight page (``ModelUI.oversight``: the change log, catchments) only to accounts overseeing an area. No
    query: every answer comes from the role, the scope keys kept on the user and the declarations."""
    if entry.domain is not None and not role_may(user, entry.domain, VIEW):
        return False
    if entry.when and not _condition(entry.when)(user):
        return False
    ui = _model_ui(entry.url_name)
    if ui is None:
        return True
    return ui.may(user, VIEW) and access.reaches(user, ui.model) and (not ui.oversight or access.oversees(user))


def menu_for(request) -> list[dict]:
    current = request.path
    groups = []
    for title, items in registry.menu():
        entries = []
        for item in items:
            if not entry_visible(request.user, item):
                continue
            url = url_of(item.url_name)
            active = current == url if url == "/" else current.startswith(url)
            entries.append({"url": url, "label": item.label, "active": active, "count": menu_count(request, item)})
        if entries:
            groups.append({"title": title, "items": entries})
    return groups
