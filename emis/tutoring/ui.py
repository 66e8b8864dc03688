"""The registry's pages: 校外培训机构 (with its history: teachers, fees, 年检, rectification cases, complaints, joint
checks), 教师, 收费项目, 投诉举报 (each step through emis.tutoring.services and the work engine) and 联合检查."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.access import VIEW
from emis.core.views import Action, ModelUI
from emis.work.services import refusal

from . import filtersets, forms, selectors, services, tables
from .models import Complaint, FeePlan, Institution, JointCheck, Teacher
from .workflows import COMPLAINT, HANDLERS

ANNUAL_LABELS = dict(selectors.ANNUAL_RESULTS)


def _summary_link():
    return (_("校外培训机构概况"), reverse("tutoring:summary"))


def _yes(value) -> str:
    return gettext("是") if value else gettext("否")


def _receive(institution, user, form) -> str:
    data = form.cleaned_data
    services.complaint_receive(
        institution=institution,
        received_on=data["received_on"],
        channel=data["channel"],
        complainant=data["complainant"],
        phone=data.get("phone", ""),
        content=data["content"],
        acting_user=user,
    )
    return gettext("投诉已受理，请在{days}个工作日内办结。").format(days=15)


def _may_receive(institution, user) -> bool:
    from emis.work.scope import acting_role

    return institution is not None and acting_role(user) in HANDLERS


class InstitutionUI(ModelUI):
    model = Institution
    namespace = "tutoring"
    filterset_class = filtersets.InstitutionFilterSet
    table_class = tables.InstitutionTable
    form_class = forms.InstitutionForm
    select_related = ("township",)
    detail_page_template = "tutoring/institution_detail.html"
    fieldsets = (
        (None, ("name", "credit_code", "township", "address", "principal", "phone")),
        (
            _("办学许可"),
            ("licence_number", "licence_issued", "licence_expires", "legal_form", "converted_on", "reregistered_on"),
        ),
        (_("培训类别"), ("kind", "subjects", "supervisor")),
        (
            _("场地与收费"),
            (
                "premises_area",
                "fire_approved",
                "guided_price",
                "fund_supervision",
                "custodian_bank",
                "standard_contract",
            ),
        ),
        (_("办学状态"), ("status", "status_since", "list_mark", "note")),
    )
    related = (
        (_("教师"), lambda obj, user: obj.teachers.all(), tables.TeacherTable),
        (_("收费项目"), lambda obj, user: obj.fee_plans.all(), tables.FeePlanTable),
        (_("整改"), lambda obj, user: selectors.institution_cases(obj, user), tables.RectificationCaseTable),
        (
            _("投诉举报"),
            lambda obj, user: Complaint.objects.for_user(user).filter(institution=obj).select_related("case"),
            tables.ComplaintTable,
        ),
        (
            _("联合检查"),
            lambda obj, user: JointCheck.objects.for_user(user).filter(institutions=obj).select_related("township"),
            tables.JointCheckTable,
        ),
    )
    actions = (
        Action(
            "complaint",
            _("登记投诉举报"),
            _receive,
            right="receive",
            form_class=forms.ComplaintForm,
            available=_may_receive,
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("机构名称"), lambda o: o.name),
            (_("统一社会信用代码"), lambda o: o.credit_code),
            (_("乡镇"), lambda o: o.township.name),
            (_("办学地址"), lambda o: o.address),
            (_("培训类别"), lambda o: o.get_kind_display()),
            (_("培训项目"), lambda o: o.subjects),
            (_("法人类型"), lambda o: o.get_legal_form_display()),
            (_("主管部门"), lambda o: o.get_supervisor_display()),
            (_("营转非日期"), lambda o: o.converted_on),
            (_("重新登记日期"), lambda o: o.reregistered_on),
            (_("办学许可证号"), lambda o: o.licence_number),
            (_("发证日期"), lambda o: o.licence_issued),
            (_("许可证有效期至"), lambda o: o.licence_expires),
            (_("场地面积（㎡）"), lambda o: o.premises_area),
            (_("通过消防验收"), lambda o: _yes(o.fire_approved)),
            (_("预收费资金监管"), lambda o: o.get_fund_supervision_display()),
            (_("使用示范合同文本"), lambda o: _yes(o.standard_contract)),
            (_("办学状态"), lambda o: o.get_status_display()),
            (_("状态日期"), lambda o: o.status_since),
            (_("黑白名单"), lambda o: o.get_list_mark_display()),
            (_("最近年检结论"), lambda o: ANNUAL_LABELS.get(o.annual_result or "", "")),
        ]

    @classmethod
    def queryset(cls, user, action: str = VIEW):
        return super().queryset(user, action).annotate(annual_result=selectors.latest_annual_result())

    @classmethod
    def save(cls, obj, user):
        return services.institution_save(institution=obj, acting_user=user)

    @classmethod
    def list_links(cls, user):
        links = [_summary_link()]
        if access.role_may(user, Institution.domain, access.ADD):
            links.append((_("导入机构名录"), reverse("core:import_list") + "?kind=tutoring_institutions"))
        return links

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        return {"inspections": selectors.inspections_of(obj, request.user)}


class TeacherUI(ModelUI):
    model = Teacher
    namespace = "tutoring"
    filterset_class = filtersets.TeacherFilterSet
    table_class = tables.TeacherTable
    form_class = forms.TeacherForm
    select_related = ("institution", "institution__township")
    detail_fields = (
        "institution",
        "name",
        "subject",
        "certificate",
        "other_qualification",
        "in_service_teacher",
        "hired_on",
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("机构"), lambda o: o.institution.name),
            (_("乡镇"), lambda o: o.institution.township.name),
            (_("姓名"), lambda o: o.name),
            (_("任教项目"), lambda o: o.subject),
            (_("教师资格证号"), lambda o: o.certificate),
            (_("其他资质"), lambda o: o.other_qualification),
            (_("聘用日期"), lambda o: o.hired_on),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.teacher_save(teacher=obj, acting_user=user)


class FeePlanUI(ModelUI):
    model = FeePlan
    namespace = "tutoring"
    filterset_class = filtersets.FeePlanFilterSet
    table_class = tables.FeePlanTable
    form_class = forms.FeePlanForm
    select_related = ("institution", "institution__township")
    detail_fields = ("institution", "course", "price_per_hour", "prepaid_hours", "prepaid_months", "effective_from")

    @staticmethod
    def export_columns(user):
        return [
            (_("机构"), lambda o: o.institution.name),
            (_("乡镇"), lambda o: o.institution.township.name),
            (_("课程"), lambda o: o.course),
            (_("课时单价（元）"), lambda o: o.price_per_hour),
            (_("一次预收课时"), lambda o: o.prepaid_hours),
            (_("一次预收覆盖月数"), lambda o: o.prepaid_months),
            (_("一次预收金额（元）"), lambda o: o.prepaid_amount),
            (_("执行日期"), lambda o: o.effective_from),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.fee_plan_save(plan=obj, acting_user=user)


def _may(name):
    transition = COMPLAINT.transition(name)
    return lambda complaint, user: complaint is not None and refusal(complaint.case, transition, user) is None


def _step(name):
    def run(complaint, user, form) -> str:
        data = form.cleaned_data
        complaint = services.complaint_step(
            complaint=complaint,
            transition=name,
            acting_user=user,
            result=data.get("result", ""),
            comment=data.get("comment", ""),
            version=data.get("version"),
        )
        return gettext("已办理“{transition}”，投诉现为“{state}”。").format(
            transition=COMPLAINT.transition(name).label, state=COMPLAINT.state_label(complaint.case.state)
        )

    return run


class ComplaintUI(ModelUI):
    model = Complaint
    namespace = "tutoring"
    filterset_class = filtersets.ComplaintFilterSet
    table_class = tables.ComplaintTable
    select_related = ("institution", "institution__township", "case")
    detail_page_template = "tutoring/complaint_detail.html"
    detail_fields = ("institution", "received_on", "channel", "complainant", "phone", "content", "result")
    actions = (
        Action("check", _("开始核查"), _step("check"), form_class=forms.StepForm, available=_may("check")),
        Action("conclude", _("办结"), _step("conclude"), form_class=forms.ConcludeForm, available=_may("conclude")),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("受理日期"), lambda o: o.received_on),
            (_("机构"), lambda o: o.institution.name),
            (_("乡镇"), lambda o: o.institution.township.name),
            (_("来源渠道"), lambda o: o.get_channel_display()),
            (_("投诉人"), lambda o: o.complainant),
            (_("投诉内容"), lambda o: o.content),
            (_("状态"), lambda o: str(COMPLAINT.state_label(o.case.state))),
            (_("办理期限"), lambda o: o.case.due_on),
            (_("时限状态"), lambda o: o.case.get_urgency_display()),
            (_("办理结果"), lambda o: o.result),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        case = obj.case
        return {
            "case": case,
            "state_label": COMPLAINT.state_label(case.state),
            "overdue": case.urgency == "overdue" and case.closed_at is None,
        }

    @classmethod
    def list_links(cls, user):
        return [_summary_link()]


class JointCheckUI(ModelUI):
    model = JointCheck
    namespace = "tutoring"
    filterset_class = filtersets.JointCheckFilterSet
    table_class = tables.JointCheckTable
    form_class = forms.JointCheckForm
    select_related = ("township",)
    detail_fields = ("checked_on", "township", "partners", "inspection_campaign", "campaign", "findings", "measures")
    related = (
        (
            _("检查机构"),
            lambda obj, user: Institution.objects.for_user(user).filter(joint_checks=obj).select_related("township"),
            tables.InstitutionTable,
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("检查日期"), lambda o: o.checked_on),
            (_("乡镇"), lambda o: o.township.name),
            (_("联合部门"), lambda o: o.partner_labels()),
            (_("所属专项/年检"), lambda o: o.campaign),
            (_("发现问题"), lambda o: o.findings),
            (_("处理措施"), lambda o: o.measures),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.joint_check_save(check=obj, acting_user=user)

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        if name == "inspection_campaign":
            campaign = obj.inspection_campaign
            try:
                link = campaign.get_absolute_url() if campaign is not None else None
            except NoReverseMatch:  # the inspection engine's pages are not routed
                link = None
            label = cls.model._meta.get_field(name).verbose_name
            return {"label": label, "value": campaign or "", "link": link, "boolean": False}
        row = super().detail_field(obj, name, user)
        if name == "partners":
            row["value"] = obj.partner_labels()
        return row
