"""The engine's pages: 检查表 (templates with their versions), 检查活动 (campaigns, with progress and results),
检查任务 (the targets an account may inspect, with the phone form), 检查记录 (inspections, signed off or sent back
here) and 检查发现问题 (findings, open until their 整改 notice closes them)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import Action, ModelUI
from emis.work.services import refusal

from . import filtersets, forms, selectors, services, tables
from .models import Campaign, Finding, Inspection, ItemKind, Target, Template
from .targets import kind_label
from .workflows import INSPECTION, SIGNERS


def may_edit(user) -> bool:
    from emis.work.scope import acting_role

    return acting_role(user) in SIGNERS and access.role_may(user, "inspections", access.ADD)


class TemplateUI(ModelUI):
    model = Template
    namespace = "inspections"
    filterset_class = filtersets.TemplateFilterSet
    table_class = tables.TemplateTable
    detail_page_template = "inspections/template_detail.html"
    detail_fields = ("name", "code", "purpose", "target_kind", "applies_to", "note")

    @staticmethod
    def export_columns(user):
        return [
            (_("名称"), lambda o: o.name),
            (_("代码"), lambda o: o.code),
            (_("用途"), lambda o: o.get_purpose_display()),
            (_("检查对象"), lambda o: str(kind_label(o.target_kind))),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "target_kind":
            row["value"] = kind_label(obj.target_kind)
        if name == "applies_to":
            from emis.orgs.choices import SchoolCategory

            labels = dict(SchoolCategory.choices)
            row["value"] = "、".join(str(labels.get(c, c)) for c in obj.applies_to) or gettext("各类学校")
        return row

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        versions = list(selectors.template_versions(obj))
        current = versions[0] if versions else None
        sections = []
        if current is not None:
            sections = list(current.sections.prefetch_related("items").order_by("order"))
        return {
            "versions": versions,
            "current": current,
            "item_sections": sections,
            "may_edit": may_edit(request.user),
            "item_kinds": ItemKind,
        }

    @classmethod
    def list_links(cls, user):
        return [(_("新建检查表"), reverse("inspections:template_new"))] if may_edit(user) else []


class CampaignUI(ModelUI):
    model = Campaign
    namespace = "inspections"
    filterset_class = filtersets.CampaignFilterSet
    table_class = tables.CampaignTable
    select_related = ("version", "version__template")
    detail_page_template = "inspections/campaign_detail.html"
    detail_fields = ("name", "kind", "version", "starts_on", "ends_on", "note")

    @staticmethod
    def export_columns(user):
        return [
            (_("名称"), lambda o: o.name),
            (_("类型"), lambda o: o.get_kind_display()),
            (_("检查表"), lambda o: str(o.version)),
            (_("开始日期"), lambda o: o.starts_on),
            (_("结束日期"), lambda o: o.ends_on),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        from django.core.paginator import Paginator

        user = request.user
        results = Paginator(selectors.campaign_results(obj, user), 50).get_page(request.GET.get("page"))
        for target in results:
            inspection = getattr(target, "inspection", None)
            target.state_label = INSPECTION.state_label(inspection.case.state) if inspection else gettext("未检查")
        return {
            "progress": selectors.campaign_progress(obj, user),
            "results": results,
            "by_township": selectors.open_findings_by_township(obj, user),
            "by_section": selectors.open_findings_by_section(obj, user),
            "overdue": list(selectors.overdue_notices(obj, user).select_related("school").order_by("due_on")[:50]),
        }

    @classmethod
    def detail_links(cls, obj, user):
        return [
            (_("导出结果（Excel）"), reverse("inspections:campaign_results_export", args=[obj.pk])),
            (_("检查报告（Word）"), reverse("inspections:campaign_report", args=[obj.pk])),
            (_("打印检查结果"), reverse("inspections:campaign_print", args=[obj.pk])),
        ]

    @classmethod
    def list_links(cls, user):
        return [(_("新建检查活动"), reverse("inspections:campaign_new"))] if may_edit(user) else []


class TargetUI(ModelUI):
    model = Target
    namespace = "inspections"
    filterset_class = filtersets.TargetFilterSet
    table_class = tables.TargetTable
    select_related = ("campaign", "inspection", "inspection__case")
    detail_page_template = "inspections/target_detail.html"
    detail_fields = ("name", "campaign", "kind", "division_code")

    @staticmethod
    def export_columns(user):
        return [
            (_("检查对象"), lambda o: o.name),
            (_("检查活动"), lambda o: o.campaign.name),
            (_("截止日期"), lambda o: o.campaign.ends_on),
            (
                _("状态"),
                lambda o: (
                    str(INSPECTION.state_label(o.inspection.case.state))
                    if hasattr(o, "inspection")
                    else gettext("未检查")
                ),
            ),
            (_("结论"), lambda o: o.inspection.get_result_display() if hasattr(o, "inspection") else ""),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "kind":
            row["value"] = kind_label(obj.kind)
        if name == "division_code":
            from emis.orgs.models import Division

            division = Division.objects.filter(code=obj.division_code).first()
            row["value"] = division.name if division else ""
        return row

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        inspection = Inspection.objects.filter(target=obj).select_related("case").first()
        return {
            "inspection": inspection,
            "may_fill": services.may_fill(obj, request.user) is None
            and (inspection is None or inspection.case.state == "filling")
            and _fill_step_allowed(obj, inspection, request.user),
        }


def _fill_step_allowed(target, inspection, user) -> bool:
    from emis.work.scope import acting_role

    name = "submit" if inspection is None else "resubmit"
    transition = INSPECTION.transition(name)
    if inspection is not None:
        return refusal(inspection.case, transition, user) is None
    return acting_role(user) in transition.roles and access.role_may(user, INSPECTION.domain, name)


def _may(name):
    transition = INSPECTION.transition(name)
    return lambda obj, user: obj is not None and refusal(obj.case, transition, user) is None


def _sign_off(inspection, user, form) -> str:
    data = form.cleaned_data if form is not None else {}
    inspection = services.inspection_sign_off(inspection=inspection, acting_user=user, version=data.get("version"))
    message = gettext("已签发：{result}。").format(result=inspection.get_result_display())
    if inspection.notice_id or inspection.rectify_case_id:
        message += gettext("发现的问题已下发整改通知书。")
    return message


def _send_back(inspection, user, form) -> str:
    data = form.cleaned_data
    services.inspection_send_back(
        inspection=inspection, acting_user=user, comment=data["comment"], version=data.get("version")
    )
    return gettext("已退回重填。")


class InspectionUI(ModelUI):
    model = Inspection
    namespace = "inspections"
    filterset_class = filtersets.InspectionFilterSet
    table_class = tables.InspectionTable
    select_related = ("target", "target__campaign", "case", "version", "version__template")
    detail_page_template = "inspections/inspection_detail.html"
    fieldsets = (
        (None, ("target", "version", "inspected_on", "inspector", "summary")),
        (_("结论"), ("score", "result", "signed_by", "signed_at", "notice")),
    )
    actions = (
        Action("sign_off", _("签发"), _sign_off, form_class=forms.StepForm, available=_may("sign_off")),
        Action(
            "send_back",
            _("退回重填"),
            _send_back,
            form_class=forms.ReasonForm,
            available=_may("send_back"),
            style="btn-outline-danger",
        ),
    )

    @classmethod
    def object_actions(cls, obj, user) -> list[dict]:
        """The step forms carry the version of the case the page shows (a step against another is refused)."""
        shown = super().object_actions(obj, user)
        for item in shown:
            if item["form"] is not None:
                item["form"] = item["action"].form_class(initial={"version": obj.case.version})
        return shown

    @staticmethod
    def export_columns(user):
        return [
            (_("检查对象"), lambda o: o.target.name),
            (_("检查活动"), lambda o: o.target.campaign.name),
            (_("检查日期"), lambda o: o.inspected_on),
            (_("状态"), lambda o: str(INSPECTION.state_label(o.case.state))),
            (_("得分"), lambda o: o.score),
            (_("结论"), lambda o: o.get_result_display()),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        answers = list(
            obj.answers.select_related("item", "item__section")
            .prefetch_related("photos")
            .order_by("item__section__order", "item__order")
        )
        sections: list[tuple] = []
        for answer in answers:
            if not sections or sections[-1][0] != answer.item.section:
                sections.append((answer.item.section, []))
            sections[-1][1].append((answer, services.answer_display(answer)))
        findings = list(obj.findings.select_related("item", "notice_item", "case").order_by("id"))
        return {
            "case": obj.case,
            "state_label": INSPECTION.state_label(obj.case.state),
            "answer_sections": sections,
            "findings": findings,
            "clear_draft": f"inspection-draft-{obj.target_id}",
        }


class FindingUI(ModelUI):
    model = Finding
    namespace = "inspections"
    filterset_class = filtersets.FindingFilterSet
    table_class = tables.FindingTable
    select_related = ("inspection", "inspection__target", "inspection__target__campaign", "notice_item", "case")
    detail_fields = ("inspection", "item", "severity", "text", "requirement", "notice_item")

    @staticmethod
    def export_columns(user):
        return [
            (_("检查对象"), lambda o: o.inspection.target.name),
            (_("检查活动"), lambda o: o.inspection.target.campaign.name),
            (_("存在问题"), lambda o: o.text),
            (_("严重程度"), lambda o: o.get_severity_display()),
            (_("整改要求"), lambda o: o.requirement),
            (_("整改状态"), lambda o: gettext("整改中") if o.is_open else gettext("已整改")),
            (_("整改期限"), lambda o: o.case.due_on if o.case_id else ""),
        ]
