from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domain of rectification notices: the code 股室 accounts are granted (User.domains) to issue and verify.
DOMAIN = "rectification"


class RectificationConfig(AppConfig):
    name = "emis.rectification"
    label = "rectification"
    verbose_name = _("督查整改")
    default_auto_field = "django.db.models.BigAutoField"
