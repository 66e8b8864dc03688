"""The notice's own pages beyond the generic list and page (ui.NoticeUI): drafting, each step (a POST calling the
service, flashing its Chinese reason when refused; 404 outside the user's scope), the printable notice and the
county's summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET, require_POST

from emis.core import access
from emis.core.writes import Refused
from emis.work.scope import acting_role

from . import forms, selectors, services
from .apps import DOMAIN
from .models import Item
from .ui import NoticeUI
from .workflows import ISSUERS, RECTIFICATION


def may_draft(user) -> bool:
    return acting_role(user) in ISSUERS and access.role_may(user, DOMAIN, "draft")


def _notice(request, pk):
    return get_object_or_404(NoticeUI.queryset(request.user), pk=pk)


def _refused(request, exc: Refused) -> None:
    for message in exc.messages:
        messages.error(request, message)


class NoticeCreateView(LoginRequiredMixin, View):
    """起草: the notice's header and its findings (each with a photo)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_draft(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        form = forms.NoticeForm(user=request.user, initial={"days": 20})
        return self._render(request, form, forms.ItemFormSet(prefix="items"))

    def post(self, request):
        form = forms.NoticeForm(request.POST, user=request.user)
        items = forms.ItemFormSet(request.POST, request.FILES, prefix="items")
        if form.is_valid() and items.is_valid():
            data = form.cleaned_data
            try:
                notice = services.notice_draft(
                    school=data["school"],
                    title=data["title"],
                    inspected_on=data["inspected_on"],
                    basis=data["basis"],
                    days=data["days"],
                    responsible=data["responsible"],
                    responsible_phone=data["responsible_phone"],
                    acting_user=request.user,
                    items=[item.cleaned_data for item in items.forms if item.cleaned_data.get("finding")],
                )
            except Refused as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("整改通知书草稿已保存，核对后即可下发。"))
                return HttpResponseRedirect(notice.get_absolute_url())
        return self._render(request, form, items, status=400)

    def _render(self, request, form, items, status=200):
        return render(request, "rectification/notice_form.html", {"form": form, "items": items}, status=status)


def _step(request, pk, run):
    notice = _notice(request, pk)
    try:
        message = run(notice)
    except Refused as exc:
        _refused(request, exc)
    else:
        messages.success(request, message)
    return HttpResponseRedirect(notice.get_absolute_url())


def _version(request) -> int:
    """The version of the case the page showed: every step form posts it (a step against another is refused)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise Refused(_("页面已过期，请刷新后再办理。")) from None


def _same_version(request, notice) -> None:
    if _version(request) != notice.case.version:
        raise Refused(_("办件已由他人办理，请刷新后查看最新情况再办理。"))


def _state(notice) -> str:
    return str(RECTIFICATION.state_label(notice.case.state))


@login_required
@require_POST
def item_add(request, pk: int):
    def run(notice):
        _same_version(request, notice)
        form = forms.ItemForm(request.POST, request.FILES, prefix="item")
        if not form.is_valid():
            raise Refused(_("请填写存在问题。"))
        data = form.cleaned_data
        services.item_add(
            notice=notice,
            acting_user=request.user,
            severity=data["severity"] or "general",
            finding=data["finding"],
            requirement=data["requirement"],
            photo=data.get("photo"),
        )
        return _("已添加一项存在问题。")

    return _step(request, pk, run)


@login_required
@require_POST
def item_delete(request, pk: int):
    item = get_object_or_404(Item.objects.for_user(request.user).select_related("notice__case"), pk=pk)

    def run(notice):
        _same_version(request, notice)
        services.item_remove(item=item, acting_user=request.user)
        return _("已删除该项存在问题。")

    return _step(request, item.notice_id, run)


@login_required
@require_POST
def notice_issue(request, pk: int):
    def run(notice):
        notice = services.notice_issue(notice=notice, acting_user=request.user, version=_version(request))
        return _("已下发整改通知书（{number}）。").format(number=notice.document_number)

    return _step(request, pk, run)


@login_required
@require_POST
def notice_receive(request, pk: int):
    def run(notice):
        notice = services.notice_step(
            notice=notice, transition="receive", acting_user=request.user, version=_version(request)
        )
        return _("已签收，整改通知书现为“{state}”。").format(state=_state(notice))

    return _step(request, pk, run)


@login_required
@require_POST
def notice_withdraw(request, pk: int):
    def run(notice):
        form = forms.ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        notice = services.notice_step(
            notice=notice,
            transition="withdraw",
            acting_user=request.user,
            version=_version(request),
            values={"reason": reason},
            comment=reason,
        )
        return _("整改通知书已撤销。")

    return _step(request, pk, run)


@login_required
@require_POST
def notice_report(request, pk: int):
    def run(notice):
        form = forms.ReportForm(request.POST, request.FILES, items=services.open_items(notice))
        if not form.is_valid():
            raise Refused(*[f"{error}" for errors in form.errors.values() for error in errors])
        notice = services.notice_report(
            notice=notice,
            acting_user=request.user,
            answers=form.answers(),
            version=_version(request),
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("已报送整改情况，等待验收。")

    return _step(request, pk, run)


@login_required
@require_POST
def notice_verify(request, pk: int):
    def run(notice):
        form = forms.VerifyForm(request.POST, items=services.open_items(notice))
        if not form.is_valid():
            raise Refused(*[f"{error}" for errors in form.errors.values() for error in errors])
        notice = services.notice_verify(
            notice=notice,
            acting_user=request.user,
            verdicts=form.verdicts(),
            version=_version(request),
            comment=form.cleaned_data.get("comment", ""),
            days=form.cleaned_data.get("days"),
        )
        if notice.case.state == "accepted":
            return _("验收通过，整改通知书已办结。")
        return _("已退回重改，整改通知书现为“{state}”。").format(state=_state(notice))

    return _step(request, pk, run)


@login_required
@require_GET
def notice_print(request, pk: int):
    """The notice as it is printed (the same content as the .docx)."""
    notice = _notice(request, pk)
    context = services.notice_context(notice)
    context["document_number"] = notice.document_number
    if notice.issued_at is not None:
        day = notice.issued_at.date()
        context["signed_on"] = f"{day.year}年{day.month}月{day.day}日"
    return render(request, "rectification/notice_print.html", {"notice": notice, "doc": context})


class SummaryView(LoginRequiredMixin, View):
    """整改情况汇总: open notices by township and severity, overdue, average time to close."""

    def get(self, request):
        data = selectors.summary(request.user)
        data["list_url"] = reverse("rectification:notice_list")
        return render(request, "rectification/summary.html", data)
