import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import IntegerFilter, ScopedFilterSet
from emis.orgs.models import SchoolYear

from .models import Comparator, IndicatorSnapshot, PlanTarget, indicator_choices


class PlanTargetFilterSet(ScopedFilterSet):
    search_fields = ("plan_name", "source", "indicator")
    indicator = django_filters.ChoiceFilter(choices=indicator_choices, label=_("指标"))
    target_year = IntegerFilter(label=_("目标学年"))
    comparator = django_filters.ChoiceFilter(choices=Comparator.choices, label=_("比较"))

    class Meta:
        model = PlanTarget
        fields = ("q", "indicator", "target_year", "comparator")


class IndicatorSnapshotFilterSet(ScopedFilterSet):
    search_fields = ("division_code", "note")
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))

    class Meta:
        model = IndicatorSnapshot
        fields = ("q", "school_year")
