"""The population app's contributions: the register of school-age children and those schooled outside the county."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, CHANGE, DELETE, Role
from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, register

from .apps import DOMAIN

register(
    AppRegistration(
        app="population",
        url_prefix="population/",
        urls="emis.population.urls",
        api_routes="emis.population.api.ROUTES",
        menu_groups=(MenuGroup("population", _("适龄人口"), 50),),
        menu=(
            MenuEntry("population", "population:populationrecord_list", _("适龄人口登记"), 10),
            MenuEntry("population", "population:outsideenrollment_list", _("县外就读"), 20),
        ),
        domains=(DataDomain(DOMAIN, _("适龄人口"), 40),),
        rights={DOMAIN: {Role.TOWNSHIP: {ADD, CHANGE, DELETE}}},
        import_kinds=(
            ImportKind("population", "emis.population.importers.PopulationImport", 50),
            ImportKind("outside", "emis.population.importers.OutsideEnrollmentImport", 60),
        ),
        provides={"demo.load": "emis.population.demo.load", "demo.wipe": "emis.population.demo.wipe"},
    )
)
