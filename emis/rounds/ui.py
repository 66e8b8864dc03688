"""ModelUI declarations of the admission round (中考录取): the generic pages throughout, shaped by ModelUI's hooks.
The detail pages of the round, a school's plan (its results), an applicant and an appeal have their own templates
(``detail_page_template`` with ``detail_context``); saves and deletes go through the round's services (``save`` and
``delete``), which keep a published round locked and send a round back to the step a change affects."""

from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI

from . import filtersets, forms, services, tables, views
from .choices import describe_tie_break
from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool
from .selectors import results_visible, sees_round
from .tables import points


class RoundModelUI(ModelUI):
    """The hooks every page of a round's rows shares."""

    namespace = "rounds"
    oversight = True  # the county runs the round; a school reads its applicants on the round's pages

    @classmethod
    def save(cls, obj, user):
        return services.round_row_save(obj=obj, acting_user=user)

    @classmethod
    def delete(cls, obj, user) -> None:
        services.round_object_delete(obj=obj, acting_user=user)

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        field = super().detail_field(obj, name, user)
        if isinstance(field["value"], Decimal):
            field["value"] = points(field["value"])
        if name == "tie_break":
            field["value"] = describe_tie_break(field["value"])
        if isinstance(field["value"], AdmissionRound) and not sees_round(user, field["value"]):
            field["link"] = None  # a school sees its rows of the round, not the round's own page
        return field

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        return {"lock_reason": views.locked_reason(obj), **cls.page_context(obj, request)}

    @classmethod
    def page_context(cls, obj, request) -> dict:
        """What the model's own detail template shows besides fields and history."""
        return {}


def _result(user, obj, admission_round, value):
    return value if results_visible(user, admission_round) and value is not None else ""


class AdmissionRoundUI(RoundModelUI):
    model = AdmissionRound
    filterset_class = filtersets.AdmissionRoundFilterSet
    table_class = tables.AdmissionRoundTable
    form_class = forms.AdmissionRoundForm
    select_related = ("school_year", "published_by")
    detail_fields = (
        "school_year",
        "name",
        "status",
        "quota_share",
        "quota_rule",
        "preference_count",
        "tie_break",
        "published_at",
        "published_by",
        "note",
    )
    detail_page_template = "rounds/round_detail.html"

    @classmethod
    def queryset(cls, user, action: str = access.VIEW):
        return super().queryset(user, action).annotate(applicant_count=Count("applicants"))

    @classmethod
    def page_context(cls, obj, request) -> dict:
        return views.round_page(obj, request)

    @staticmethod
    def export_columns(user):
        return [
            (_("招生学年"), lambda o: str(o.school_year)),
            (_("批次名称"), lambda o: o.name),
            (_("状态"), lambda o: o.get_status_display()),
            (_("指标到校比例"), lambda o: o.quota_share),
            (_("指标分配办法"), lambda o: o.get_quota_rule_display()),
            (_("可填志愿数"), lambda o: o.preference_count),
            (_("同分排序规则"), lambda o: describe_tie_break(o.tie_break)),
            (_("考生数"), lambda o: o.applicant_count),
            (_("发布时间"), lambda o: o.published_at.strftime("%Y-%m-%d %H:%M") if o.published_at else ""),
            (_("备注"), lambda o: o.note),
        ]


class RoundSchoolUI(RoundModelUI):
    model = RoundSchool
    filterset_class = filtersets.RoundSchoolFilterSet
    table_class = tables.RoundSchoolTable
    form_class = forms.RoundSchoolForm
    select_related = ("round", "school")
    detail_fields = ("round", "school", "is_quality", "open_seats", "quota_seats", "quota_min_score")
    detail_page_template = "rounds/round_school.html"

    @classmethod
    def page_context(cls, obj, request) -> dict:
        return views.school_page(obj, request)

    @staticmethod
    def export_columns(user):
        return [
            (_("录取批次"), lambda o: o.round.name),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("优质高中"), lambda o: o.is_quality),
            (_("招生计划"), lambda o: o.plan),
            (_("统招名额"), lambda o: o.open_seats),
            (_("指标到校名额"), lambda o: o.quota_seats),
            (_("指标生最低控制线"), lambda o: o.quota_min_score if o.quota_min_score is not None else ""),
            (_("指标到校录取人数"), lambda o: _result(user, o, o.round, o.quota_admitted)),
            (_("统招实际名额"), lambda o: _result(user, o, o.round, o.open_capacity)),
            (_("统招录取人数"), lambda o: _result(user, o, o.round, o.open_admitted)),
            (_("统招录取线"), lambda o: _result(user, o, o.round, o.open_cutoff)),
        ]


