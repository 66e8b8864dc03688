"""The sidebar menu, built from what each app's plugin declares; entries a user may not open are left out."""

from django.urls import reverse

from . import registry
from .access import VIEW, role_may


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
            entries.append({"url": url, "label": item.label, "active": active})
        groups.append({"title": title, "items": entries})
    return groups
