"""教育督导's list and detail pages: 督学, 责任区, 督导计划, 督导记录 and 挂点包片 (ModelUI), with their steps: ending a
school's 责任区 assignment, generating a term's plan, and issuing a visit's 整改通知书."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import Action, ModelUI
from emis.core.writes import Refused

from . import filtersets, forms, services, tables
from .models import Assignment, Inspector, LeaderPost, Visit, VisitPlan


def _links(user):
    links = [(_("督导达标情况"), reverse("supervision:compliance"))]
    if access.role_may(user, Visit.domain, access.ADD):
        links.append((_("填写督导记录"), reverse("supervision:visit_new")))
    return links


class InspectorUI(ModelUI):
    model = Inspector
    namespace = "supervision"
    filterset_class = filtersets.InspectorFilterSet
    table_class = tables.InspectorTable
    form_class = forms.InspectorForm
    select_related = ("user",)
    detail_fields = ("name", "kind", "unit", "phone", "certificate_no", "user", "start_date", "end_date", "note")
    related = (
        (
            _("责任区学校（现）"),
            lambda obj, user: services._active(
                Assignment.objects.for_user(user).filter(inspector=obj), timezone.localdate()
            ).select_related("school", "school__township", "inspector"),
            tables.AssignmentTable,
        ),
        (
            _("督导记录"),
            lambda obj, user: (
                Visit.objects.for_user(user).filter(inspector=obj).select_related("school", "inspector", "notice")
            ),
            tables.VisitTable,
        ),
        (
            _("下发的整改通知书"),
            lambda obj, user: (
                Visit.objects.for_user(user)
                .filter(inspector=obj, notice__isnull=False)
                .select_related("school", "inspector", "notice")
            ),
            tables.VisitTable,
        ),
    )

    @classmethod
    def queryset(cls, user, action: str = access.VIEW):
        today = timezone.localdate()
        active = Q(assignments__start_date__lte=today) & (
            Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gte=today)
        )
        return super().queryset(user, action).annotate(school_count=Count("assignments", filter=active))

    @staticmethod
    def export_columns(user):
        return [
            (_("姓名"), lambda o: o.name),
            (_("督学类别"), lambda o: o.get_kind_display()),
            (_("工作单位"), lambda o: o.unit),
            (_("联系电话"), lambda o: o.phone),
            (_("督学证编号"), lambda o: o.certificate_no),
            (_("责任区学校数"), lambda o: o.school_count),
            (_("聘任日期"), lambda o: o.start_date),
            (_("解聘日期"), lambda o: o.end_date),
        ]

    @classmethod
    def save(cls, obj, user):
        if obj.pk is None:
            # A new 督学 belongs to the county of the account entering them (the administrator: the default).
            codes = sorted(access.scope_of(user)[1]) if user.is_authenticated else []
            county = next((code[:6] for code in codes if len(code) >= 6), None)
            if county:
                obj.county_code = county
        return services.inspector_save(inspector=obj, acting_user=user)

    @classmethod
    def list_links(cls, user):
        return _links(user)

    @classmethod
    def detail_links(cls, obj, user):
        return [(_("该督学的督导达标情况"), reverse("supervision:compliance") + f"?inspector={obj.pk}")]


def _end(assignment, user, form) -> str:
    services.assignment_end(assignment=assignment, end_date=form.cleaned_data["end_date"], acting_user=user)
    return gettext("已终止：{assignment}。").format(assignment=assignment)


class AssignmentUI(ModelUI):
    model = Assignment
    namespace = "supervision"
    filterset_class = filtersets.AssignmentFilterSet
    table_class = tables.AssignmentTable
    form_class = forms.AssignmentForm
    select_related = ("inspector", "school", "school__township")
    detail_fields = ("inspector", "school", "start_date", "end_date")
    actions = (
        Action(
            "end",
            _("终止"),
            _end,
            right=access.CHANGE,
            form_class=forms.EndAssignmentForm,
            available=lambda obj, user: obj is not None and obj.end_date is None,
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("督学"), lambda o: o.inspector.name),
            (_("督学类别"), lambda o: o.inspector.get_kind_display()),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("起始日期"), lambda o: o.start_date),
            (_("终止日期"), lambda o: o.end_date),
        ]

    @classmethod
    def save(cls, obj, user):
        if obj.pk is not None:
            raise Refused(gettext("责任区记录不能修改；学校调整请在此记录上“终止”，再为新督学分配。"))
        assignment, _warnings = services.assignment_start(
            inspector=obj.inspector, school=obj.school, start_date=obj.start_date, acting_user=user
        )
        return assignment

    @classmethod
    def warnings(cls, obj, user):
        return services.assignment_warnings(obj.inspector, obj.start_date)

    @classmethod
    def list_links(cls, user):
        return _links(user)


def _generate(obj, user, form) -> str:
    data = form.cleaned_data
    created = services.plan_generate(year=data["year"], term=data["term"], acting_user=user)
    return gettext("已生成{count}条督导计划。").format(count=len(created))


def _visits_in_month():
    visits = (
        Visit.objects.annotate(month=TruncMonth("visited_on"))
        .filter(school=OuterRef("school"), month=OuterRef("month"))
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(visits, output_field=IntegerField()), 0)


class VisitPlanUI(ModelUI):
    model = VisitPlan
    namespace = "supervision"
    filterset_class = filtersets.VisitPlanFilterSet
    table_class = tables.VisitPlanTable
    select_related = ("school", "school__township", "inspector")
    detail_fields = ("school", "month", "inspector", "note")
    actions = (
        Action(
            "generate",
            _("生成学期督导计划"),
            _generate,
            right=access.ADD,
            on_list=True,
            form_class=forms.TermForm,
        ),
    )

    @classmethod
    def queryset(cls, user, action: str = access.VIEW):
        return super().queryset(user, action).annotate(visit_count=_visits_in_month())

    @staticmethod
    def export_columns(user):
        return [
            (_("月份"), lambda o: f"{o.month:%Y-%m}"),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("责任督学"), lambda o: o.inspector.name if o.inspector else ""),
            (_("当月督导次数"), lambda o: o.visit_count),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "month":
            row["value"] = f"{obj.month:%Y-%m}"
        return row

    @classmethod
    def list_links(cls, user):
        return _links(user)


def _notice(visit, user, form) -> str:
    notice = services.visit_notice(visit=visit, acting_user=user, days=form.cleaned_data["days"])
    return gettext("已下发整改通知书 {number}。").format(number=notice.document_number)


def _may_notice(visit, user) -> bool:
    return (
        visit is not None
        and visit.notice_id is None
        and visit.findings.filter(must_change=True).exists()
        and access.role_may(user, "rectification", "issue")
    )


class VisitUI(ModelUI):
    model = Visit
    namespace = "supervision"
    filterset_class = filtersets.VisitFilterSet
    table_class = tables.VisitTable
    select_related = ("school", "school__township", "inspector", "notice")
    detail_fields = ("school", "inspector", "visited_on", "kind", "methods", "matters", "summary", "notice")
    related = ((_("发现的问题"), lambda obj, user: obj.findings.all(), tables.VisitFindingTable),)
    actions = (
        Action(
            "notice",
            _("开具整改通知书"),
            _notice,
            right=access.CHANGE,
            form_class=forms.NoticeForm,
            available=_may_notice,
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("督导日期"), lambda o: o.visited_on),
            (_("学校标识码"), lambda o: o.school.code),
            (_("学校名称"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("督学"), lambda o: o.inspector.name),
            (_("督导类型"), lambda o: o.get_kind_display()),
            (_("督导方式"), lambda o: o.method_labels),
            (_("督导事项"), lambda o: o.matter_labels),
            (_("督导情况"), lambda o: o.summary),
            (_("整改通知书"), lambda o: str(o.notice) if o.notice else ""),
        ]

    @classmethod
    def detail_field(cls, obj, name: str, user) -> dict:
        row = super().detail_field(obj, name, user)
        if name == "methods":
            row["value"] = obj.method_labels
        elif name == "matters":
            row["value"] = obj.matter_labels
        return row

    @classmethod
    def list_links(cls, user):
        return _links(user)


class LeaderPostUI(ModelUI):
    model = LeaderPost
    namespace = "supervision"
    filterset_class = filtersets.LeaderPostFilterSet
    table_class = tables.LeaderPostTable
    form_class = forms.LeaderPostForm
    select_related = ("leader", "township")
    detail_fields = ("leader", "township", "start_date", "end_date")

    @staticmethod
    def export_columns(user):
        return [
            (_("乡镇"), lambda o: o.township.name),
            (_("局领导"), lambda o: str(o.leader)),
            (_("起始日期"), lambda o: o.start_date),
            (_("终止日期"), lambda o: o.end_date),
        ]

    @classmethod
    def save(cls, obj, user):
        return services.leader_post_save(post=obj, acting_user=user)
