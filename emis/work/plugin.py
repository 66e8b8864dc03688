"""The work engine's contributions: the 待办 inbox (with its count on the menu), the case list and case pages, the
workflows' pages, the API of cases, steps, transitions and attachments. Its tables are read by scope alone (nobody
writes cases through generic pages; a step's rights are its workflow's own domain). Where its rows hang is its
models' ScopeSpecs.

Apps that declare workflows grant their transitions in their own plugin.py:
``rights=workflow_rights(MY_WORKFLOW)`` (emis.work.declaration).
"""

from django.utils.translation import gettext_lazy as _

from emis.core import registry

from .models import WORK_DOMAIN

DOMAINS = (registry.DataDomain(WORK_DOMAIN, _("工作流程/办件"), 90),)

registry.register(
    registry.AppRegistration(
        app="work",
        url_prefix="work/",
        urls="emis.work.urls",
        api_routes="emis.work.api.ROUTES",
        # Right after 概览: what waits for the user comes first.
        menu_groups=(registry.MenuGroup("work", _("工作流程"), 5),),
        menu=(
            registry.MenuEntry("work", "work:inbox", _("待办事项"), 10, count="emis.work.selectors.inbox_count"),
            registry.MenuEntry("work", "work:case_list", _("办件查询"), 20),
            registry.MenuEntry("work", "work:workflows", _("流程"), 30),
            registry.MenuEntry("work", "work:calendarday_list", _("工作日历"), 40),
        ),
        domains=DOMAINS,
    )
)
