"""The programme's pages: 实施学校, 膳食补助标准, 供餐天数 (the county's tables) and the 月报 with their steps (each a
transition of the work engine's case, through emis.meals.services)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emis.core.views import Action, ModelUI
from emis.work.scope import acting_role
from emis.work.services import refusal

from . import filtersets, forms, services, tables
from .models import DailyStandard, MonthlyReport, Participation, SchoolDays
from .workflows import COUNTY, MONTHLY_REPORT


def _totals_link():
    return (_("资金与人数汇总"), reverse("meals:totals"))


class ParticipationUI(ModelUI):
    model = Participation
    namespace = "meals"
    filterset_class = filtersets.ParticipationFilterSet
    table_class = tables.ParticipationTable
    form_class = forms.ParticipationForm
    select_related = ("school", "school__township")
    detail_fields = ("school", "scheme", "start_date", "end_date", "note")

    @staticmethod
    def export_columns(user):
        return [
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("试点类型"), lambda o: o.get_scheme_display()),
            (_("纳入日期"), lambda o: o.start_date),
            (_("退出日期"), lambda o: o.end_date),
            (_("备注"), lambda o: o.note),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.participation_save(participation=obj, acting_user=user)

    @classmethod
    def list_links(cls, user):
        return [_totals_link()]


class DailyStandardUI(ModelUI):
    model = DailyStandard
    namespace = "meals"
    filterset_class = filtersets.DailyStandardFilterSet
    table_class = tables.DailyStandardTable
    form_class = forms.DailyStandardForm
    detail_fields = ("effective_from", "amount", "basis")

    @staticmethod
    def export_columns(user):
        return [
            (_("执行日期"), lambda o: o.effective_from),
            (_("补助标准（元/生/天）"), lambda o: o.amount),
            (_("依据"), lambda o: o.basis),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.standard_save(standard=obj, acting_user=user)

    @classmethod
    def delete(cls, obj, user) -> None:
        services.standard_delete(standard=obj, acting_user=user)


class SchoolDaysUI(ModelUI):
    model = SchoolDays
    namespace = "meals"
    filterset_class = filtersets.SchoolDaysFilterSet
    table_class = tables.SchoolDaysTable
    form_class = forms.SchoolDaysForm
    select_related = ("school",)
    detail_fields = ("month", "school", "days", "note")

    @staticmethod
    def export_columns(user):
        return [
            (_("月份"), lambda o: f"{o.month:%Y-%m}"),
            (_("学校标识码"), lambda o: o.school.code if o.school else ""),
            (_("学校名称"), lambda o: o.school.name if o.school else gettext("全县默认")),
            (_("供餐天数"), lambda o: o.days),
            (_("备注"), lambda o: o.note),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.days_save(days=obj, acting_user=user)


# The monthly reports: opening the month (the county), and the steps. ---------------------------------------------


def _may(name):
    transition = MONTHLY_REPORT.transition(name)
    return lambda report, user: report is not None and refusal(report.case, transition, user) is None


def _open(obj, user, form) -> str:
    opened = services.reports_open(month=form.cleaned_data["month"], acting_user=user)
    return gettext("已下达{count}所学校的月报任务。").format(count=len(opened))


def _report(report, user, form) -> str:
    data = form.cleaned_data
    services.report_submit(
        report=report,
        beneficiaries=data["beneficiaries"],
        days=data["days"],
        amount=data["amount"],
        comment=data.get("comment", ""),
        version=data.get("version"),
        acting_user=user,
    )
    return gettext("月报已报送。")


def _step(name):
    def run(report, user, form) -> str:
        data = form.cleaned_data if form is not None else {}
        report = services.report_step(
            report=report,
            transition=name,
            acting_user=user,
            comment=data.get("comment", ""),
            version=data.get("version"),
        )
        return gettext("已办理“{transition}”，月报现为“{state}”。").format(
            transition=MONTHLY_REPORT.transition(name).label, state=MONTHLY_REPORT.state_label(report.case.state)
        )

    return run


class MonthlyReportUI(ModelUI):
    model = MonthlyReport
    namespace = "meals"
    filterset_class = filtersets.MonthlyReportFilterSet
    table_class = tables.MonthlyReportTable
    select_related = ("school", "school__township", "case")
    detail_page_template = "meals/report_detail.html"
    fieldsets = (
        (None, ("school", "month", "reported_at")),
        (_("系统测算"), ("expected_beneficiaries", "expected_days", "expected_amount")),
        (_("学校上报"), ("beneficiaries", "days", "amount")),
    )
    actions = (
        Action(
            "open",
            _("下达月报任务"),
            _open,
            on_list=True,
            form_class=forms.OpenMonthForm,
            available=lambda obj, user: acting_role(user) in COUNTY,
        ),
        Action("report", _("报送月报"), _report, form_class=forms.ReportForm, available=_may("report")),
        Action("check", _("乡镇审核通过"), _step("check"), form_class=forms.StepForm, available=_may("check")),
        Action("confirm", _("县级确认"), _step("confirm"), form_class=forms.StepForm, available=_may("confirm")),
        Action(
            "send_back",
            _("退回"),
            _step("send_back"),
            form_class=forms.ReasonForm,
            available=_may("send_back"),
            style="btn-outline-danger",
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("月份"), lambda o: f"{o.month:%Y-%m}"),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("状态"), lambda o: str(MONTHLY_REPORT.state_label(o.case.state))),
            (_("应享受人数"), lambda o: o.expected_beneficiaries),
            (_("上报人数"), lambda o: o.beneficiaries),
            (_("应供餐天数"), lambda o: o.expected_days),
            (_("上报供餐天数"), lambda o: o.days),
            (_("应拨资金（元）"), lambda o: o.expected_amount),
            (_("上报金额（元）"), lambda o: o.amount),
            (_("报送期限"), lambda o: o.case.due_on),
            (_("时限状态"), lambda o: o.case.get_urgency_display()),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "month":
            row["value"] = f"{obj.month:%Y-%m}"
        return row

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        case = obj.case
        differences = obj.differences
        return {
            "case": case,
            "state_label": MONTHLY_REPORT.state_label(case.state),
            "overdue": case.urgency == "overdue" and case.closed_at is None,
            "differences": [
                (_("享受人数"), obj.expected_beneficiaries, obj.beneficiaries, differences.get("beneficiaries")),
                (_("供餐天数"), obj.expected_days, obj.days, differences.get("days")),
                (_("金额（元）"), obj.expected_amount, obj.amount, differences.get("amount")),
            ],
        }

    @classmethod
    def list_links(cls, user):
        return [_totals_link()]
