import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School

from .models import Assignment, Inspector, InspectorKind, LeaderPost, Matter, Visit, VisitKind, VisitPlan


def _township(path="school__township"):
    return django_filters.ModelChoiceFilter(
        field_name=path, queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )


def _on(queryset, value):
    return queryset.filter(start_date__lte=value).filter(Q(end_date__isnull=True) | Q(end_date__gte=value))


class InspectorFilterSet(ScopedFilterSet):
    search_fields = ("name", "unit", "certificate_no")
    search_hint = _("姓名、单位或督学证编号")
    kind = django_filters.ChoiceFilter(choices=InspectorKind.choices, label=_("督学类别"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("在聘"))

    class Meta:
        model = Inspector
        fields = ("q", "kind", "active")

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        active = Q(start_date__lte=timezone.localdate()) & (
            Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate())
        )
        return queryset.filter(active) if value else queryset.exclude(active)


class AssignmentFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code", "inspector__name")
    search_hint = _("学校或督学姓名")
    inspector = django_filters.ModelChoiceFilter(queryset=Inspector.objects.all(), label=_("督学"))
    township = _township()
    on = django_filters.DateFilter(method="filter_on", label=_("某日在责任区"))

    class Meta:
        model = Assignment
        fields = ("q", "inspector", "township", "on")

    def filter_on(self, queryset, name, value):
        return _on(queryset, value) if value else queryset


class VisitPlanFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code", "inspector__name")
    search_hint = _("学校或督学姓名")
    month = django_filters.DateFilter(label=_("月份"))
    inspector = django_filters.ModelChoiceFilter(queryset=Inspector.objects.all(), label=_("责任督学"))
    township = _township()
    visited = django_filters.BooleanFilter(method="filter_visited", label=_("已督导"))

    class Meta:
        model = VisitPlan
        fields = ("q", "month", "inspector", "township", "visited")

    def filter_visited(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(visit_count__gt=0) if value else queryset.filter(visit_count=0)


class VisitFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code", "inspector__name", "summary")
    search_hint = _("学校、督学或督导情况")
    kind = django_filters.ChoiceFilter(choices=VisitKind.choices, label=_("督导类型"))
    inspector = django_filters.ModelChoiceFilter(queryset=Inspector.objects.all(), label=_("督学"))
    township = _township()
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    after = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", label=_("督导日期自"))
    before = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", label=_("督导日期至"))
    matter = django_filters.ChoiceFilter(choices=Matter.choices, method="filter_matter", label=_("督导事项"))
    with_notice = django_filters.BooleanFilter(
        field_name="notice", lookup_expr="isnull", exclude=True, label=_("已开具整改通知书")
    )

    class Meta:
        model = Visit
        fields = ("q", "kind", "inspector", "township", "school", "after", "before", "matter", "with_notice")

    def filter_matter(self, queryset, name, value):
        # JSON "contains" is not portable to SQLite: the codes are stored as a JSON list of plain strings.
        return queryset.filter(matters__icontains=f'"{value}"') if value else queryset


class LeaderPostFilterSet(ScopedFilterSet):
    search_fields = ("township__name", "leader__display_name", "leader__username")
    search_hint = _("乡镇或领导姓名")
    on = django_filters.DateFilter(method="filter_on", label=_("某日在任"))

    class Meta:
        model = LeaderPost
        fields = ("q", "on")

    def filter_on(self, queryset, name, value):
        return _on(queryset, value) if value else queryset
