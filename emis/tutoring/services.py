"""The writes of the 校外培训机构 registry and its two workflows. Rules live here: the 预收费 limit on fee plans, the
qualification of a 学科类 institution's teachers, and every step of a complaint or a rectification through
emis.work.services (no status of our own)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.writes import Refused
from emis.work import documents
from emis.work.services import case_open, case_transition

from . import selectors
from .models import Complaint, FeePlan, Institution, JointCheck, Kind, Partner, Status, Teacher
from .workflows import COMPLAINT, RECTIFICATION

TEMPLATE_KIND = "tutoring_rectify_notice"
DEFAULT_TEMPLATE = Path(__file__).parent / "docx" / "rectify_notice.docx"
NOTICE = "notice"
SERIES_SUFFIX = "教培整"


def institution_problems(institution: Institution) -> list[str]:
    """Why the registry refuses the institution as it stands (the page's save and the import both ask)."""
    problems = []
    if institution.kind == Kind.ACADEMIC and institution.legal_form != "nonprofit":
        problems.append(_("学科类校外培训机构须登记为非营利性机构（营转非）。"))
    if (
        institution.licence_issued
        and institution.licence_expires
        and institution.licence_expires < institution.licence_issued
    ):
        problems.append(_("许可证有效期不能早于发证日期。"))
    return problems


def institution_save(*, institution: Institution, acting_user=None, today: dt.date | None = None) -> Institution:
    """A 学科类 institution is a non-profit one (双减: 营转非) under the education department; a change of status
    is dated (停业整顿, 注销), the date defaulting to today."""
    today = today or timezone.localdate()
    problems = institution_problems(institution)
    if problems:
        raise Refused(*problems)
    before = Institution.objects.filter(pk=institution.pk).values("status", "status_since").first() or {}
    if before.get("status", Status.ACTIVE) != institution.status and institution.status_since == before.get(
        "status_since"
    ):
        institution.status_since = today
    institution.full_clean()
    institution.save()
    return institution


def teacher_save(*, teacher: Teacher, acting_user=None) -> Teacher:
    """A serving school teacher may not teach at an institution; a 学科类 institution's teachers need a 教师资格证."""
    if teacher.in_service_teacher:
        raise Refused(_("在职中小学教师不得在校外培训机构任教。"))
    if teacher.institution.kind == Kind.ACADEMIC and not teacher.certificate.strip():
        raise Refused(_("学科类培训机构的教师须具有教师资格证，请填写教师资格证号。"))
    teacher.full_clean()
    teacher.save()
    return teacher


def fee_plan_save(*, plan: FeePlan, acting_user=None) -> FeePlan:
    """预收费: one charge may cover at most PREPAY_MONTHS months and at most PREPAY_HOURS class hours."""
    months, hours = selectors.prepay_limits()
    problems = []
    if plan.prepaid_months is not None and Decimal(plan.prepaid_months) > months:
        problems.append(_("一次预收费不得超过{months}个月。").format(months=months))
    if plan.prepaid_hours is not None and plan.prepaid_hours > hours:
        problems.append(_("一次预收费不得超过{hours}课时。").format(hours=hours))
    if problems:
        raise Refused(*problems)
    plan.full_clean()
    plan.save()
    return plan


def joint_check_save(*, check: JointCheck, acting_user=None) -> JointCheck:
    """A joint check names at least one partner department, all of them known."""
    known = set(Partner.values)
    partners = [code for code in dict.fromkeys(check.partners or []) if code]
    if not partners:
        raise Refused(_("请至少选择一个联合检查部门。"))
    if set(partners) - known:
        raise Refused(_("联合检查部门不正确。"))
    check.partners = partners
    check.full_clean()
    check.save()
    return check


# Complaints --------------------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_receive(
    *,
    institution: Institution,
    received_on: dt.date,
    channel: str,
    complainant: str,
    content: str,
    acting_user,
    phone: str = "",
    today: dt.date | None = None,
) -> Complaint:
    """受理: the complaint's case opens with a clock of COMPLAINT_DAYS working days from the day received."""
    if not content.strip():
        raise Refused(_("请填写投诉内容。"))
    case = case_open(
        workflow=COMPLAINT.code,
        title=_("{name} 投诉举报").format(name=institution.name),
        division_code=institution.township.code,
        subject=institution,
        acting_user=acting_user,
        values={"channel": channel},
        today=today or received_on,
    )
    complaint = Complaint(
        case=case,
        institution=institution,
        received_on=received_on,
        channel=channel,
        complainant=complainant,
        phone=phone,
        content=content,
    )
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def complaint_step(
    *,
    complaint: Complaint,
    transition: str,
    acting_user,
    result: str = "",
    comment: str = "",
    version: int | None = None,
    today: dt.date | None = None,
) -> Complaint:
    """核查 or 办结 (with the result, kept on the complaint too)."""
    values = {"result": result} if transition == "conclude" else {}
    case_transition(
        case=complaint.case_id,
        version=complaint.case.version if version is None else version,
        transition=transition,
        acting_user=acting_user,
        comment=comment,
        values=values,
        today=today,
    )
    if transition == "conclude":
        complaint.result = result
        complaint.save()
    complaint.case.refresh_from_db()
    return complaint


