"""Appeals (录取申诉) against a published round's results: recorded, then decided once. The round stays locked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import record_event

from ..choices import APPEAL_DECISIONS, RoundStatus
from ..models import Appeal, Applicant
from .workflow import RoundRefused


@transaction.atomic
def round_appeal_record(*, applicant: Applicant, received_on, reason: str, acting_user=None) -> Appeal:
    """Record an applicant's appeal against a published result."""
    applicant = Applicant.objects.select_related("round").get(pk=applicant.pk)
    if applicant.round.status != RoundStatus.PUBLISHED:
        raise RoundRefused(_("录取结果发布后方可登记申诉。"))
    if not (reason or "").strip():
        raise RoundRefused(_("请填写申诉理由。"))
    appeal = Appeal.objects.create(applicant=applicant, received_on=received_on, reason=reason.strip())
    record_event(
        "admissions.appeal_received",
        data={"appeal": appeal.pk, "round": applicant.round_id, "exam_no": applicant.exam_no},
        school_id=applicant.junior_school_id,
        division_code=applicant.round.division_code,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, status: str, decision: str, acting_user=None) -> Appeal:
    """Decide an appeal once: upheld or dismissed, with the decision's text. The published round stays locked."""
    appeal = Appeal.objects.select_for_update().select_related("applicant__round").get(pk=appeal.pk)
    if appeal.is_decided:
        raise RoundRefused(_("该申诉已处理（{status}），不能再次处理。").format(status=appeal.get_status_display()))
    if status not in APPEAL_DECISIONS:
        raise RoundRefused(_("请选择处理结果：申诉成立或申诉不成立。"))
    if not (decision or "").strip():
        raise RoundRefused(_("请填写处理意见。"))
    appeal.status = status
    appeal.decision = decision.strip()
    appeal.decided_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    appeal.decided_at = timezone.now()
    appeal.save()
    record_event(
        "admissions.appeal_decided",
        data={"appeal": appeal.pk, "round": appeal.applicant.round_id, "status": status},
        school_id=appeal.applicant.junior_school_id,
        division_code=appeal.applicant.round.division_code,
    )
    return appeal
