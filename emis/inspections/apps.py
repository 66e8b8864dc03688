from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The write domain of the inspection engine: the code a 股室 account is granted (User.domains) to edit checklist
# templates and campaigns and to sign inspections off.
DOMAIN = "inspections"


class InspectionsConfig(AppConfig):
    name = "emis.inspections"
    label = "inspections"
    verbose_name = _("检查督查")
    default_auto_field = "django.db.models.BigAutoField"
