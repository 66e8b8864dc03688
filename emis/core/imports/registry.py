"""Import kinds by name. Specs live in their domain apps; this maps the names used on the command line."""

from django.utils.module_loading import import_string

SPECS = {
    "students": "emis.students.importers.StudentImport",
}


def get_spec(kind: str):
    try:
        return import_string(SPECS[kind])()
    except KeyError:
        raise KeyError(kind) from None


def kinds() -> list[str]:
    return list(SPECS)
