"""The work engine's contributions. This round it has no pages yet (the 待办 inbox, the case and workflow pages come
with issue 13's next round); it declares the domain its tables belong to (read by scope alone: nobody writes cases
through generic pages; a step's rights are its workflow's own domain). Where its rows hang is its models' ScopeSpecs.

Apps that declare workflows grant their transitions in their own plugin.py:
``rights=workflow_rights(MY_WORKFLOW)`` (emis.work.declaration).
"""

from django.utils.translation import gettext_lazy as _

from emis.core import registry

from .models import WORK_DOMAIN

DOMAINS = (registry.DataDomain(WORK_DOMAIN, _("工作流程/办件"), 90),)

registry.register(registry.AppRegistration(app="work", domains=DOMAINS))
