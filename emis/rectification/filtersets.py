import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School

from .models import Notice, Severity
from .workflows import RECTIFICATION

STATE_CHOICES = [(state.code, state.label) for state in RECTIFICATION.states]


class NoticeFilterSet(ScopedFilterSet):
    search_fields = ("title", "document_number", "school__name", "responsible")
    state = django_filters.ChoiceFilter(field_name="case__state", choices=STATE_CHOICES, label=_("状态"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("最高严重程度"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("整改单位"))
    township = django_filters.ModelChoiceFilter(
        field_name="school__township", queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )
    open = django_filters.BooleanFilter(method="filter_open", label=_("未办结"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))

    class Meta:
        model = Notice
        fields = ("q", "state", "severity", "township", "school", "open", "overdue")

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        is_open = Q(case__closed_at__isnull=True)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(case__urgency="overdue", case__closed_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
