"""The 校外培训与民办教育 app's contributions: its menu group (概况, 机构名录, 投诉举报, 联合检查, 教师, 收费项目), its
domain, the rights of its two workflows (投诉举报, 整改), the institution picker, and its demo data."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, Pickable, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .workflows import COMPLAINT, RECTIFICATION


def institution_hint(institution) -> str:
    return f"{institution.township.name} · {institution.get_kind_display()}"


register(
    AppRegistration(
        app="tutoring",
        url_prefix="tutoring/",
        urls="emis.tutoring.urls",
        menu_groups=(MenuGroup("tutoring", _("校外培训与民办教育"), 74),),
        menu=(
            MenuEntry("tutoring", "tutoring:summary", _("校外培训机构概况"), 10, when="emis.core.access.oversees"),
            MenuEntry("tutoring", "tutoring:institution_list", _("校外培训机构"), 20),
            MenuEntry("tutoring", "tutoring:complaint_list", _("投诉举报"), 30),
            MenuEntry("tutoring", "tutoring:jointcheck_list", _("联合检查"), 40),
            MenuEntry("tutoring", "tutoring:teacher_list", _("培训机构教师"), 50),
            MenuEntry("tutoring", "tutoring:feeplan_list", _("收费项目"), 60),
        ),
        domains=(DataDomain(DOMAIN, _("校外培训与民办教育"), 79),),
        rights=workflow_rights(COMPLAINT, RECTIFICATION),
        pickables=(
            Pickable(
                "tutoring_institution",
                "tutoring.Institution",
                contains_fields=("name",),
                select_related=("township",),
                hint="emis.tutoring.plugin.institution_hint",
                order_by=("name",),
            ),
        ),
        provides={
            "demo.load": "emis.tutoring.demo.load",
            "demo.wipe": "emis.tutoring.demo.wipe",
            "demo.section_domains": "emis.tutoring.demo.section_domains",
        },
    )
)
