"""The demo county's 控辍保学 cases (filled in below)."""

from .apps import DOMAIN


def section_domains() -> list[str]:
    return [DOMAIN]


def load(**kwargs):
    return {}


def wipe(**kwargs):
    return None
