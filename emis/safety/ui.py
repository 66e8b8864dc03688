"""Campus safety's registers as ModelUI pages (list with filters, xlsx, detail, form) and the expiry alerts with
their one step (登记处理结果, through emis.safety.services)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emis.core.views import Action, ModelUI
from emis.work.scope import acting_role
from emis.work.services import refusal

from . import filtersets, forms, selectors, services, tables
from .models import Appraisal, Building, Bus, Driver, ExpiryAlert, Guard, SafetyFact
from .workflows import COUNTY, SAFETY_EXPIRY


def _links():
    return [(_("安全工作看板"), reverse("safety:dashboard")), (_("4个100%达标情况"), reverse("safety:compliance"))]


def _school_columns(path=lambda o: o.school):
    return [
        (_("学校标识码"), lambda o: path(o).code),
        (_("学校名称"), lambda o: path(o).name),
        (_("乡镇"), lambda o: path(o).township.name),
    ]


def _yes(value) -> str:
    return gettext("是") if value else gettext("否")


class _Register(ModelUI):
    namespace = "safety"

    @classmethod
    def save(cls, obj, user):
        return services.record_save(obj=obj, acting_user=user)

    @classmethod
    def list_links(cls, user):
        return _links()


class _WithEvidence(_Register):
    """A register whose rows carry evidence files (佐证文件): listed with thumbnails on the detail page, uploaded
    there by those who may edit the row."""

    detail_page_template = "safety/evidence_detail.html"

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        return {
            "evidence_files": selectors.evidence_of(obj, request.user),
            "evidence_kind": cls.model_name(),
            "evidence_limit": services.evidence_max_bytes(),
        }


class SafetyFactUI(_WithEvidence):
    model = SafetyFact
    filterset_class = filtersets.SafetyFactFilterSet
    table_class = tables.SafetyFactTable
    form_class = forms.SafetyFactForm
    select_related = ("school", "school__township")
    fieldsets = (
        (None, ("school", "kind", "effective_on", "in_place", "evidence", "note")),
        (_("报警与监控"), ("linked_to_police", "tested_on", "channels", "xueliang", "retention_days")),
    )

    @staticmethod
    def export_columns(user):
        return [
            *_school_columns(),
            (_("事项"), lambda o: o.get_kind_display()),
            (_("核实日期"), lambda o: o.effective_on),
            (_("已达标"), lambda o: _yes(o.in_place)),
            (_("与公安联网"), lambda o: _yes(o.linked_to_police)),
            (_("最近测试日期"), lambda o: o.tested_on),
            (_("监控路数"), lambda o: o.channels),
            (_("接入雪亮工程"), lambda o: _yes(o.xueliang)),
            (_("录像保存天数"), lambda o: o.retention_days),
            (_("佐证材料"), lambda o: o.evidence),
            (_("备注"), lambda o: o.note),
        ]


class GuardUI(_WithEvidence):
    model = Guard

    @classmethod
    def warnings(cls, obj, user) -> list[str]:
        """Hubei's standard: guards hold a licence and are 25 to 55 (saved all the same; not counted without one)."""
        found = []
        if not obj.licence_no:
            found.append(gettext("未填写保安员证号：该保安员不计入专职保安员配备。"))
        if obj.birth_date:
            age = services.years_between(obj.birth_date, obj.ended_on or timezone.localdate())
            if not 25 <= age <= 55:
                found.append(gettext("保安员年龄{age}岁，不在25至55岁之间（湖北省标准）。").format(age=age))
        return found

    filterset_class = filtersets.GuardFilterSet
    table_class = tables.GuardTable
    form_class = forms.GuardForm
    select_related = ("school", "school__township")
    detail_fields = (
        "school",
        "name",
        "full_time",
        "licence_no",
        "birth_date",
        "employer",
        "funding",
        "started_on",
        "ended_on",
        "note",
    )

    @staticmethod
    def export_columns(user):
        return [
            *_school_columns(),
            (_("姓名"), lambda o: o.name),
            (_("专职"), lambda o: _yes(o.full_time)),
            (_("保安员证号"), lambda o: o.licence_no),
            (_("出生日期"), lambda o: o.birth_date),
            (_("聘用单位"), lambda o: o.employer),
            (_("经费来源"), lambda o: o.get_funding_display()),
            (_("上岗日期"), lambda o: o.started_on),
            (_("离岗日期"), lambda o: o.ended_on),
        ]


