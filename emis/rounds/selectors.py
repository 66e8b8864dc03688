"""Reads of the admission round (中考录取): who may see results, a round's figures, a school's admitted list.

Rounds are county-level rows (scoped by the county's division code). Their applicants are also visible to their
junior school, and a school's plan and quota allocations to the school; but results are shown outside the county
level only once the round is published: before that a school sees its rows without their results.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from emis.core import access

from .choices import STATUS_ORDER, Phase, RoundStatus
from .models import AdmissionRound, Applicant, QuotaAllocation, RoundSchool


def sees_round(user, admission_round: AdmissionRound) -> bool:
    """Is the round itself inside the user's scope (the county level)? Same rule as AdmissionRound.scope."""
    if not access.role_may(user, AdmissionRound.domain, access.VIEW):
        return False
    return access.covers(user, division=admission_round.division_code)


def results_visible(user, admission_round: AdmissionRound) -> bool:
    """Results of a solved round are for the county level to review; published ones for everyone in scope."""
    if admission_round.status == RoundStatus.PUBLISHED:
        return True
    return admission_round.status == RoundStatus.SOLVED and sees_round(user, admission_round)


def visible_results_q(user, prefix: str = "round__") -> Q:
    """Rows (reached through ``prefix``) whose round's results the user may see: for filtering by result."""
    published = Q(**{f"{prefix}status": RoundStatus.PUBLISHED})
    if not access.role_may(user, AdmissionRound.domain, access.VIEW):
        return published
    solved = Q(**{f"{prefix}status": RoundStatus.SOLVED})
    covered = access.covering(user, division_paths=(f"{prefix}division_code",))
    if covered is None:
        return published | solved
    return published | (solved & covered)


def log_results_hidden_q(user, prefix: str = "round__") -> Q | None:
    """Rows (reached through ``prefix``) whose results the user may not read in the change log; None: none.

    The county level reads a round's results from the moment they are computed; everyone else only once the
    round is published, as on the pages (results_visible). Whatever the round's status later, the log does not
    hand out values the record does not show.
    """
    if access.sees_everything(user):
        return None
    visible = Q(**{f"{prefix}status": RoundStatus.PUBLISHED})
    if access.role_may(user, AdmissionRound.domain, access.VIEW):
        visible |= access.covering(user, division_paths=(f"{prefix}division_code",))
    return ~visible


def round_steps(admission_round: AdmissionRound) -> list[dict]:
    """The status stepper: each step, done / current / to do."""
    current = STATUS_ORDER.index(admission_round.status)
    labels = dict(RoundStatus.choices)
    return [
        {"value": status, "label": labels[status], "done": i < current, "current": i == current}
        for i, status in enumerate(STATUS_ORDER)
    ]


def round_figures(admission_round: AdmissionRound) -> dict:
    """Counts of a round: schools and seats, allocations, applicants and (when solved) the outcome."""
    plans = RoundSchool.objects.filter(round=admission_round).aggregate(
        schools=Count("id"),
        open_seats=Sum("open_seats"),
        quota_seats=Sum("quota_seats"),
        quality=Count("id", filter=Q(is_quality=True)),
    )
    allocations = QuotaAllocation.objects.filter(round=admission_round).aggregate(
        pools=Count("id"), seats=Sum("seats"), juniors=Count("junior_school", distinct=True)
    )
    outcome = dict(
        Applicant.objects.filter(round=admission_round).order_by().values_list("result_phase").annotate(n=Count("id"))
    )
    applicants = sum(outcome.values())
    figures = {
        "schools": plans["schools"],
        "quality": plans["quality"],
        "open_seats": plans["open_seats"] or 0,
        "quota_seats": plans["quota_seats"] or 0,
        "plan": (plans["open_seats"] or 0) + (plans["quota_seats"] or 0),
        "pools": allocations["pools"],
        "allocated": allocations["seats"] or 0,
        "allocated_juniors": allocations["juniors"],
        "applicants": applicants,
    }
    if admission_round.results_ready:
        figures.update(
            {
                "quota": outcome.get(Phase.QUOTA, 0),
                "open": outcome.get(Phase.OPEN, 0),
                "not_admitted": outcome.get("", 0),
            }
        )
    return figures


def round_schools(admission_round: AdmissionRound):
    """The round's plans with their results, by school code."""
    return RoundSchool.objects.filter(round=admission_round).select_related("school", "round").order_by("school__code")


def school_pools(round_school: RoundSchool):
    """A school's quota pools in the round: per junior school, seats, admitted and cut-off."""
    return (
        QuotaAllocation.objects.filter(round_id=round_school.round_id, school_id=round_school.school_id)
        .select_related("junior_school")
        .order_by("junior_school__code")
    )


def admitted_applicants(round_school: RoundSchool):
    """Applicants admitted to the school in the round: quota phase first, then open; best total first."""
    return (
        Applicant.objects.filter(round_id=round_school.round_id, result_school_id=round_school.school_id)
        .select_related("junior_school")
        .defer("explanation")
        .order_by("-result_phase", "-total", "exam_no")
    )


def first_choice_not_admitted(round_school: RoundSchool):
    """Applicants who put the school first but were not admitted there (admitted at a later choice, or not at
    all), best total first."""
    return (
        Applicant.objects.filter(round_id=round_school.round_id, preferences__0=round_school.school.code)
        .exclude(result_school_id=round_school.school_id)
        .select_related("junior_school", "result_school")
        .defer("explanation")
        .order_by("-total", "exam_no")
    )
