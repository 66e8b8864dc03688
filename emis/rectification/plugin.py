"""The rectification app's contributions: 整改通知书 (lists, the notice's page with its per-item answers and
verification, the printable notice, the county's summary), its domain, the rights of its declared workflow, and its
demo notices."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, register
from emis.work.declaration import workflow_rights
from emis.work.documents import DocumentKind, register_kind

from .apps import DOMAIN
from .services import DEFAULT_TEMPLATE, TEMPLATE_KIND
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

# The 整改通知书 a county bureau may replace with its own letterhead and wording (page 公文模板): the fields its
# template may use (emis.rectification.services.notice_context) and a sample to try an uploaded template on.
register_kind(
    DocumentKind(
        code=TEMPLATE_KIND,
        label=_("问题整改通知书"),
        default=DEFAULT_TEMPLATE,
        domain=DOMAIN,
        fields={
            "document_number": _("文号，如 通教督整〔2026〕12号"),
            "issuer_unit": _("发文单位"),
            "school": _("受文学校"),
            "title": _("督查名称"),
            "inspected_on": _("督查日期（中文）"),
            "basis": _("督查依据"),
            "days": _("整改期限（工作日数）"),
            "due_on": _("整改截止日期（中文）"),
            "responsible": _("整改责任人"),
            "responsible_phone": _("责任人电话"),
            "items": _(
                "问题清单（表格行：{%tr for item in items %}，每行 item.no 序号、item.severity 严重程度、"
                "item.finding 存在问题、item.requirement 整改要求）"
            ),
            "signed_on": _("落款日期（中文）"),
        },
        sample={
            "issuer_unit": "××县教育局",
            "school": "××县××小学",
            "title": "校园安全专项督查",
            "inspected_on": "2026年9月10日",
            "basis": "根据《中小学幼儿园安全管理办法》，",
            "days": 15,
            "due_on": "2026年10月9日",
            "responsible": "张××",
            "responsible_phone": "138××××0000",
            "items": [
                {"no": 1, "severity": "严重", "finding": "消防通道堆放杂物", "requirement": "立即清理，保持畅通"},
                {"no": 2, "severity": "一般", "finding": "灭火器过期", "requirement": "更换并建立检查台账"},
            ],
            "signed_on": "2026年9月12日",
        },
    )
)
