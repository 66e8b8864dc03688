"""The 校外培训与民办教育 app's contributions: its menu group (概况, 机构名录, 投诉举报, 联合检查, 教师, 收费项目), its
domain, the rights of its two workflows (投诉举报, 整改), the institution picker, the 限期整改通知书 document kind, and
its demo data."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, Pickable, register
from emis.work.declaration import workflow_rights
from emis.work.documents import DocumentKind, register_kind

from .apps import DOMAIN
from .services import DEFAULT_TEMPLATE, TEMPLATE_KIND
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
        import_kinds=(ImportKind("tutoring_institutions", "emis.tutoring.importers.InstitutionImport", 80),),
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

register_kind(
    DocumentKind(
        code=TEMPLATE_KIND,
        label=_("校外培训机构限期整改通知书"),
        default=DEFAULT_TEMPLATE,
        domain=DOMAIN,
        fields={
            "document_number": _("文号，如 通教培整〔2021〕3号"),
            "issuer_unit": _("发文单位（县教育局）"),
            "institution": _("机构名称"),
            "address": _("办学地址"),
            "licence_number": _("办学许可证号"),
            "inspected_on": _("检查日期（中文）"),
            "findings": _("存在问题（逐条编号）"),
            "days": _("整改期限（日数）"),
            "due_on": _("整改截止日期（中文）"),
            "signed_on": _("落款日期（中文）"),
        },
        sample={
            "issuer_unit": "××县教育局",
            "institution": "××培训学校",
            "address": "××县××路××号",
            "licence_number": "教民1421224700001号",
            "inspected_on": "2021年11月15日",
            "findings": "1. 未取得消防验收备案；2. 一次预收费超过3个月。",
            "days": 20,
            "due_on": "2021年12月5日",
            "signed_on": "2021年11月15日",
        },
    )
)
