"""The 学生资助 app's contributions: its menu group (programmes and standards, recognised categories, rolls with
their steps, coverage gaps, totals), its domain, the rights of its declared workflow, the `aid_eligibility` import
and its demo figures (2021 spring: 21,007 人次, 1,288.243 万元)."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .workflows import AID_ROLL

register(
    AppRegistration(
        app="aid",
        url_prefix="aid/",
        urls="emis.aid.urls",
        menu_groups=(MenuGroup("aid", _("学生资助"), 68),),
        menu=(
            MenuEntry("aid", "aid:roll_list", _("资助名单"), 10),
            MenuEntry("aid", "aid:totals", _("资助统计"), 20),
            MenuEntry("aid", "aid:coverage", _("应助未助核查"), 30),
            MenuEntry("aid", "aid:recognition_list", _("资助对象认定"), 40),
            MenuEntry("aid", "aid:programme_list", _("资助项目与标准"), 50),
        ),
        domains=(DataDomain(DOMAIN, _("学生资助"), 72),),
        rights=workflow_rights(AID_ROLL),
        import_kinds=(ImportKind("aid_eligibility", "emis.aid.importers.EligibilityImport", 70),),
        provides={
            "demo.load": "emis.aid.demo.load",
            "demo.wipe": "emis.aid.demo.wipe",
            "demo.section_domains": "emis.aid.demo.section_domains",
        },
    )
)
