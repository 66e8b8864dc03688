import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School

from .models import (
    AlertKind,
    Appraisal,
    Building,
    BuildingUse,
    Bus,
    BusStatus,
    Driver,
    ExpiryAlert,
    FactKind,
    Fate,
    Funding,
    Grade,
    Guard,
    SafetyFact,
)
from .workflows import SAFETY_EXPIRY


def _township(path="school__township"):
    return django_filters.ModelChoiceFilter(
        field_name=path, queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )


def _school(path="school"):
    return django_filters.ModelChoiceFilter(field_name=path, queryset=School.objects.all(), label=_("学校"))


class SafetyFactFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code", "evidence", "note")
    kind = django_filters.ChoiceFilter(choices=FactKind.choices, label=_("事项"))
    in_place = django_filters.BooleanFilter(label=_("已达标"))
    township = _township()
    school = _school()

    class Meta:
        model = SafetyFact
        fields = ("q", "kind", "in_place", "township", "school")


class GuardFilterSet(ScopedFilterSet):
    search_fields = ("name", "school__name", "school__code", "licence_no", "employer")
    funding = django_filters.ChoiceFilter(choices=Funding.choices, label=_("经费来源"))
    full_time = django_filters.BooleanFilter(label=_("专职"))
    township = _township()
    school = _school()
    on = django_filters.DateFilter(method="filter_on", label=_("某日在岗"))

    class Meta:
        model = Guard
        fields = ("q", "funding", "full_time", "township", "school", "on")

    def filter_on(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(started_on__lte=value).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=value))


class BuildingFilterSet(ScopedFilterSet):
    search_fields = ("name", "school__name", "school__code", "note")
    use = django_filters.ChoiceFilter(choices=BuildingUse.choices, label=_("用途"))
    fate = django_filters.ChoiceFilter(choices=Fate.choices, label=_("处置情况"))
    grade = django_filters.ChoiceFilter(choices=Grade.choices, method="filter_grade", label=_("最近鉴定等级"))
    township = _township()
    school = _school()

    class Meta:
        model = Building
        fields = ("q", "use", "fate", "grade", "township", "school")

    def filter_grade(self, queryset, name, value):
        if not value:
            return queryset
        from django.utils import timezone

        from .selectors import latest_grade

        return queryset.annotate(grade_now=latest_grade(timezone.localdate())).filter(grade_now=value)


class AppraisalFilterSet(ScopedFilterSet):
    search_fields = ("building__name", "building__school__name", "report_no", "body")
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("鉴定等级"))
    township = _township("building__school__township")
    year = django_filters.NumberFilter(
        field_name="appraised_on",
        lookup_expr="year",
        label=_("鉴定年份"),
        min_value=1900,
        max_value=2100,
        decimal_places=0,
    )

    class Meta:
        model = Appraisal
        fields = ("q", "grade", "township", "year")


class BusFilterSet(ScopedFilterSet):
    search_fields = ("plate", "operator", "route", "school__name")
    status = django_filters.ChoiceFilter(choices=BusStatus.choices, label=_("状态"))
    national_standard = django_filters.BooleanFilter(label=_("国标校车"))
    gps = django_filters.BooleanFilter(label=_("安装卫星定位装置"))
    filed = django_filters.BooleanFilter(field_name="filed_on", lookup_expr="isnull", exclude=True, label=_("已备案"))
    township = _township()
    school = _school()

    class Meta:
        model = Bus
        fields = ("q", "status", "national_standard", "gps", "filed", "township", "school")


class DriverFilterSet(ScopedFilterSet):
    search_fields = ("name", "school__name", "bus__plate")
    active = django_filters.BooleanFilter(label=_("在岗"))
    township = _township()
    school = _school()

    class Meta:
        model = Driver
        fields = ("q", "active", "township", "school")


class ExpiryAlertFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "bus__plate", "driver__name", "case__title")
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices, label=_("提醒事项"))
    state = django_filters.ChoiceFilter(
        field_name="case__state", choices=[(s.code, s.label) for s in SAFETY_EXPIRY.states], label=_("状态")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    year = django_filters.NumberFilter(
        field_name="expires_on",
        lookup_expr="year",
        label=_("到期年份"),
        min_value=1900,
        max_value=2100,
        decimal_places=0,
    )
    township = _township()

    class Meta:
        model = ExpiryAlert
        fields = ("q", "kind", "state", "overdue", "year", "township")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(case__urgency="overdue", case__closed_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
