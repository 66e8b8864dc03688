"""The case pages, generic over every registered workflow: the list (with export), and the case page with its
workflow's diagram, the timeline of steps (time taken against each limit), the clocks, the evidence and the steps
the user may take now (the workflow's transitions as ModelUI named actions, emis.work.actions).

Cases are read by scope alone; nothing is edited through generic forms: every change is a step of the workflow
(emis.work.views.CaseStepView, emis.work.api), run by the one transition service."""

from __future__ import annotations

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.views import ModelUI

from . import declaration, diagram, filtersets, forms, selectors, services, tables
from .actions import transition_actions
from .attachments import ACCEPT
from .declaration import DayUnit, Level
from .models import AttachmentKind, CalendarDay, CalendarYear, Case, ClockState, Urgency
from .scope import acting_role
from .selectors import clock_usage


def workflow_or_none(code: str) -> declaration.Workflow | None:
    try:
        return declaration.get(code)
    except LookupError:
        return None


def step_actions(workflow: declaration.Workflow) -> dict:
    """{transition name: Action} for the workflow, built once per workflow and reused (the forms are classes)."""
    cache = _ACTIONS.get(workflow.code)
    if cache is None or cache[0] is not workflow:
        cache = _ACTIONS[workflow.code] = (workflow, {a.name: a for a in transition_actions(workflow)})
    return cache[1]


_ACTIONS: dict[str, tuple] = {}


def _unit_label(unit: str):
    return DayUnit(unit).label if unit in DayUnit.values else unit


def clock_rows(case: Case, clocks: list, workflow, today) -> list[dict]:
    declared = workflow.clocks() if workflow else {}
    rows = []
    for clock in clocks:
        usage = clock_usage(clock, today)
        rows.append(
            {
                "clock": clock,
                "label": declared[clock.name].label if clock.name in declared else clock.name,
                "unit": _unit_label(clock.unit),
                "state": ClockState(clock.state).label,
                "usage": usage,
                "overdue": usage["remaining"] < 0,
                "late": max(0, -usage["remaining"]),
            }
        )
    return rows


def timeline(case: Case, steps: list, clocks: list, workflow, today) -> list[dict]:
    """Each step with its labels, its values (named), its files, and the clocks it started or stopped with the
    time taken against the limit (a clock stopped on the step's day by a step that stops, restarts or closes)."""
    rows = []
    for step in steps:
        transition = None
        if workflow is not None:
            try:
                transition = workflow.transition(step.transition)
            except KeyError:
                pass
        # A value one step asked for and a later step carries again is named by the step that asked for it.
        labels = {
            **({k: v for t in workflow.transitions for k, v in t.field_labels.items()} if workflow else {}),
            **(transition.field_labels if transition else {}),
        }
        stops = set(transition.stops) | {c.name for c in transition.starts} if transition else set()
        closes = bool(workflow and transition and workflow.state(transition.target).terminal)
        started = {c.name for c in transition.starts} if transition else set()
        timing = []
        for row in clock_rows(case, clocks, workflow, today):
            clock = row["clock"]
            if (
                clock.state == ClockState.STOPPED
                and clock.stopped_on == step.on_day
                and (clock.name in stops or closes)
                and clock.started_on <= step.on_day
                and not (clock.name in started and clock.started_on == step.on_day)
            ):
                timing.append({**row, "kind": "stopped"})
            elif clock.name in started and clock.started_on == step.on_day:
                timing.append({**row, "kind": "started"})
        rows.append(
            {
                "step": step,
                "label": transition.label if transition else step.transition,
                "from": workflow.state_label(step.from_state) if workflow and step.from_state else step.from_state,
                "to": workflow.state_label(step.to_state) if workflow else step.to_state,
                "role": Role(step.actor_role).label if step.actor_role in Role.values else step.actor_role,
                "values": [(labels.get(name, name), value) for name, value in (step.values or {}).items()],
                "attachments": list(step.attachments.all()),
                "timing": timing,
            }
        )
    return rows


