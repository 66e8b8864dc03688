"""Translation without importing Django at module level.

The solver runs stand-alone (the benchmark, a plain Python shell) as well as inside the project. Its messages are
Chinese msgids marked with `_()` so that makemessages finds them; inside a configured Django process they are
translated through Django's gettext (the active language), outside one they stay Chinese.
"""

from __future__ import annotations


def _django_ready() -> bool:
    try:
        from django.apps import apps
        from django.conf import settings
    except ImportError:  # pragma: no cover - Django is a dependency of the project
        return False
    return bool(settings.configured) and apps.ready


def gettext(message: str) -> str:
    if _django_ready():
        from django.utils.translation import gettext as django_gettext

        return django_gettext(message)
    return message


def language_is_chinese() -> bool:
    """True when messages should use Chinese numerals (第一志愿); Arabic numerals are used otherwise."""
    if not _django_ready():
        return True
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").lower().startswith("zh")


_ = gettext
