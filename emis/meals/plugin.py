"""The 营养改善计划 app's contributions: its menu group (实施学校, 补助标准, 供餐天数, 月报, 资金与人数汇总), its
domain, the rights of the monthly report's workflow, and its demo data."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .workflows import MONTHLY_REPORT

register(
    AppRegistration(
        app="meals",
        url_prefix="meals/",
        urls="emis.meals.urls",
        menu_groups=(MenuGroup("meals", _("营养改善计划"), 66),),
        menu=(
            MenuEntry("meals", "meals:totals", _("资金与人数汇总"), 10, domain=DOMAIN),
            MenuEntry("meals", "meals:monthlyreport_list", _("学校月报"), 20),
            MenuEntry("meals", "meals:participation_list", _("实施学校"), 30),
            MenuEntry("meals", "meals:schooldays_list", _("供餐天数"), 40),
            MenuEntry("meals", "meals:dailystandard_list", _("膳食补助标准"), 50),
        ),
        domains=(DataDomain(DOMAIN, _("营养改善计划"), 75),),
        rights=workflow_rights(MONTHLY_REPORT),
        provides={
            "demo.load": "emis.meals.demo.load",
            "demo.wipe": "emis.meals.demo.wipe",
            "demo.section_domains": "emis.meals.demo.section_domains",
        },
    )
)
