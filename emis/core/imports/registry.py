"""Import kinds by name. Specs live in their domain apps; this maps the names used on the command line."""

from django.utils.module_loading import import_string

SPECS = {
    "students": "emis.students.importers.StudentImport",
    "divisions": "emis.orgs.importers.DivisionImport",
    "schools": "emis.orgs.importers.SchoolImport",
    "staff": "emis.staff.importers.StaffImport",
    "population": "emis.population.importers.PopulationImport",
    "outside": "emis.population.importers.OutsideEnrollmentImport",
}


def get_spec(kind: str):
    try:
        return import_string(SPECS[kind])()
    except KeyError:
        raise KeyError(kind) from None


def kinds() -> list[str]:
    return list(SPECS)
