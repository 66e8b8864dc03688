def load(log=print, **kwargs):
    return None


def wipe(log=print, **kwargs):
    return None


def section_domains():
    return []
