"""The work engine's own pages beyond the generic case list and case page (emis.work.ui.CaseUI):

- the 待办 inbox (``/work/``): what waits for the user's step in their scope (``selectors.waiting_for``), soonest
  deadline first; the 已办 tab (cases the user took a step on) and the 督办 tab (overdue cases escalated to the
  user's level); filters, pagination and xlsx/csv export like every list;
- the workflows (``/work/flows/``) and each workflow's page: its diagram, drawn from the declaration, and its cases;
- a step on a case (POST, one per transition; the ModelUI named action of ``actions.transition_actions`` run through
  the one service) and evidence uploaded to a case beforehand (``services.case_attach``);
- an attachment's download and a photo's thumbnail: only to users whose scope holds the case (404 otherwise), and
  every download recorded in the audit trail.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from emis.core.exports import csv_response, export_rows, xlsx_response
from emis.core.navigation import remember_count
from emis.core.views import ObjectDetailView, ObjectListView
from emis.core.writes import Refused

from . import attachments as attachment_store
from . import declaration, diagram, selectors, services
from .actions import MultipleFileField
from .filtersets import CaseFilterSet
from .models import Attachment, Case
from .tables import CaseTable
from .ui import CaseUI, step_actions, workflow_or_none

TABS = {
    "todo": gettext_lazy("待办"),
    "done": gettext_lazy("已办"),
    "escalated": gettext_lazy("督办"),
}


class CountedPaginator(Paginator):
    """A paginator told its count (already asked for the badge) instead of counting again."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count


def inbox_queryset(user, tab: str):
    if tab == "done":
        queryset = selectors.handled_by(user)
    elif tab == "escalated":
        queryset = selectors.escalated_to(user)
    else:
        queryset = selectors.waiting_for(user)
    return queryset.select_related(*CaseUI.select_related)


def _tab(request) -> str:
    tab = request.GET.get("tab", "todo")
    return tab if tab in TABS else "todo"


def _per_page(request) -> int:
    return ObjectListView._per_page(request)


def _filtered(request, queryset, **kwargs):
    filterset = CaseFilterSet(request.GET or None, queryset=queryset, request=request, **kwargs)
    return filterset, (filterset.qs if filterset.is_bound else queryset)


class InboxView(LoginRequiredMixin, View):
    """待办 / 已办 / 督办: the one inbox over every workflow."""

    def get(self, request):
        tab = _tab(request)
        queryset = inbox_queryset(request.user, tab)
        filterset, rows = _filtered(request, queryset)
        # The selectors' order (soonest deadline first; last handled first) unless the user sorts by a column.
        # One COUNT for the badge, the tab and the paginator (a county's inbox counts every open case).
        count = selectors.inbox_count(request.user)
        remember_count(request, "work:inbox", count)
        unfiltered = tab == "todo" and not (filterset.is_bound and filterset.form.has_changed())
        # The request is applied once, below (given to the table's constructor it would paginate, so count, first).
        table = CaseTable(rows)
        paginate = {"per_page": _per_page(request)}
        if unfiltered:
            paginate.update(paginator_class=CountedPaginator, count=count)
            table.data._length = count  # django-tables2's own len() of the rows would count again
        RequestConfig(request, paginate=paginate).configure(table)
        query = request.GET.copy()
        query.pop("page", None)
        export_query = query.copy()
        export_query["tab"] = tab
        filters = query.copy()
        filters.pop("tab", None)
        context = {
            "tab": tab,
            "tabs": [
                {"key": key, "label": label, "url": f"{reverse('work:inbox')}?tab={key}", "active": key == tab}
                for key, label in TABS.items()
            ],
            "count": count,
            "table": table,
            "filterset": filterset,
            "list_url": reverse("work:inbox"),
            "querystring": query.urlencode(),
            "export_query": export_query.urlencode(),
        }
        template = "generic/_list_results.html" if request.htmx and not request.htmx.boosted else "work/inbox.html"
        return render(request, template, context)


class InboxExportView(LoginRequiredMixin, View):
    def get(self, request, fmt: str):
        if fmt not in ("xlsx", "csv"):
            raise Http404
        tab = _tab(request)
        _filterset, rows = _filtered(request, inbox_queryset(request.user, tab))
        columns = CaseUI.export_columns(request.user)
        title = f"{_('待办事项')}-{TABS[tab]}"
        data = export_rows(rows, columns)
        if fmt == "xlsx":
            return xlsx_response(title, str(TABS[tab]), columns, data)
        return csv_response(title, columns, data)


class WorkflowIndexView(LoginRequiredMixin, View):
    """Every declared workflow, with its open cases in the user's scope (one grouped query)."""

    def get(self, request):
        from django.db.models import Count

        counts = dict(
            Case.objects.for_user(request.user)
            .filter(closed_at__isnull=True)
            .order_by()
            .values_list("workflow")
            .annotate(n=Count("id"))
        )
        workflows = [
            {"workflow": w, "open": counts.get(w.code, 0), "url": reverse("work:workflow", args=[w.code])}
            for w in declaration.all_workflows()
        ]
        from .template_views import templates_in_reach

        return render(
            request,
            "work/workflows.html",
            {"workflows": workflows, "templates_in_reach": templates_in_reach(request.user)},
        )


