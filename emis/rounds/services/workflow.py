"""The round's state machine: draft → allocated → solved → published (choices.ROUND_ACTIONS).

A step runs on the round re-read under a row lock (``locked_round``) and only in the states it is allowed in
(``require``); a change to what a step used sends the round back to that step (``round_changed``); a published
round is locked: every change to it, its schools, allocations and applicants is refused, and only appeals are
recorded and decided. Each step writes a named ``AuditEvent`` (``event``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import record_event
from emis.core.writes import Refused
from emis.orgs.area import county_of
from emis.work.cleanup import delete_cases

from ..choices import ROUND_ACTIONS, STATUS_ORDER, Phase, QuotaRule, RoundStatus
from ..models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool, locked_message
from . import bulk

SHOWN_PROBLEMS = 50


class RoundRefused(Refused):
    """A workflow step that may not run, or bad input: ``messages`` in Chinese (row and column for file problems).
    A ``Refused``, so the generic pages (ModelUI's save and delete hooks) show it as any other refusal."""


def _action_label(action: str) -> str:
    return {
        "load": _("导入考生"),
        "allocate": _("分配指标"),
        "solve": _("录取"),
        "publish": _("发布"),
    }[action]


def locked_round(admission_round: AdmissionRound) -> AdmissionRound:
    """The round re-read under a row lock, so that two steps of one round never run at once."""
    return AdmissionRound.objects.select_for_update().select_related("school_year").get(pk=admission_round.pk)


def require(admission_round: AdmissionRound, action: str) -> None:
    """Refuse ``action`` unless the round's status allows it (and the round is not published)."""
    allowed, _after = ROUND_ACTIONS[action]
    if admission_round.is_locked:
        raise RoundRefused(locked_message(admission_round))
    if admission_round.status not in allowed:
        raise RoundRefused(
            _("“{name}”当前状态为“{status}”，不能{action}。").format(
                name=admission_round.name,
                status=admission_round.get_status_display(),
                action=_action_label(action),
            )
        )


def set_status(admission_round: AdmissionRound, status: str) -> None:
    if admission_round.status != status:
        admission_round.status = status
        admission_round.save()


def event(name: str, admission_round: AdmissionRound, **data) -> None:
    record_event(
        name,
        data={"round": admission_round.pk, "name": admission_round.name, **data},
        division_code=admission_round.division_code,
    )


def refuse_when_appealed(admission_round: AdmissionRound) -> None:
    """Applicants with appeals are kept (an appeal points at its applicant)."""
    if Appeal.objects.filter(applicant__round=admission_round).exists():
        raise RoundRefused(_("已有申诉的考生不能删除。"))


def applicant_stage(admission_round: AdmissionRound) -> str:
    """The step a change to the applicants sends the round back to: allocating again when quotas follow the
    applicant counts, else solving again."""
    return RoundStatus.DRAFT if admission_round.quota_rule == QuotaRule.APPLICANTS else RoundStatus.ALLOCATED


@transaction.atomic
def round_changed(*, admission_round: AdmissionRound, back_to: str) -> AdmissionRound:
    """Something a step used has changed (a plan, an allocation, an applicant, a setting): send the round back to
    ``back_to`` when it is past it, so that the stale step is run again. Refused once published."""
    locked = locked_round(admission_round)
    if locked.is_locked:
        raise RoundRefused(locked_message(locked))
    if STATUS_ORDER.index(locked.status) > STATUS_ORDER.index(back_to):
        set_status(locked, back_to)
    admission_round.status = locked.status
    return locked


# A change to one of these settings of a round sends it back to the step that used it.
SETTINGS_BACK_TO = {
    "quota_share": RoundStatus.DRAFT,
    "quota_rule": RoundStatus.DRAFT,
    "tie_break": RoundStatus.ALLOCATED,
    "preference_count": RoundStatus.ALLOCATED,
    "school_year_id": RoundStatus.ALLOCATED,
}


@transaction.atomic
def round_row_save(*, obj, acting_user=None):
    """Save a round, or one of its plans, allocations or applicants (validated: a page's edit), and send the round
    back to the step the change affects: a plan or the quota settings → draft; an allocation, the tie-break chain,
    the number of preferences or the school year → allocated; an applicant → ``applicant_stage``. A published
    round's rows are refused by their clean() before this, and by ``round_changed`` here."""
    if isinstance(obj, AdmissionRound):
        before = AdmissionRound.objects.filter(pk=obj.pk).values(*SETTINGS_BACK_TO).first() if obj.pk else None
        if before is None and acting_user is not None:
            # A new round is the county of the user making it (a city's user or an administrator of several
            # counties: the narrowest division holding their scope, for a city-wide 中考).
            _school, code = access.narrowest_area(acting_user)
            obj.division_code = county_of(code) or code or obj.division_code
        obj.save()
        changed = [name for name in SETTINGS_BACK_TO if before is not None and before[name] != getattr(obj, name)]
        if changed:
            back_to = min((SETTINGS_BACK_TO[name] for name in changed), key=STATUS_ORDER.index)
            round_changed(admission_round=obj, back_to=back_to)
        return obj
    obj.save()
    if isinstance(obj, RoundSchool):
        back_to = RoundStatus.DRAFT
    elif isinstance(obj, QuotaAllocation):
        back_to = RoundStatus.ALLOCATED
    else:
        back_to = applicant_stage(obj.round)
    round_changed(admission_round=obj.round, back_to=back_to)
    return obj


def ensure_unlocked(admission_round: AdmissionRound) -> None:
    if AdmissionRound.objects.filter(pk=admission_round.pk, status=RoundStatus.PUBLISHED).exists():
        raise RoundRefused(locked_message(admission_round))


@transaction.atomic
def round_publish(*, admission_round: AdmissionRound, acting_user=None) -> AdmissionRound:
    """Publish a solved round: from now on it, its schools, allocations and applicants are locked."""
    admission_round = locked_round(admission_round)
    require(admission_round, "publish")
    admission_round.status = RoundStatus.PUBLISHED
    admission_round.published_at = timezone.now()
    admission_round.published_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    admission_round.save()
    counts = dict(
        Applicant.objects.filter(round=admission_round).order_by().values_list("result_phase").annotate(n=Count("id"))
    )
    event(
        "admissions.round_published",
        admission_round,
        quota=counts.get(Phase.QUOTA, 0),
        open=counts.get(Phase.OPEN, 0),
        not_admitted=counts.get("", 0),
    )
    return admission_round


@transaction.atomic
def round_object_delete(*, obj, acting_user=None) -> None:
    """Delete a round, or one of its plans, allocations or applicants, or an appeal, with the round's rules: nothing
    of a published round (appeals only until decided); deleting a plan deletes its allocations; the round goes back
    to the step the row was used in."""
    if isinstance(obj, Appeal):
        obj = Appeal.objects.select_for_update().get(pk=obj.pk)
        if obj.is_decided:
            raise RoundRefused(_("申诉已处理，不能删除。"))
        case_id = obj.case_id  # recorded by mistake: the appeal and its case (受理 only) go together
        obj.delete()
        delete_cases([case_id])
        return
    admission_round = obj if isinstance(obj, AdmissionRound) else obj.round
    admission_round = locked_round(admission_round)
    if admission_round.is_locked:
        raise RoundRefused(locked_message(admission_round))
    if isinstance(obj, AdmissionRound):
        refuse_when_appealed(admission_round)
        bulk.delete_applicants(admission_round)
        bulk.write_allocations(admission_round, {})
        for plan in RoundSchool.objects.filter(round=admission_round).select_related("school", "round"):
            plan.delete()
        admission_round.delete()
        return
    if isinstance(obj, RoundSchool):
        for allocation in QuotaAllocation.objects.filter(round=admission_round, school_id=obj.school_id):
            allocation.delete()
        obj.delete()
        round_changed(admission_round=admission_round, back_to=RoundStatus.DRAFT)
    elif isinstance(obj, QuotaAllocation):
        obj.delete()
        round_changed(admission_round=admission_round, back_to=RoundStatus.ALLOCATED)
    elif isinstance(obj, Applicant):
        obj.delete()
        round_changed(admission_round=admission_round, back_to=applicant_stage(admission_round))
    else:  # pragma: no cover - the views only pass the models above
        raise TypeError(type(obj))
