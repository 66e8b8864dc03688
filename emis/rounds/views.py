"""Pages of the admission round (中考录取) beyond the generic ones (ui.py): what the detail pages show besides their
fields (``round_page`` ...), thin POST views calling one service each for the workflow steps, the solve's progress,
and xlsx exports of the admitted lists.
"""

from __future__ import annotations

from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emis.core import access
from emis.core.exports import xlsx_response
from emis.core.views import ObjectDetailView, flash_refusal
from emis.work.services import available_transitions

from . import selectors, services
from .choices import ROUND_ACTIONS, Phase, RoundStatus, SolveStatus
from .forms import AppealDecisionForm, ApplicantUploadForm
from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool, locked_message
from .solver.quota import parse_share

PLAN_SHARE = Fraction(2, 3)


def locked_reason(obj) -> str | None:
    """Why a row of a round (or an appeal) can no longer change, or None."""
    if isinstance(obj, Appeal):
        return _("申诉已处理，不能再修改。") if obj.is_decided else None
    admission_round = obj if isinstance(obj, AdmissionRound) else getattr(obj, "round", None)
    if admission_round is not None and admission_round.is_locked:
        return locked_message(admission_round)
    return None


# The round page and its workflow ---------------------------------------------------------------------------------


def round_page(admission_round: AdmissionRound, request) -> dict:
    """What the round page shows besides its fields: steps, figures, plans, actions and their forms."""
    user = request.user
    may_run = AdmissionRound.objects.for_user(user, access.CHANGE).filter(pk=admission_round.pk).exists()
    status = admission_round.status
    try:
        below_plan = parse_share(admission_round.quota_share) < PLAN_SHARE
    except (ValueError, ZeroDivisionError):
        below_plan = False
    if may_run:
        announce_solve_runs(request, admission_round)
    panel = solve_panel(admission_round) if may_run else {"solve_run": None, "solve_percent": 0}
    return {
        "round": admission_round,
        **panel,
        "steps": selectors.round_steps(admission_round),
        "figures": selectors.round_figures(admission_round),
        "plans": selectors.round_schools(admission_round),
        "results_visible": selectors.results_visible(user, admission_round),
        "may_run": may_run,
        "can": {
            action: may_run and status in allowed and not (action == "solve" and panel["solve_run"])
            for action, (allowed, _after) in ROUND_ACTIONS.items()
        },
        "upload_form": ApplicantUploadForm(),
        "below_plan": below_plan,
        "may_add_appeal": admission_round.is_locked and access.role_may(user, Appeal.domain, access.ADD),
    }


def _round_for_change(request, pk: int) -> AdmissionRound:
    return get_object_or_404(AdmissionRound.objects.for_user(request.user, access.CHANGE), pk=pk)


@login_required
@require_POST
def round_load(request, pk: int):
    admission_round = _round_for_change(request, pk)
    form = ApplicantUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要导入的考生文件。"))
        return redirect(admission_round)
    try:
        result = services.round_load_applicants(
            admission_round=admission_round, upload=form.cleaned_data["file"], acting_user=request.user
        )
    except services.RoundRefused as exc:
        from .ui import AdmissionRoundUI

        # The round page again, as it is after the rollback, with the file's problems listed in place.
        admission_round.refresh_from_db()
        problems = exc.messages[: services.SHOWN_PROBLEMS]
        page = ObjectDetailView(ui=AdmissionRoundUI)
        page.setup(request, pk=pk)
        return page.render_detail(
            AdmissionRoundUI.queryset(request.user).get(pk=pk),
            load_problems=problems,
            load_more=exc.more or len(exc.messages) > len(problems),
        )
    messages.success(
        request,
        _("已导入考生 {n} 人（替换原有 {old} 人），请分配指标。").format(n=result.created, old=result.replaced),
    )
    return redirect(admission_round)


@login_required
@require_POST
def round_allocate(request, pk: int):
    admission_round = _round_for_change(request, pk)
    try:
        result = services.round_allocate_quotas(admission_round=admission_round, acting_user=request.user)
    except services.RoundRefused as exc:
        flash_refusal(request, exc)
    else:
        messages.success(
            request,
            _("已分配指标到校名额 {seats} 个，涉及 {juniors} 所初中、{pools} 个分配。").format(
                seats=result.allocated, juniors=result.juniors, pools=result.pools
            ),
        )
    return redirect(admission_round)


@login_required
@require_POST
def round_solve(request, pk: int):
    """Queue the solve step as a task; the round page shows its progress and, once it has ended, how."""
    admission_round = _round_for_change(request, pk)
    try:
        services.round_solve_request(admission_round=admission_round, acting_user=request.user)
    except services.RoundRefused as exc:
        flash_refusal(request, exc)
    return redirect(admission_round)


@login_required
def round_solve_status(request, pk: int):
    """The progress panel of the round page, polled while a solve run is queued or running; once none is, the
    page is reloaded (htmx) to show the results and how the run ended."""
    admission_round = get_object_or_404(AdmissionRound.objects.for_user(request.user), pk=pk)
    context = solve_panel(admission_round)
    response = render(request, "rounds/_solve_progress.html", {"round": admission_round, **context})
    if context["solve_run"] is None and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def solve_panel(admission_round: AdmissionRound) -> dict:
    run = services.active_run(admission_round)
    return {"solve_run": run, "solve_percent": services.run_progress(run) if run else 0}


