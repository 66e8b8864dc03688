"""placeholder"""


def section_domains():
    from .apps import DOMAIN

    return [DOMAIN]


def load(county, log):
    return {}


def wipe(county, log):
    return {}
