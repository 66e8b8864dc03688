"""placeholder"""


def load(county, log):
    return {}


def wipe(county, log):
    return {}


def section_domains():
    return []
