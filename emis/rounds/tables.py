from decimal import Decimal

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable, IdNumberColumn

from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool
from .selectors import results_visible


def points(value) -> str:
    """A score without trailing zeros: 612.50 → 612.5, 612.00 → 612."""
    if isinstance(value, Decimal):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return value


class ScoreColumn(tables.Column):
    def render(self, value):
        return points(value)


class ResultColumn(tables.Column):
    """A result value, shown only where the user may see the round's results (else "—"); never sortable, so
    that the order of the rows does not tell what the cells hide."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, value, record, table):
        admission_round = getattr(record, "round", None)
        user = getattr(getattr(table, "request", None), "user", None)
        if admission_round is None or user is None or not results_visible(user, admission_round):
            return "—"
        return points(value)


class AdmissionRoundTable(BaseTable):
    name = tables.Column(linkify=True)
    applicant_count = tables.Column(verbose_name=_("考生数"), orderable=False)

    class Meta(BaseTable.Meta):
        model = AdmissionRound
        fields = ("school_year", "name", "status", "quota_share", "quota_rule", "applicant_count", "published_at")


class RoundSchoolTable(BaseTable):
    school = tables.Column(linkify=lambda record: record.get_absolute_url())
    plan = tables.Column(verbose_name=_("招生计划"), orderable=False, empty_values=())
    quota_min_score = ScoreColumn()
    quota_admitted = ResultColumn()
    open_capacity = ResultColumn()
    open_admitted = ResultColumn()
    open_cutoff = ResultColumn()

    class Meta(BaseTable.Meta):
        model = RoundSchool
        fields = (
            "round",
            "school",
            "is_quality",
            "plan",
            "open_seats",
            "quota_seats",
            "quota_min_score",
            "quota_admitted",
            "open_capacity",
            "open_admitted",
            "open_cutoff",
        )

    def render_plan(self, record):
        return record.plan


class QuotaAllocationTable(BaseTable):
    junior_school = tables.Column(linkify=lambda record: record.get_absolute_url())
    admitted = ResultColumn()
    cutoff = ResultColumn()

    class Meta(BaseTable.Meta):
        model = QuotaAllocation
        fields = ("round", "school", "junior_school", "seats", "admitted", "cutoff")


class ApplicantTable(BaseTable):
    exam_no = tables.Column(linkify=True)
    id_number = IdNumberColumn()
    total = ScoreColumn()
    chinese = ScoreColumn()
    math = ScoreColumn()
    english = ScoreColumn()
    result_school = ResultColumn()
    result_phase = ResultColumn()
    result_preference_rank = ResultColumn()

    class Meta(BaseTable.Meta):
        model = Applicant
        fields = (
            "round",
            "exam_no",
            "name",
            "id_number",
            "junior_school",
            "total",
            "chinese",
            "math",
            "english",
            "eligible",
            "result_school",
            "result_phase",
            "result_preference_rank",
        )


class AppealTable(BaseTable):
    applicant = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("考生"))
    round = tables.Column(accessor="applicant__round", verbose_name=_("录取批次"), orderable=False)
    status = tables.Column(accessor="case__state", verbose_name=_("处理状态"))

    class Meta(BaseTable.Meta):
        model = Appeal
        fields = ("applicant", "round", "received_on", "status", "decided_at")

    def render_status(self, record):
        return record.get_status_display()
