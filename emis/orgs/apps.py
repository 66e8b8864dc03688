from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "emis.orgs"
    label = "orgs"
    verbose_name = _("区划与学校")
