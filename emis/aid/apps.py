from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domain of this app's models (their `domain`): the code a 股室人员 account is granted (stored in
# User.domains) and the key of the app's write rights. Declared with its label in plugin.py; kept here, where the
# models can import it without importing the plugin (which imports the app's tables, views and models).
DOMAIN = "aid"


class AidConfig(AppConfig):
    name = "emis.aid"
    label = "aid"
    verbose_name = _("学生资助")
