from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    name = "emis.rounds"
    label = "rounds"
    verbose_name = _("中考录取")
