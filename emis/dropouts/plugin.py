"""The 控辍保学 app's contributions: the three ledgers (适龄儿童台账, 疑似辍学学生台账, 辍学学生台账), the 劝返 cases on
the work engine with their 限期返校通知书, the schools' monthly reports, the township dashboard, its domain, the
rights of its declared workflows, the registry hook after a 辍学 roll change, and its demo cases."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, register
from emis.work.declaration import workflow_rights
from emis.work.documents import DocumentKind, register_kind

from .apps import DOMAIN
from .services import DEFAULT_TEMPLATE, TEMPLATE_KIND
from .workflows import DROPOUT_RETURN, MONTHLY_REPORT

# The steps of the workflows; and review_match: a township account confirms or rejects the possible matches of its own
# children (emis.dropouts.review; 股室人员 with the domain and 系统管理员 may anyway).
RIGHTS = workflow_rights(DROPOUT_RETURN, MONTHLY_REPORT)
RIGHTS.setdefault(DOMAIN, {}).setdefault(Role.TOWNSHIP, set()).add("review_match")

register(
    AppRegistration(
        app="dropouts",
        url_prefix="dropouts/",
        urls="emis.dropouts.urls",
        menu_groups=(MenuGroup("dropouts", _("控辍保学"), 55),),
        menu=(
            MenuEntry("dropouts", "dropouts:dashboard", _("控辍保学看板"), 10),
            # 四查三比对 is run by the accounts that oversee an area (a school's account has nothing to compare).
            MenuEntry("dropouts", "dropouts:detection", _("四查三比对"), 15, when="emis.core.access.oversees"),
            MenuEntry("dropouts", "dropouts:ledger_children", _("适龄儿童台账"), 20),
            MenuEntry("dropouts", "dropouts:ledger_suspected", _("疑似辍学学生台账"), 30),
            MenuEntry("dropouts", "dropouts:ledger_dropouts", _("辍学学生台账"), 40),
            MenuEntry("dropouts", "dropouts:dropoutcase_list", _("劝返个案"), 50),
            MenuEntry("dropouts", "dropouts:monthlyreport_list", _("控辍保学月报"), 60),
        ),
        domains=(DataDomain(DOMAIN, _("控辍保学"), 71),),
        rights=RIGHTS,
        provides={
            "dropout_recorded": "emis.dropouts.services.dropout_recorded",
            "demo.load": "emis.dropouts.demo.load",
            "demo.wipe": "emis.dropouts.demo.wipe",
            "demo.section_domains": "emis.dropouts.demo.section_domains",
        },
    )
)

register_kind(
    DocumentKind(
        code=TEMPLATE_KIND,
        label=_("限期返校通知书"),
        default=DEFAULT_TEMPLATE,
        domain=DOMAIN,
        fields={
            "document_number": _("文号，如 通教控辍〔2021〕3号"),
            "issuer_unit": _("发文单位（乡镇人民政府）"),
            "county": _("县名"),
            "guardian": _("家长（监护人）"),
            "child": _("儿童姓名"),
            "gender": _("性别"),
            "birth_date": _("出生日期（中文）"),
            "school": _("原就读学校（未入学的为空）"),
            "days": _("返校期限（工作日数）"),
            "due_on": _("返校截止日期（中文）"),
            "township_official": _("乡镇责任人"),
            "township_official_phone": _("乡镇责任人电话"),
            "principal": _("学校责任人（校长）"),
            "principal_phone": _("校长电话"),
            "signed_on": _("落款日期（中文）"),
        },
        sample={
            "issuer_unit": "××镇人民政府",
            "county": "××县",
            "guardian": "张××",
            "child": "张小×",
            "gender": "男",
            "birth_date": "2009年3月5日",
            "school": "××镇初级中学",
            "days": 15,
            "due_on": "2021年10月22日",
            "township_official": "李××",
            "township_official_phone": "138××××0000",
            "principal": "王××",
            "principal_phone": "139××××0000",
            "signed_on": "2021年9月30日",
        },
    )
)
