"""The indicators app's contributions: the indicator dashboard, plan targets and snapshots."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, register

from .apps import DOMAIN

register(
    AppRegistration(
        app="indicators",
        url_prefix="indicators/",
        urls="emis.indicators.urls",
        menu_groups=(MenuGroup("indicators", _("指标与规划"), 10),),
        menu=(
            MenuEntry("indicators", "indicators:dashboard", _("指标看板"), 10),
            MenuEntry("indicators", "indicators:plantarget_list", _("规划目标"), 20),
            MenuEntry("indicators", "indicators:indicatorsnapshot_list", _("指标快照"), 30),
        ),
        domains=(DataDomain(DOMAIN, _("指标与规划"), 60),),
        # Written by system administrators and by 股室人员 granted the indicators domain only.
        rights={},
    )
)
