"""The aid pages on the generic ModelUI: programmes (with their standards), standards, recognised categories
(资助对象认定, imported through the import pages) and rolls (the roll's page shows its lines, its case's steps and the
forms of the steps the user may take now)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.views import ModelUI
from emis.students.choices import Grade
from emis.work.services import available_transitions

from . import filtersets, rules, tables
from .models import Programme, Recognition, Roll, Standard, Term
from .workflows import AID_ROLL, APPROVED_STATES

LINES_SHOWN = 500


class ProgrammeUI(ModelUI):
    model = Programme
    namespace = "aid"
    filterset_class = filtersets.ProgrammeFilterSet
    table_class = tables.ProgrammeTable
    detail_fields = ("name", "levels", "basis")

    @staticmethod
    def export_columns(user):
        return [
            (_("项目代码"), lambda o: o.code),
            (_("项目名称"), lambda o: o.name),
            (_("适用学段"), lambda o: o.levels_display),
            (_("政策依据"), lambda o: o.basis),
        ]

    related = (
        (
            _("资助标准"),
            lambda obj, user: Standard.objects.filter(programme=obj).select_related("programme"),
            tables.StandardTable,
        ),
    )

    @classmethod
    def detail_field(cls, obj, name, user):
        row = super().detail_field(obj, name, user)
        if name == "levels":
            row["value"] = obj.levels_display
        return row

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        links = [(_("全部资助标准"), reverse("aid:standard_list"))]
        from .views import may_manage

        if may_manage(user):
            links.append((_("新增资助标准"), reverse("aid:standard_new")))
        return links


class StandardUI(ModelUI):
    model = Standard
    namespace = "aid"
    filterset_class = filtersets.StandardFilterSet
    table_class = tables.StandardTable
    select_related = ("programme",)
    detail_fields = (
        "programme",
        "level",
        "grades",
        "boarder",
        "tier",
        "eligibility",
        "categories",
        "amount_per_year",
        "valid_from",
        "source",
    )

    @classmethod
    def detail_field(cls, obj, name, user):
        row = super().detail_field(obj, name, user)
        if name == "categories":
            row["value"] = obj.categories_display
        elif name == "boarder":
            row["value"] = obj.series_label or _("不限")
            row["boolean"] = False
        elif name == "grades":
            row["value"] = "、".join(obj.grades) or _("全部年级")
        return row

    @staticmethod
    def export_columns(user):
        return [
            (_("资助项目"), lambda o: o.programme.name),
            (_("学段"), lambda o: o.get_level_display()),
            (_("类别/档次"), lambda o: o.series_label),
            (_("资助对象"), lambda o: o.categories_display),
            (_("年标准（元）"), lambda o: o.amount_per_year),
            (_("每学期（元）"), lambda o: o.per_term),
            (_("执行日期"), lambda o: o.valid_from),
            (_("依据"), lambda o: o.source),
        ]


class TermUI(ModelUI):
    model = Term
    namespace = "aid"
    filterset_class = filtersets.TermFilterSet
    table_class = tables.TermTable
    select_related = ("school_year",)
    detail_fields = ("school_year", "kind", "census_date", "publicity_days")
    related = (
        (
            _("资助名单"),
            lambda obj, user: (
                Roll.objects.for_user(user)
                .filter(term=obj)
                .select_related("programme", "term", "term__school_year", "school", "school__township", "case")
            ),
            tables.RollTable,
        ),
    )

    @staticmethod
    def export_columns(user):
        return [
            (_("学期"), lambda o: str(o)),
            (_("统计日期"), lambda o: o.census_date),
            (_("公示天数"), lambda o: o.publicity_days),
        ]


class RecognitionUI(ModelUI):
    model = Recognition
    namespace = "aid"
    id_lookup_fields = ("id_number",)
    filterset_class = filtersets.RecognitionFilterSet
    table_class = tables.RecognitionTable
    detail_fields = ("name", "id_number", "category", "recognised_on", "source", "county_code", "township_code")

    @staticmethod
    def export_columns(user):
        return [
            (_("身份证件号"), lambda o: access.display_id(user, o.id_number)),
            (_("姓名"), lambda o: o.name),
            (_("资助对象类别"), lambda o: o.get_category_display()),
            (_("认定日期"), lambda o: o.recognised_on),
            (_("认定来源"), lambda o: o.get_source_display()),
        ]

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        if access.role_may(user, Recognition.domain, access.ADD):
            return [(_("导入认定名单"), reverse("core:import_list") + "?kind=aid_eligibility")]
        return []


class RollUI(ModelUI):
    model = Roll
    namespace = "aid"
    filterset_class = filtersets.RollFilterSet
    table_class = tables.RollTable
    select_related = ("programme", "term", "term__school_year", "school", "school__township", "case")
    detail_page_template = "aid/roll_detail.html"
    detail_fields = ("term", "programme", "school", "persons", "amount")

    @staticmethod
    def export_columns(user):
        return [
            (_("学期"), lambda o: str(o.term)),
            (_("资助项目"), lambda o: o.programme.name),
            (_("学校"), lambda o: o.school.name),
            (_("乡镇"), lambda o: o.school.township.name),
            (_("人次"), lambda o: o.persons),
            (_("金额（元）"), lambda o: o.amount),
            (_("状态"), lambda o: str(AID_ROLL.state_label(o.case.state)) if o.case_id else ""),
        ]

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        user = request.user
        case = obj.case
        lines = list(
            obj.lines.select_related("student").order_by("removed", "grade", "student__name_sort", "id")[:LINES_SHOWN]
        )
        grades = dict(Grade.choices)
        for line in lines:
            line.id_display = access.display_id(user, line.student.id_number)
            line.grade_label = grades.get(line.grade, line.grade)
        timeline = list(case.steps.order_by("number")) if case else []
        for step in timeline:
            step.from_label = AID_ROLL.state_label(step.from_state) if step.from_state else "—"
            step.to_label = AID_ROLL.state_label(step.to_state)
        steps = available_transitions(case, user) if case else []
        return {
            "case": case,
            "state_label": AID_ROLL.state_label(case.state) if case else "",
            "lines": lines,
            "more_lines": obj.persons > len(lines),
            "steps": steps,
            "timeline": timeline,
            "may_change_lines": case is not None and rules.may_change_lines(obj, user),
            "needs_reason": case is not None and case.state in APPROVED_STATES,
            "publicity_ends": rules.publicity_ends(obj) if case and case.state == "publicity" else None,
        }

    @classmethod
    def list_links(cls, user) -> list[tuple[str, str]]:
        from .views import may_manage

        links = [(_("资助统计"), reverse("aid:totals")), (_("应助未助核查"), reverse("aid:coverage"))]
        if may_manage(user):
            links.insert(0, (_("生成资助名单"), reverse("aid:generate")))
        return links
