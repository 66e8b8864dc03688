"""Import kinds by name. Specs live in their domain apps, which declare them in their plugin (emis.core.registry)."""

from django.utils.module_loading import import_string

from emis.core import registry


def specs() -> dict[str, str]:
    """{kind: dotted path of its ImportSpec}, in the order the upload form offers them."""
    return registry.import_kinds()


def get_spec(kind: str):
    try:
        return import_string(specs()[kind])()
    except KeyError:
        raise KeyError(kind) from None


def kinds() -> list[str]:
    return list(specs())