def transition_rows(workflow) -> list[dict]:
    from emis.core.access import Role

    from .declaration import Level

    return [
        {
            "label": t.label,
            "sources": [workflow.state_label(code) for code in t.sources],
            "target": workflow.state_label(t.target),
            "roles": [Role(role).label for role in sorted(t.roles) if role in Role.values],
            "level": Level(t.level).label,
        }
        for t in workflow.transitions
    ]


class WorkflowView(LoginRequiredMixin, View):
    """One workflow: its state diagram and its cases in the user's scope (the case list narrowed to it)."""

    def get(self, request, code: str):
        workflow = workflow_or_none(code)
        if workflow is None:
            raise Http404
        queryset = CaseUI.queryset(request.user).filter(workflow=code)
        filterset, rows = _filtered(request, queryset, workflow=workflow)
        table = CaseTable(rows, request=request)
        RequestConfig(request, paginate={"per_page": _per_page(request)}).configure(table)
        query = request.GET.copy()
        query.pop("page", None)
        export_query = query.copy()
        export_query["workflow"] = code
        context = {
            "workflow": workflow,
            "diagram": mark_safe(diagram.svg(workflow)),  # noqa: S308 - drawn by us, every label escaped
            "table": table,
            "filterset": filterset,
            "list_url": reverse("work:workflow", args=[code]),
            "querystring": query.urlencode(),
            "export_query": export_query.urlencode(),
            "transitions": transition_rows(workflow),
        }
        template = "generic/_list_results.html" if request.htmx and not request.htmx.boosted else "work/workflow.html"
        return render(request, template, context)


def _flash_refusal(request, exc: Refused) -> None:
    for message in exc.messages:
        messages.error(request, message)


class CaseStepView(ObjectDetailView):
    """POST: take one step (a transition) on a case through its ModelUI named action (emis.work.actions).

    A case outside the scope, or a transition the workflow does not have, answers 404; otherwise a refusal (the
    role, the level, the state, a requirement, someone else acted first) comes back as the service's Chinese reason
    on the case page, and nothing changes."""

    ui = CaseUI
    http_method_names = ["post"]

    def post(self, request, pk: int, name: str):
        case = get_object_or_404(CaseUI.queryset(request.user), pk=pk)
        workflow = workflow_or_none(case.workflow)
        action = step_actions(workflow).get(name) if workflow is not None else None
        if action is None:
            raise Http404
        form = action.form_class(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"{action.label}：{error}")
            return self.refused(case, name, form)
        try:
            with transaction.atomic():
                message = action.run(case, request.user, form)
        except Refused as exc:
            _flash_refusal(request, exc)
            return self.refused(case, name, form)
        messages.success(request, message)
        return HttpResponseRedirect(case.get_absolute_url())

    def refused(self, case, name: str, form):
        """The case page again, as it is now, with the step's form as the user filled it (the opinion they typed is
        not lost; files must be chosen again), answering 400."""
        self.request._work_bound_forms = {name: form}
        case = get_object_or_404(CaseUI.queryset(self.request.user), pk=case.pk)
        response = self.render_detail(case)
        response.status_code = 400
        return response


class EvidenceUploadForm(forms.Form):
    photos = MultipleFileField(label=gettext_lazy("拍照上传"), required=False, camera=True)
    files = MultipleFileField(label=gettext_lazy("选择文件"), required=False)


@login_required
@require_POST
def case_upload(request, pk: int):
    """Evidence uploaded to a case before the step that uses it (services.case_attach)."""
    case = get_object_or_404(CaseUI.queryset(request.user), pk=pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    files = []
    if form.is_valid():
        files = [*(form.cleaned_data.get("photos") or []), *(form.cleaned_data.get("files") or [])]
    try:
        stored = services.case_attach(case=case, acting_user=request.user, files=files)
    except Refused as exc:
        _flash_refusal(request, exc)
    else:
        messages.success(request, _("已上传 {n} 个附件，将随下一步办理一并提交。").format(n=len(stored)))
    return HttpResponseRedirect(case.get_absolute_url())


def _scoped_attachment(request, pk: int) -> Attachment:
    return get_object_or_404(Attachment.objects.for_user(request.user).select_related("case"), pk=pk)


@login_required
@require_GET
def attachment_download(request, pk: int):
    attachment = _scoped_attachment(request, pk)
    response = attachment_store.file_response(attachment)
    attachment_store.record_download(attachment, via="page")
    return response


@login_required
@require_GET
def attachment_thumbnail(request, pk: int):
    """A photo's small preview on the case page, or a tile naming the file's kind (not a download of the evidence:
    not recorded one by one)."""
    attachment = _scoped_attachment(request, pk)
    if not attachment.thumbnail:
        return attachment_store.icon_response(attachment)
    return attachment_store.file_response(attachment, thumbnail=True)