def announce_solve_runs(request, admission_round: AdmissionRound) -> None:
    """Tell the user how their solve runs of the round ended, once each (as the step's messages said when it ran
    inside the request)."""
    for run in services.runs_to_announce(admission_round, request.user):
        if run.status == SolveStatus.DONE:
            counts = run.counts
            messages.success(
                request,
                _("录取完成：指标到校 {quota} 人，统招 {open} 人，未录取 {none} 人。").format(
                    quota=counts.get("quota", 0), open=counts.get("open", 0), none=counts.get("not_admitted", 0)
                ),
            )
            messages.info(request, _("请审核录取结果，无误后发布。"))
        else:
            flash_refusal(request, services.RoundRefused(*run.messages, more=run.more))


@login_required
@require_POST
def round_publish(request, pk: int):
    admission_round = _round_for_change(request, pk)
    try:
        services.round_publish(admission_round=admission_round, acting_user=request.user)
    except services.RoundRefused as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("录取结果已发布，本批次已锁定。"))
    return redirect(admission_round)


# Exports -------------------------------------------------------------------------------------------------------


def _applicant_columns(user):
    return [
        (_("考号"), None),
        (_("姓名"), None),
        (_("身份证件号"), None),
        (_("毕业初中"), None),
        (_("总分"), None),
        (_("语文"), None),
        (_("数学"), None),
        (_("外语"), None),
        (_("录取学校"), None),
        (_("录取批次类别"), None),
        (_("录取志愿序号"), None),
    ]


EXPORT_FIELDS = (
    "exam_no",
    "name",
    "id_number",
    "junior_school__name",
    "total",
    "chinese",
    "math",
    "english",
    "result_school__name",
    "result_phase",
    "result_preference_rank",
)


def _export_rows(user, queryset):
    """Rows of the admitted lists, read as tuples (a round has tens of thousands of applicants)."""
    phases = dict(Phase.choices)
    not_admitted = _("未录取")
    for exam_no, name, id_number, junior, total, chinese, math, english, school, phase, rank in queryset.values_list(
        *EXPORT_FIELDS
    ).iterator(chunk_size=5000):
        yield [
            exam_no,
            name,
            access.display_id(user, id_number),
            junior,
            float(total),
            float(chinese),
            float(math),
            float(english),
            school or not_admitted,
            str(phases.get(phase, "")),
            rank or "",
        ]


@login_required
def round_export(request, pk: int):
    """The round's results as xlsx: every applicant the user may see, admitted ones by school, then the rest."""
    admission_round = get_object_or_404(AdmissionRound.objects.for_user(request.user), pk=pk)
    if not selectors.results_visible(request.user, admission_round):
        raise Http404("results not visible")
    applicants = Applicant.objects.for_user(request.user).filter(round=admission_round)
    admitted = applicants.filter(result_school__isnull=False).order_by(
        "result_school__code", "-result_phase", "-total", "exam_no"
    )
    rest = applicants.filter(result_school__isnull=True).order_by("-total", "exam_no")
    rows = (row for queryset in (admitted, rest) for row in _export_rows(request.user, queryset))
    title = _("{name}录取结果").format(name=admission_round.name)
    return xlsx_response(title, _("录取结果"), _applicant_columns(request.user), rows)


@login_required
def round_school_export(request, pk: int):
    """One school's admitted list as xlsx."""
    plan = get_object_or_404(RoundSchool.objects.for_user(request.user).select_related("round", "school"), pk=pk)
    if not selectors.results_visible(request.user, plan.round):
        raise Http404("results not visible")
    rows = _export_rows(request.user, selectors.admitted_applicants(plan))
    title = _("{school}{name}录取名单").format(school=plan.school.name, name=plan.round.name)
    return xlsx_response(title, _("录取名单"), _applicant_columns(request.user), rows)


# Appeals -------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def appeal_decide(request, pk: int):
    appeal = get_object_or_404(
        Appeal.objects.for_user(request.user, access.CHANGE).select_related("applicant__round"), pk=pk
    )
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结果并填写处理意见。"))
        return redirect(appeal)
    try:
        decided = services.appeal_decide(
            appeal=appeal,
            status=form.cleaned_data["status"],
            decision=form.cleaned_data["decision"],
            acting_user=request.user,
            version=form.cleaned_data["version"],
        )
    except services.RoundRefused as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("申诉已处理：{status}。").format(status=decided.get_status_display()))
    return redirect(appeal)


def appeal_page(appeal: Appeal, request) -> dict:
    # The engine answers who may decide now (role, level over the case, its state): the same rule as the step.
    may_decide = bool(available_transitions(appeal.case, request.user))
    form = AppealDecisionForm(initial={"version": appeal.case.version}) if may_decide else None
    return {"decision_form": form}


def applicant_page(applicant: Applicant, request) -> dict:
    user = request.user
    admission_round = applicant.round
    codes = list(applicant.preferences or [])
    names = dict(
        RoundSchool.objects.filter(round=admission_round, school__code__in=codes).values_list(
            "school__code", "school__name"
        )
    )
    visible = selectors.results_visible(user, admission_round)
    return {
        "preferences": [{"rank": i, "code": code, "name": names.get(code, "")} for i, code in enumerate(codes, 1)],
        "results_visible": visible,
        "explanation": applicant.explanation_lines if visible else [],
        "appeals": applicant.appeals.for_user(user).select_related("case").order_by("-received_on"),
        "may_add_appeal": admission_round.status == RoundStatus.PUBLISHED
        and access.role_may(user, Appeal.domain, access.ADD),
    }


def school_page(plan: RoundSchool, request) -> dict:
    visible = selectors.results_visible(request.user, plan.round)
    return {
        "results_visible": visible,
        "pools": selectors.school_pools(plan) if visible else [],
        "admitted": list(selectors.admitted_applicants(plan)) if visible else [],
        "missed": list(selectors.first_choice_not_admitted(plan)[:500]) if visible else [],
    }


def allocation_page(allocation: QuotaAllocation, request) -> dict:
    return {"results_visible": selectors.results_visible(request.user, allocation.round)}
