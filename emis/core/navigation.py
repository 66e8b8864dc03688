"""The sidebar menu, built from what each app's plugin declares; entries a user may not open are left out.

An entry may carry a count (``MenuEntry.count``: what waits for the user), computed once per request and kept on the
request, so a page that draws the menu twice asks once."""

from django.urls import reverse
from django.utils.module_loading import import_string

from . import registry
from .access import VIEW, role_may


def menu_count(request, entry) -> int:
    """The entry's badge number for the request's user (0 without a count), asked once per request."""
    if not entry.count:
        return 0
    cache = request.__dict__.setdefault("_emis_menu_counts", {})
    if entry.url_name not in cache:
        cache[entry.url_name] = int(import_string(entry.count)(request.user) or 0)
    return cache[entry.url_name]


def topbar_for(request) -> list[dict]:
    """The top bar's links (the bell) with their counts, asked once per request (shared with the menu's cache)."""
    return [
        {
            "url": reverse(entry.url_name),
            "label": entry.label,
            "icon": entry.icon,
            "count": menu_count(request, entry),
            "active": request.path.startswith(reverse(entry.url_name)),
        }
        for entry in registry.topbar()
    ]


def remember_count(request, url_name: str, value: int) -> None:
    """A page that has just counted what its menu entry counts (the 待办 inbox) gives the number to the menu, which
    then does not ask again."""
    request.__dict__.setdefault("_emis_menu_counts", {})[url_name] = int(value)


def menu_for(request) -> list[dict]:
    current = request.path
    groups = []
    for title, items in registry.menu():
        entries = []
        for item in items:
            if item.domain is not None and not role_may(request.user, item.domain, VIEW):
                continue
            url = reverse(item.url_name)
            active = current == url if url == "/" else current.startswith(url)
            entries.append({"url": url, "label": item.label, "active": active, "count": menu_count(request, item)})
        groups.append({"title": title, "items": entries})
    return groups