def _appraisals(obj, user):
    return Appraisal.objects.for_user(user).filter(building=obj).select_related("building", "building__school")


class BuildingUI(_Register):
    model = Building
    filterset_class = filtersets.BuildingFilterSet
    table_class = tables.BuildingTable
    form_class = forms.BuildingForm
    select_related = ("school", "school__township")
    fieldsets = (
        (None, ("school", "name", "area", "year_built", "structure", "floors", "use")),
        (_("抗震设防"), ("seismic", "seismic_intensity")),
        (_("处置情况"), ("fate", "fate_on", "fate_area", "note")),
    )
    related = ((_("鉴定记录"), _appraisals, tables.AppraisalTable),)
    detail_page_template = "safety/building_detail.html"

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        latest = obj.appraisals.order_by("-appraised_on", "-pk").first()
        return {
            "latest": latest,
            "stop_use": latest is not None and latest.grade in ("C", "D") and obj.fate == "in_use",
        }

    @staticmethod
    def export_columns(user):
        return [
            *_school_columns(),
            (_("校舍名称"), lambda o: o.name),
            (_("建筑面积（㎡）"), lambda o: o.area),
            (_("建成年份"), lambda o: o.year_built),
            (_("结构"), lambda o: o.get_structure_display()),
            (_("层数"), lambda o: o.floors),
            (_("抗震设防"), lambda o: _yes(o.seismic)),
            (_("设防烈度（度）"), lambda o: o.seismic_intensity),
            (_("用途"), lambda o: o.get_use_display()),
            (_("处置情况"), lambda o: o.get_fate_display()),
            (_("处置日期"), lambda o: o.fate_on),
            (_("处置面积（㎡）"), lambda o: o.fate_area),
        ]


class AppraisalUI(_WithEvidence):
    model = Appraisal
    filterset_class = filtersets.AppraisalFilterSet
    table_class = tables.AppraisalTable
    form_class = forms.AppraisalForm
    select_related = ("building", "building__school", "building__school__township")
    detail_fields = ("building", "grade", "appraised_on", "body", "report_no", "affected_part", "note")

    @staticmethod
    def export_columns(user):
        return [
            *_school_columns(lambda o: o.building.school),
            (_("校舍名称"), lambda o: o.building.name),
            (_("鉴定等级"), lambda o: o.get_grade_display()),
            (_("鉴定日期"), lambda o: o.appraised_on),
            (_("鉴定机构"), lambda o: o.body),
            (_("鉴定报告编号"), lambda o: o.report_no),
            (_("危险部位"), lambda o: o.affected_part),
        ]


def _bus_alerts(obj, user):
    return ExpiryAlert.objects.for_user(user).filter(bus=obj).select_related("school", "case", "bus", "driver")


def _driver_alerts(obj, user):
    return ExpiryAlert.objects.for_user(user).filter(driver=obj).select_related("school", "case", "bus", "driver")


def _drivers(obj, user):
    return Driver.objects.for_user(user).filter(bus=obj).select_related("school", "bus")


class BusUI(_Register):
    model = Bus
    filterset_class = filtersets.BusFilterSet
    table_class = tables.BusTable
    form_class = forms.BusForm
    select_related = ("school", "school__township")
    fieldsets = (
        (None, ("school", "plate", "seats", "national_standard", "operator", "route", "status")),
        (_("日期"), ("in_service_on", "retired_on", "insurance_expires", "inspection_due", "filed_on")),
        (_("其他"), ("gps", "note")),
    )
    related = ((_("驾驶人"), _drivers, tables.DriverTable), (_("到期提醒"), _bus_alerts, tables.ExpiryAlertTable))

    @staticmethod
    def export_columns(user):
        return [
            *_school_columns(),
            (_("车牌号"), lambda o: o.plate),
            (_("核载人数"), lambda o: o.seats),
            (_("国标校车"), lambda o: _yes(o.national_standard)),
            (_("运营单位"), lambda o: o.operator),
            (_("线路"), lambda o: o.route),
            (_("状态"), lambda o: o.get_status_display()),
            (_("投入使用日期"), lambda o: o.in_service_on),
            (_("保险到期日"), lambda o: o.insurance_expires),
            (_("下次安全技术检验日期"), lambda o: o.inspection_due),
            (_("安装卫星定位装置"), lambda o: _yes(o.gps)),
            (_("公安交管备案日期"), lambda o: o.filed_on),
        ]


