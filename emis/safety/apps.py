from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domain of this app's models: the code a 股室人员 account is granted and the key of the app's write rights.
DOMAIN = "safety"


class SafetyConfig(AppConfig):
    name = "emis.safety"
    label = "safety"
    verbose_name = _("校园安全")
