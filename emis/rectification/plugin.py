"""The rectification app's contributions: 整改通知书 (lists, the notice's page with its per-item answers and
verification, the printable notice, the county's summary), its domain, the rights of its declared workflow, and its
demo notices."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .workflows import RECTIFICATION

register(
    AppRegistration(
        app="rectification",
        url_prefix="rectification/",
        urls="emis.rectification.urls",
        # In the engine's 工作流程 group, after 待办事项, 办件查询 and 流程.
        menu=(
            MenuEntry("work", "rectification:notice_list", _("整改通知书"), 40),
            MenuEntry("work", "rectification:summary", _("整改情况汇总"), 50),
        ),
        domains=(DataDomain(DOMAIN, _("督查整改"), 70),),
        rights=workflow_rights(RECTIFICATION),
        provides={
            "demo.load": "emis.rectification.demo.load",
            "demo.wipe": "emis.rectification.demo.wipe",
            "demo.section_domains": "emis.rectification.demo.section_domains",
        },
    )
)
