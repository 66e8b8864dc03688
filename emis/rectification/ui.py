"""The notices' pages: the list (filters, export) and the notice's page, which shows its items and, for the user
at hand, the forms of the steps they may take now (draft items, 下发, 签收, per-item answers, per-item verdicts,
撤销). Every step posts to emis.rectification.views, which call the services."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core.views import ModelUI
from emis.work.models import AttachmentKind
from emis.work.services import refusal

from . import filtersets, forms, tables
from .models import Notice, Verdict
from .workflows import RECTIFICATION


def _may(notice, name, user) -> bool:
    return refusal(notice.case, RECTIFICATION.transition(name), user) is None


class NoticeUI(ModelUI):
    model = Notice
    namespace = "rectification"
    filterset_class = filtersets.NoticeFilterSet
    table_class = tables.NoticeTable
    select_related = ("school", "school__township", "case")
    detail_page_template = "rectification/notice_detail.html"
    fieldsets = (
        (None, ("document_number", "school", "title", "inspected_on", "basis", "severity")),
        (_("整改要求"), ("days", "responsible", "responsible_phone", "issuer_unit", "issued_at")),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("文号"), lambda o: o.document_number),
            (_("整改单位"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("通知事由"), lambda o: o.title),
            (_("督查日期"), lambda o: o.inspected_on),
            (_("最高严重程度"), lambda o: o.get_severity_display()),
            (_("状态"), lambda o: str(RECTIFICATION.state_label(o.case.state))),
            (_("整改期限"), lambda o: o.case.due_on),
            (_("时限状态"), lambda o: o.case.get_urgency_display()),
            (_("整改责任人"), lambda o: o.responsible),
            (
                _("下发时间"),
                lambda o: timezone.localtime(o.issued_at).strftime("%Y-%m-%d %H:%M") if o.issued_at else "",
            ),
            (
                _("办结时间"),
                lambda o: timezone.localtime(o.case.closed_at).strftime("%Y-%m-%d %H:%M") if o.case.closed_at else "",
            ),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "document_number" and not obj.document_number:
            row["value"] = _("（草稿，下发时编号）")
        return row

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        user = request.user
        case = obj.case
        items = list(obj.items.select_related("photo").prefetch_related("answer_photos").order_by("number"))
        still_open = [item for item in items if item.verdict != Verdict.ACCEPTED]
        context = {
            "case": case,
            "state_label": RECTIFICATION.state_label(case.state),
            "items": items,
            "documents": list(case.attachments.filter(kind=AttachmentKind.DOCUMENT).order_by("-id")),
            "overdue": case.urgency == "overdue" and case.closed_at is None,
            "may_edit": case.state == "draft" and _may(obj, "issue", user),
            "may_issue": _may(obj, "issue", user),
            "may_receive": _may(obj, "receive", user),
            "may_withdraw": _may(obj, "withdraw", user),
        }
        if context["may_edit"]:
            context["item_form"] = forms.ItemForm(prefix="item")
        if _may(obj, "report", user):
            context["report_form"] = forms.ReportForm(items=still_open, initial={"version": case.version})
        if _may(obj, "accept", user):
            context["verify_form"] = forms.VerifyForm(items=still_open, initial={"version": case.version})
        if context["may_withdraw"]:
            context["withdraw_form"] = forms.ReasonForm(initial={"version": case.version})
        return context

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        from django.urls import reverse

        from .views import may_draft

        links = [(_("整改情况汇总"), reverse("rectification:summary"))]
        if may_draft(user):
            links.insert(0, (_("起草整改通知书"), reverse("rectification:notice_new")))
        return links
