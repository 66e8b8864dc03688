"""The reports app's contributions: the statistics base tables and the annual work report."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, MenuEntry, MenuGroup, register

register(
    AppRegistration(
        app="reports",
        url_prefix="reports/",
        urls="emis.reports.urls",
        menu_groups=(MenuGroup("reports", _("统计报表"), 70),),
        menu=(
            MenuEntry("reports", "reports:stats", _("教育事业统计基表"), 10),
            MenuEntry("reports", "reports:annual", _("年度工作报告"), 20),
        ),
    )
)
