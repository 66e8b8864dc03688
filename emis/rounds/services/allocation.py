"""The allocate step: quota seats (指标到校) of the quality schools split among the junior schools (docs/admissions.md,
domain-rules 3.2), or, with the manual rule, the allocations entered by hand checked against the quota seats."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES
from emis.orgs.models import School

from ..choices import QuotaRule, RoundStatus
from ..models import AdmissionRound, Applicant, QuotaAllocation, RoundSchool
from ..solver.quota import allocate_quotas, parse_share, quota_seats_for_plan
from . import bulk, workflow


@dataclass
class AllocationResult:
    rule: str
    quota_seats: int
    allocated: int
    pools: int
    juniors: int


def _junior_weights(admission_round: AdmissionRound) -> dict[int, int]:
    """Weight per junior school id for the round's rule: its applicants, or its 九年级 pupils on roll the year
    before the round's school year (the graduating class)."""
    if admission_round.quota_rule == QuotaRule.GRADUATES:
        from emis.students.choices import ON_ROLL_STATUSES
        from emis.students.models import Enrollment

        rows = (
            Enrollment.objects.filter(
                school_year__start_year=admission_round.school_year.start_year - 1,
                grade="J3",
                is_current=True,
                status__in=ON_ROLL_STATUSES,
                school__category__in=JUNIOR_SCHOOL_CATEGORIES,
                school__township__code__startswith=admission_round.division_code,
            )
            .order_by()
            .values_list("school_id")
            .annotate(n=Count("id"))
        )
        weights = dict(rows)
        if not weights:
            raise workflow.RoundRefused(_("学籍中没有上一学年九年级在读学生，无法按九年级人数分配指标。"))
        return weights
    weights = dict(
        Applicant.objects.filter(round=admission_round)
        .order_by()
        .values_list("junior_school_id")
        .annotate(n=Count("id"))
    )
    if not weights:
        raise workflow.RoundRefused(_("请先导入考生：按报考人数分配指标需要考生名单。"))
    return weights


@transaction.atomic
def round_allocate_quotas(*, admission_round: AdmissionRound, acting_user=None) -> AllocationResult:
    """The default quota rule (docs/admissions.md) over the round's plans: each quality school's quota seats become
    ``ceil(share × plan)`` (the rest open seats), split among junior schools in proportion to their applicants
    (or 九年级 pupils) by largest remainder, junior schools ordered by code. With the manual rule the allocations
    entered by hand are only checked against the quota seats. Allowed in draft and allocated."""
    admission_round = workflow.locked_round(admission_round)
    workflow.require(admission_round, "allocate")
    plans = list(
        RoundSchool.objects.filter(round=admission_round).select_related("school", "round").order_by("school__code")
    )
    if not plans:
        raise workflow.RoundRefused(_("本批次尚未设置招生学校，请先添加高中招生计划。"))
    share = parse_share(admission_round.quota_share)
    for plan in plans:
        if plan.is_quality:
            total = plan.plan
            quota = quota_seats_for_plan(total, share)
            if (plan.open_seats, plan.quota_seats) != (total - quota, quota):
                plan.open_seats, plan.quota_seats = total - quota, quota
                plan.save()
    quality = [plan for plan in plans if plan.is_quality and plan.quota_seats]
    if admission_round.quota_rule == QuotaRule.MANUAL:
        sums: dict[int, int] = defaultdict(int)
        for school_id, seats in QuotaAllocation.objects.filter(round=admission_round).values_list("school_id", "seats"):
            sums[school_id] += seats
        by_school = {plan.school_id: plan for plan in plans}
        problems = []
        for school_id, seats in sums.items():
            plan = by_school.get(school_id)
            if plan is None or not plan.is_quality:
                problems.append(_("指标分配中的学校不是本批次的优质高中。"))
            elif seats > plan.quota_seats:
                problems.append(
                    _("{school} 的指标分配合计 {total}，超过其指标到校名额 {seats}。").format(
                        school=plan.school.name, total=seats, seats=plan.quota_seats
                    )
                )
        if problems:
            raise workflow.RoundRefused(*problems)
        allocated, pools = sum(sums.values()), QuotaAllocation.objects.filter(round=admission_round).count()
        juniors = QuotaAllocation.objects.filter(round=admission_round).values("junior_school").distinct().count()
    else:
        weights = _junior_weights(admission_round)
        junior_codes = dict(School.objects.filter(pk__in=list(weights)).values_list("id", "code"))
        juniors_sorted = sorted(weights, key=lambda pk: junior_codes.get(pk, ""))
        matrix = (
            allocate_quotas([plan.quota_seats for plan in quality], [weights[pk] for pk in juniors_sorted])
            if quality
            else np.zeros((0, len(juniors_sorted)), dtype=np.int64)
        )
        wanted = {
            (quality[s].school_id, juniors_sorted[j]): int(matrix[s, j])
            for s, j in zip(*np.nonzero(matrix), strict=True)
        }
        bulk.write_allocations(admission_round, wanted)
        allocated, pools, juniors = sum(wanted.values()), len(wanted), len({j for _s, j in wanted})
    workflow.set_status(admission_round, RoundStatus.ALLOCATED)
    result = AllocationResult(
        rule=admission_round.quota_rule,
        quota_seats=sum(plan.quota_seats for plan in quality),
        allocated=allocated,
        pools=pools,
        juniors=juniors,
    )
    workflow.event(
        "admissions.quotas_allocated",
        admission_round,
        rule=result.rule,
        share=admission_round.quota_share,
        quota_seats=result.quota_seats,
        allocated=result.allocated,
        pools=result.pools,
    )
    return result
