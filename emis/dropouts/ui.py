"""The cases' and monthly reports' pages: lists (filters, export) and each one's page, which shows the child, the
responsible people on both lines, the contacts with their photos, the notice, and for the user at hand the forms of
the steps they may take now. Every step posts to emis.dropouts.views, which call the services."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI
from emis.work.models import AttachmentKind
from emis.work.services import available_transitions

from . import filtersets, forms, services, tables
from .models import DUTIES, DropoutCase, MonthlyReport
from .workflows import DROPOUT_RETURN, MONTHLY_REPORT

# The form of each step on the case's page.
STEP_FORMS = {
    "verify": forms.VersionForm,
    "confirm": forms.ConfirmForm,
    "issue_notice": forms.NoticeForm,
    "contact": forms.ContactForm,
    "home_visit": forms.ContactForm,
    "return": forms.ReturnForm,
    "close": forms.VersionForm,
    "home_teaching": forms.EvidenceForm,
    "defer": forms.EvidenceForm,
    "suspend": forms.EvidenceForm,
    "exclude": forms.EvidenceForm,
}
NEEDS_FILES = {"home_teaching", "defer", "suspend", "exclude"}


def _date(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class DropoutCaseUI(ModelUI):
    model = DropoutCase
    namespace = "dropouts"
    filterset_class = filtersets.DropoutCaseFilterSet
    table_class = tables.DropoutCaseTable
    select_related = ("case", "school", "hukou_township", "hukou_village", "school_year", "return_school")
    detail_page_template = "dropouts/case_detail.html"
    fieldsets = (
        (None, ("name", "gender", "birth_date", "id_number", "hukou_township", "hukou_village", "school_year")),
        (_("比对"), ("source", "category", "reason", "school")),
        (
            _("处理"),
            ("dropout_reason", "confirmed_at", "notice_number", "returned_on", "return_school", "exclusion"),
        ),
        (_("家长（监护人）"), ("guardian", "guardian_phone")),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("学年"), lambda o: str(o.school_year)),
            (_("姓名"), lambda o: o.name),
            (_("身份证号"), lambda o: access.display_id(user, o.id_number)),
            (_("性别"), lambda o: o.get_gender_display()),
            (_("出生日期"), lambda o: o.birth_date),
            (_("户籍乡镇"), lambda o: o.hukou_township.name if o.hukou_township_id else ""),
            (_("户籍村/社区"), lambda o: o.hukou_village.name if o.hukou_village_id else ""),
            (_("原就读学校"), lambda o: o.school.name if o.school_id else ""),
            (_("比对类别"), lambda o: o.get_category_display()),
            (_("状态"), lambda o: str(DROPOUT_RETURN.state_label(o.case.state))),
            (_("辍学原因"), lambda o: o.get_dropout_reason_display()),
            (_("乡镇责任人"), lambda o: o.township_official),
            (_("村（居）责任人"), lambda o: o.village_cadre),
            (_("校长"), lambda o: o.principal),
            (_("班主任"), lambda o: o.class_teacher),
            (_("限期返校通知书文号"), lambda o: o.notice_number),
            (_("复学日期"), lambda o: o.returned_on or ""),
            (_("复学学校"), lambda o: o.return_school.name if o.return_school_id else ""),
            (_("排除原因"), lambda o: o.get_exclusion_display()),
            (_("期限"), lambda o: o.case.due_on or ""),
            (_("时限状态"), lambda o: o.case.get_urgency_display() if o.case.closed_at is None else ""),
            (_("办结时间"), lambda o: _date(o.case.closed_at)),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        user = request.user
        case = obj.case
        steps = {t.name: t for t in available_transitions(case, user)}
        forms_ = []
        for name, transition in steps.items():
            form_class = STEP_FORMS.get(name)
            if form_class is None:
                continue
            form = form_class(initial={"version": case.version}, prefix=name)
            if name == "issue_notice":
                form.initial |= {"guardian": obj.guardian, "days": services.DEFAULT_NOTICE_DAYS}
            forms_.append(
                {
                    "name": name,
                    "label": transition.label,
                    "form": form,
                    "files": name in NEEDS_FILES,
                    "url": reverse("dropouts:case_step", args=[obj.pk, name]),
                }
            )
        duties = [
            {
                "label": label,
                "line": line.label,
                "name": getattr(obj, prefix),
                "phone": getattr(obj, f"{prefix}_phone"),
                "user": getattr(obj, f"{prefix}_user", None),
            }
            for prefix, line, label in DUTIES
        ]
        context = {
            "case": case,
            "state_label": DROPOUT_RETURN.state_label(case.state),
            "contacts": list(obj.contacts.select_related("photo").order_by("date", "id")),
            "documents": list(case.attachments.filter(kind=AttachmentKind.DOCUMENT).order_by("-id")),
            "overdue": case.urgency == "overdue" and case.closed_at is None,
            "duties": duties,
            "step_forms": forms_,
            "close_after": services.close_after_days(),
        }
        if services.may_assign(obj, user):
            context["responsible_form"] = forms.ResponsibleForm(instance=obj, prefix="resp")
        return context

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        return [
            (_("疑似辍学学生台账"), reverse("dropouts:ledger_suspected")),
            (_("辍学学生台账"), reverse("dropouts:ledger_dropouts")),
            (_("控辍保学看板"), reverse("dropouts:dashboard")),
        ]


class MonthlyReportUI(ModelUI):
    model = MonthlyReport
    namespace = "dropouts"
    filterset_class = filtersets.MonthlyReportFilterSet
    table_class = tables.MonthlyReportTable
    select_related = ("case", "school", "school__township")
    detail_page_template = "dropouts/report_detail.html"
    fieldsets = ((None, ("school", "month", "suspected", "dropouts", "returned", "note", "submitted_at")),)

    @staticmethod
    def export_columns(user):
        return [
            (_("学校"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("月份"), lambda o: f"{o.month:%Y-%m}"),
            (_("状态"), lambda o: str(MONTHLY_REPORT.state_label(o.case.state))),
            (_("疑似辍学人数"), lambda o: o.suspected),
            (_("辍学人数"), lambda o: o.dropouts),
            (_("本月复学人数"), lambda o: o.returned),
            (_("说明"), lambda o: o.note),
            (_("报送期限"), lambda o: o.case.due_on or ""),
            (_("时限状态"), lambda o: o.case.get_urgency_display() if o.case.closed_at is None else ""),
            (_("报送时间"), lambda o: _date(o.submitted_at)),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        case = obj.case
        steps = {t.name for t in available_transitions(case, request.user)}
        context = {
            "case": case,
            "state_label": MONTHLY_REPORT.state_label(case.state),
            "overdue": case.urgency == "overdue" and case.closed_at is None,
        }
        if "submit" in steps:
            context["report_form"] = forms.ReportForm(initial={"version": case.version})
        return context

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        from .views import may_request_reports

        if may_request_reports(user):
            return [(_("布置月报与季度复核"), reverse("dropouts:reports_manage"))]
        return []
