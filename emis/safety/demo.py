def section_domains():
    return ["safety"]


def load(county, log):
    return {}


def wipe(county, log):
    return {}