class CaseUI(ModelUI):
    model = Case
    namespace = "work"
    filterset_class = filtersets.CaseFilterSet
    table_class = tables.CaseTable
    select_related = ("school", "school__township")
    detail_page_template = "work/case_detail.html"
    fieldsets = (
        (None, ("title", "workflow", "state", "school", "division_code", "level", "opened_by", "created_at")),
        (_("时限"), ("due_on", "urgency", "clock_paused", "escalated_to", "escalated_on", "closed_at")),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("编号"), lambda o: o.pk),
            (_("事项"), lambda o: o.title),
            (_("流程"), lambda o: tables.workflow_label(o.workflow)),
            (_("状态"), lambda o: tables.state_label(o.workflow, o.state)),
            (_("学校"), lambda o: o.school.name if o.school_id else ""),
            (_("所属区划"), lambda o: o.division_code),
            (_("期限"), lambda o: o.due_on),
            (_("时限状态"), lambda o: o.get_urgency_display()),
            (_("已升级至"), lambda o: o.get_escalated_to_display() if o.escalated_to else ""),
            (
                _("办结时间"),
                lambda o: timezone.localtime(o.closed_at).strftime("%Y-%m-%d %H:%M") if o.closed_at else "",
            ),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "workflow":
            row["value"] = tables.workflow_label(obj.workflow)
            row["link"] = None
        elif name == "state":
            row["value"] = tables.state_label(obj.workflow, obj.state)
        elif name == "opened_by":
            row["link"] = None
        elif name == "division_code":
            row["value"] = tables.place_label(obj, _division_names()) if obj.school_id is None else obj.division_code
        return row

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        user = request.user
        today = timezone.localdate()
        workflow = workflow_or_none(obj.workflow)
        steps = list(obj.steps.prefetch_related("attachments").order_by("number"))
        clocks = list(obj.clocks.order_by("started_on", "id"))
        attachments = list(obj.attachments.select_related("step").order_by("id"))
        forms = getattr(request, "_work_bound_forms", {})
        may_act = []
        blocked = []
        business = selectors.business_object(obj)
        if workflow is not None and obj.closed_at is None:
            actions = step_actions(workflow)
            for transition in workflow.available(obj.state):
                reason = services.refusal(obj, transition, user)
                if transition.app_only:
                    if reason is None:  # the user takes it, on the app's own page (per-item answers, photos)
                        blocked.append(
                            {"transition": transition, "reason": _("此环节须在业务页面办理（需逐项填写）。")}
                        )
                    continue
                action = actions[transition.name]
                if reason is None:
                    form = forms.get(transition.name) or action.form_class(initial={"version": obj.version})
                    may_act.append(
                        {
                            "action": action,
                            "transition": transition,
                            "target": workflow.state_label(transition.target),
                            "form": form,
                            # Evidence fields open when the step needs files; folded otherwise (an approval
                            # rarely carries a photo, and a phone screen has little room).
                            "evidence_open": transition.requires.attachments > 0,
                        }
                    )
                elif acting_role(user) in transition.roles:
                    # A step the user's role takes, refused here (another level, no right): say why.
                    blocked.append({"transition": transition, "reason": reason})
        return {
            "workflow": workflow,
            "diagram": mark_safe(diagram.svg(workflow, current=obj.state)) if workflow else "",  # noqa: S308
            "timeline": timeline(obj, steps, clocks, workflow, today),
            "clocks": clock_rows(obj, clocks, workflow, today),
            "attachments": attachments,
            "pending": [a for a in attachments if a.step_id is None and a.kind == AttachmentKind.EVIDENCE],
            "documents": [a for a in attachments if a.kind == AttachmentKind.DOCUMENT],
            "step_forms": may_act,
            "blocked": blocked,
            "business": business,
            "accept": ACCEPT,
            "overdue": obj.urgency == Urgency.OVERDUE and obj.closed_at is None,
            "level_labels": dict(Level.choices),
        }


def _local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _division_names() -> dict:
    from emis.orgs.models import Division

    return dict(Division.objects.filter(level__in=("county", "township")).values_list("code", "name"))


class CalendarDayUI(ModelUI):
    """The administrator's adjustments of the working-day calendar: the holidays and 调休 working days of a year the
    chinesecalendar package does not know yet (the State Council's arrangement, published each November), or a
    late correction. Written by system administrators only (the orgs domain, like the school years)."""

    model = CalendarDay
    namespace = "work"
    filterset_class = filtersets.CalendarDayFilterSet
    table_class = tables.CalendarDayTable
    form_class = forms.CalendarDayForm
    detail_fields = ("date", "kind", "name")

    @staticmethod
    def export_columns(user):
        return [
            (_("日期"), lambda o: o.date),
            (_("类别"), lambda o: o.get_kind_display()),
            (_("名称"), lambda o: o.name),
        ]


class CalendarYearUI(ModelUI):
    """A year whose holiday arrangement has been entered in full: only then are its working days counted."""

    model = CalendarYear
    namespace = "work"
    filterset_class = filtersets.CalendarYearFilterSet
    table_class = tables.CalendarYearTable
    form_class = forms.CalendarYearForm
    detail_fields = ("year", "source")

    @staticmethod
    def export_columns(user):
        return [(_("年份"), lambda o: o.year), (_("依据"), lambda o: o.source)]
