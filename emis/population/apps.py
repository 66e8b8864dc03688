from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "emis.population"
    label = "population"
    verbose_name = _("适龄人口")