class QuotaAllocationUI(RoundModelUI):
    model = QuotaAllocation
    filterset_class = filtersets.QuotaAllocationFilterSet
    table_class = tables.QuotaAllocationTable
    form_class = forms.QuotaAllocationForm
    select_related = ("round", "school", "junior_school")
    detail_fields = ("round", "school", "junior_school", "seats")

    @staticmethod
    def export_columns(user):
        return [
            (_("录取批次"), lambda o: o.round.name),
            (_("高中学校"), lambda o: o.school.name),
            (_("初中学校标识码"), lambda o: o.junior_school.code),
            (_("初中学校"), lambda o: o.junior_school.name),
            (_("指标名额"), lambda o: o.seats),
            (_("录取人数"), lambda o: _result(user, o, o.round, o.admitted)),
            (_("指标到校录取线"), lambda o: _result(user, o, o.round, o.cutoff)),
        ]


class ApplicantUI(RoundModelUI):
    model = Applicant
    id_lookup_fields = ("id_number",)
    filterset_class = filtersets.ApplicantFilterSet
    table_class = tables.ApplicantTable
    form_class = forms.ApplicantForm
    select_related = ("round", "junior_school", "result_school")
    detail_fields = (
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
    )
    detail_page_template = "rounds/round_applicant.html"

    @classmethod
    def queryset(cls, user, action: str = access.VIEW):
        return super().queryset(user, action).defer("explanation")

    @classmethod
    def page_context(cls, obj, request) -> dict:
        return views.applicant_page(obj, request)

    @staticmethod
    def export_columns(user):
        return [
            (_("录取批次"), lambda o: o.round.name),
            (_("考号"), lambda o: o.exam_no),
            (_("姓名"), lambda o: o.name),
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("毕业初中"), lambda o: o.junior_school.name),
            (_("总分"), lambda o: float(o.total)),
            (_("语文"), lambda o: float(o.chinese)),
            (_("数学"), lambda o: float(o.math)),
            (_("外语"), lambda o: float(o.english)),
            (_("志愿"), lambda o: " ".join(o.preferences or [])),
            (_("具备指标生资格"), lambda o: o.eligible),
            (_("录取学校"), lambda o: _result(user, o, o.round, o.result_school.name if o.result_school else None)),
            (_("录取批次类别"), lambda o: _result(user, o, o.round, o.get_result_phase_display() or None)),
            (_("录取志愿序号"), lambda o: _result(user, o, o.round, o.result_preference_rank)),
        ]


class AppealUI(RoundModelUI):
    model = Appeal
    filterset_class = filtersets.AppealFilterSet
    table_class = tables.AppealTable
    form_class = forms.AppealForm
    select_related = ("applicant", "applicant__round", "applicant__junior_school", "decided_by", "case")
    detail_fields = ("applicant", "received_on", "reason", "case", "decision", "decided_by", "decided_at")
    detail_page_template = "rounds/round_appeal.html"

    @classmethod
    def save(cls, obj, user):
        """A new appeal is recorded by the service (published rounds only, with its event); an undecided one is
        edited as a row (a decided one is refused by its clean())."""
        if obj.pk:
            obj.save()
            return obj
        return services.round_appeal_record(
            applicant=obj.applicant, received_on=obj.received_on, reason=obj.reason, acting_user=user
        )

    @classmethod
    def page_context(cls, obj, request) -> dict:
        return views.appeal_page(obj, request)

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        if name == "case":  # the state is the case's: shown as 处理状态, linked to the case's timeline
            return {
                "label": _("处理状态"),
                "value": obj.get_status_display(),
                "link": obj.case.get_absolute_url(),
                "boolean": False,
            }
        return super().detail_field(obj, name, user)

    @staticmethod
    def export_columns(user):
        return [
            (_("录取批次"), lambda o: o.applicant.round.name),
            (_("考号"), lambda o: o.applicant.exam_no),
            (_("姓名"), lambda o: o.applicant.name),
            (_("毕业初中"), lambda o: o.applicant.junior_school.name),
            (_("受理日期"), lambda o: o.received_on),
            (_("申诉理由"), lambda o: o.reason),
            (_("处理状态"), lambda o: o.get_status_display()),
            (_("处理意见"), lambda o: o.decision),
            (_("处理时间"), lambda o: o.decided_at.strftime("%Y-%m-%d %H:%M") if o.decided_at else ""),
        ]
