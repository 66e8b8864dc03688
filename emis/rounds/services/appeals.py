"""Appeals (录取申诉) against a published round's results: received, then decided once, as cases of the work
engine (emis.rounds.workflows.APPEAL: the timeline, who decided and when, the 待办 of the bureau's accounts). The
round stays locked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import record_event
from emis.work.services import TransitionRefused, case_open, case_transition

from ..choices import APPEAL_DECISIONS, RoundStatus
from ..models import Appeal, Applicant
from ..workflows import APPEAL
from .workflow import RoundRefused


@transaction.atomic
def round_appeal_record(*, applicant: Applicant, received_on, reason: str, acting_user) -> Appeal:
    """Record an applicant's appeal against a published result: its case is opened by 受理申诉."""
    applicant = Applicant.objects.select_related("round", "junior_school__township").get(pk=applicant.pk)
    if applicant.round.status != RoundStatus.PUBLISHED:
        raise RoundRefused(_("录取结果发布后方可登记申诉。"))
    if not (reason or "").strip():
        raise RoundRefused(_("请填写申诉理由。"))
    try:
        case = case_open(
            workflow=APPEAL.code,
            title=_("{name}（考号 {exam_no}）录取申诉").format(name=applicant.name, exam_no=applicant.exam_no),
            school=applicant.junior_school,
            division_code=applicant.round.division_code,
            acting_user=acting_user,
            values={"reason": reason.strip()},
            today=received_on,
        )
    except TransitionRefused as refused:
        raise RoundRefused(refused.messages[0]) from refused
    appeal = Appeal.objects.create(applicant=applicant, received_on=received_on, reason=reason.strip(), case=case)
    record_event(
        "admissions.appeal_received",
        data={"appeal": appeal.pk, "round": applicant.round_id, "exam_no": applicant.exam_no},
        school_id=applicant.junior_school_id,
        division_code=applicant.round.division_code,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, status: str, decision: str, acting_user, version: int | None = None) -> Appeal:
    """Decide an appeal once: upheld or dismissed, with the decision's text, as the case's closing step. The
    published round stays locked. ``version`` is the case version the deciding page showed (someone acting first
    is refused)."""
    appeal = Appeal.objects.select_for_update().select_related("applicant__round", "case").get(pk=appeal.pk)
    if appeal.is_decided:
        raise RoundRefused(_("该申诉已处理（{status}），不能再次处理。").format(status=appeal.get_status_display()))
    if status not in APPEAL_DECISIONS:
        raise RoundRefused(_("请选择处理结果：申诉成立或申诉不成立。"))
    if not (decision or "").strip():
        raise RoundRefused(_("请填写处理意见。"))
    try:
        case_transition(
            case=appeal.case,
            version=appeal.case.version if version is None else version,
            transition=status,
            acting_user=acting_user,
            values={"decision": decision.strip()},
            comment=decision.strip(),
        )
    except TransitionRefused as refused:
        raise RoundRefused(refused.messages[0]) from refused
    appeal.decision = decision.strip()
    appeal.decided_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])
    appeal.case.refresh_from_db()
    record_event(
        "admissions.appeal_decided",
        data={"appeal": appeal.pk, "round": appeal.applicant.round_id, "status": status},
        school_id=appeal.applicant.junior_school_id,
        division_code=appeal.applicant.round.division_code,
    )
    return appeal