# Rectification of a failing institution ------------------------------------------------------------------------------


def rectification_open(
    *,
    institution: Institution,
    findings: list[str],
    acting_user,
    days: int | None = None,
    inspection_id: int | None = None,
    today: dt.date | None = None,
):
    """限期整改: one case for the institution's findings (each a line of the order), the deadline in calendar days."""
    if not findings:
        raise Refused(_("没有需要整改的问题。"))
    today = today or timezone.localdate()
    days = days or selectors.rectify_days()
    values = {"findings": list(findings), "days": days}
    if inspection_id:
        values["inspection"] = inspection_id
    with transaction.atomic():
        case = case_open(
            workflow=RECTIFICATION.code,
            title=_("{name} 限期整改").format(name=institution.name),
            division_code=institution.township.code,
            subject=institution,
            acting_user=acting_user,
            values=values,
            today=today,
        )
        documents.generate(
            case,
            document=NOTICE,
            series=series(case.county_code),
            template=documents.template_for(TEMPLATE_KIND, DEFAULT_TEMPLATE, county_code=case.county_code),
            context=notice_context(institution, findings, days=days, due_on=case.due_on, today=today),
            filename=_("限期整改通知书-{name}").format(name=institution.name),
            user=acting_user,
            year=today.year,
        )
    return case


def series(county_code: str) -> str:
    """文号代字 of the county's notices (通山县: 通教培整〔2021〕3号); EMIS_TUTORING_SERIES = {"421224": "..."}."""
    from emis.orgs.models import Division

    configured = getattr(settings, "EMIS_TUTORING_SERIES", {}) or {}
    if county_code in configured:
        return configured[county_code]
    county = Division.objects.filter(code=county_code).first()
    return f"{county.name[:1]}{SERIES_SUFFIX}" if county is not None else SERIES_SUFFIX


def _date_cn(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def notice_context(institution: Institution, findings, *, days: int, due_on, today: dt.date) -> dict:
    """What the 限期整改通知书 shows (the fields of the document kind, emis.tutoring.plugin)."""
    from emis.orgs.models import Division

    county = Division.objects.filter(code=institution.township.code[:6]).first()
    return {
        "issuer_unit": _("{county}教育局").format(county=county.name) if county is not None else _("县教育局"),
        "institution": institution.name,
        "address": institution.address,
        "licence_number": institution.licence_number,
        "inspected_on": _date_cn(today),
        "findings": "；".join(f"{n}. {text}" for n, text in enumerate(findings, start=1)) + "。",
        "days": days,
        "due_on": _date_cn(due_on),
        "signed_on": _date_cn(today),
    }


def rectification_step(
    *, case, transition: str, acting_user, comment: str = "", version: int | None = None, today: dt.date | None = None
):
    """报送整改情况 (on the institution's behalf), 复查合格, 复查不合格 or 退回重改."""
    if case.workflow != RECTIFICATION.code:
        raise Refused(_("该办件不是校外培训机构整改。"))
    step = case_transition(
        case=case.pk,
        version=case.version if version is None else version,
        transition=transition,
        acting_user=acting_user,
        comment=comment,
        today=today,
    )
    return step.case