class DriverUI(_Register):
    model = Driver
    filterset_class = filtersets.DriverFilterSet
    table_class = tables.DriverTable
    form_class = forms.DriverForm
    select_related = ("school", "school__township", "bus")
    detail_fields = (
        "school",
        "bus",
        "name",
        "id_number",
        "birth_date",
        "licence_class",
        "licence_expires",
        "driving_since",
        "record_clean",
        "reviewed_on",
        "active",
        "note",
    )

    related = ((_("到期提醒"), _driver_alerts, tables.ExpiryAlertTable),)

    @classmethod
    def save(cls, obj, user):
        return services.driver_save(driver=obj, acting_user=user)

    @staticmethod
    def export_columns(user):
        from emis.core import access

        return [
            *_school_columns(),
            (_("姓名"), lambda o: o.name),
            (_("身份证号"), lambda o: access.display_id(user, o.id_number)),
            (_("驾驶校车"), lambda o: o.bus.plate if o.bus else ""),
            (_("出生日期"), lambda o: o.birth_date),
            (_("准驾车型"), lambda o: o.licence_class),
            (_("驾驶证有效期至"), lambda o: o.licence_expires),
            (_("初次领证日期"), lambda o: o.driving_since),
            (_("最近审验日期"), lambda o: o.reviewed_on),
            (_("在岗"), lambda o: _yes(o.active)),
        ]


def _may_handle(alert, user) -> bool:
    return alert is not None and refusal(alert.case, SAFETY_EXPIRY.transition("handle"), user) is None


def _handle(alert, user, form) -> str:
    data = form.cleaned_data
    services.alert_handle(alert=alert, acting_user=user, comment=data["comment"], version=data.get("version"))
    return gettext("已登记处理结果。")


def _sweep(obj, user, form) -> str:
    opened = services.expiry_sweep(acting_user=user, today=form.cleaned_data["on"])
    return gettext("已生成{count}条到期提醒。").format(count=len(opened))


class ExpiryAlertUI(ModelUI):
    model = ExpiryAlert
    namespace = "safety"
    filterset_class = filtersets.ExpiryAlertFilterSet
    table_class = tables.ExpiryAlertTable
    select_related = ("school", "school__township", "case", "bus", "driver")
    detail_page_template = "safety/alert_detail.html"
    detail_fields = ("school", "kind", "bus", "driver", "expires_on", "opened_on")
    actions = (
        Action(
            "sweep",
            _("生成到期提醒"),
            _sweep,
            on_list=True,
            form_class=forms.SweepForm,
            available=lambda obj, user: acting_role(user) in COUNTY,
        ),
        Action("handle", _("登记处理结果"), _handle, form_class=forms.HandleForm, available=_may_handle),
    )

    @staticmethod
    def export_columns(user):
        return [
            *_school_columns(),
            (_("提醒事项"), lambda o: o.get_kind_display()),
            (_("校车/驾驶人"), lambda o: str(o.bus or o.driver or "")),
            (_("到期日"), lambda o: o.expires_on),
            (_("提醒日期"), lambda o: o.opened_on),
            (_("状态"), lambda o: str(SAFETY_EXPIRY.state_label(o.case.state))),
            (_("时限状态"), lambda o: o.case.get_urgency_display()),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        case = obj.case
        return {
            "case": case,
            "state_label": SAFETY_EXPIRY.state_label(case.state),
            "overdue": case.urgency == "overdue" and case.closed_at is None,
        }

    @classmethod
    def list_links(cls, user):
        return _links()
