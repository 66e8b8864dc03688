"""The sidebar menu, declared once; entries a user may not open are left out."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import VIEW, role_may

MENU = (
    (_("概览"), (("home", _("首页"), None),)),
    (
        _("指标与规划"),
        (
            ("indicators:dashboard", _("指标看板"), None),
            ("indicators:plantarget_list", _("规划目标"), None),
            ("indicators:indicatorsnapshot_list", _("指标快照"), None),
        ),
    ),
    (
        _("区划与学校"),
        (
            ("orgs:school_list", _("学校"), None),
            ("orgs:schoolevent_list", _("学校沿革"), None),
            ("orgs:division_list", _("行政区划"), None),
            ("orgs:schoolyear_list", _("学年"), None),
        ),
    ),
    (
        _("学生"),
        (
            ("students:student_list", _("学生"), None),
            ("students:schoolclass_list", _("班级"), None),
            ("students:enrollment_list", _("学籍记录"), None),
        ),
    ),
    (_("教职工"), (("staff:staff_list", _("教职工"), None), ("staff:posting_list", _("任职经历"), None))),
    (
        _("适龄人口"),
        (
            ("population:populationrecord_list", _("适龄人口登记"), None),
            ("population:outsideenrollment_list", _("县外就读"), None),
        ),
    ),
    (
        _("招生入学"),
        (
            ("admissions:catchment_plan", _("划片招生测算"), None),
            ("admissions:catchmentzone_list", _("招生片区"), None),
            ("admissions:entryplan_list", _("招生计划"), None),
            ("admissions:catchmentexception_list", _("划片例外"), None),
            ("admissions:admissionround_list", _("中考录取"), None),
            ("admissions:appeal_list", _("录取申诉"), None),
        ),
    ),
    (
        _("统计报表"),
        (
            ("reports:stats", _("教育事业统计基表"), None),
            ("reports:annual", _("年度工作报告"), None),
        ),
    ),
    (
        _("系统"),
        (
            ("core:import_list", _("数据导入"), None),
            ("core:objectchange_list", _("审计日志"), None),
            ("accounts:user_list", _("用户与权限"), "accounts"),
            ("accounts:security_log", _("登录安全"), "accounts"),
            ("api-docs", _("接口文档"), None),
        ),
    ),
    (
        _("我的账号"),
        (
            ("accounts:password_change", _("修改密码"), None),
            ("accounts:otp", _("两步验证"), None),
            ("accounts:my_tokens", _("我的令牌"), None),
        ),
    ),
)


def menu_for(request) -> list[dict]:
    current = request.path
    groups = []
    for title, items in MENU:
        entries = []
        for url_name, label, domain in items:
            if domain is not None and not role_may(request.user, domain, VIEW):
                continue
            url = reverse(url_name)
            active = current == url if url == "/" else current.startswith(url)
            entries.append({"url": url, "label": label, "active": active})
        groups.append({"title": title, "items": entries})
    return groups
