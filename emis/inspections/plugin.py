"""The inspection engine's contributions: 检查表 (versioned checklists), 检查活动 (campaigns), the inspection form and
its pages, its domain, the rights of the "inspection" workflow, and its demo campaign."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .workflows import INSPECTION

register(
    AppRegistration(
        app="inspections",
        domains=(DataDomain(DOMAIN, _("检查督查"), 72),),
        rights=workflow_rights(INSPECTION),
    )
)
