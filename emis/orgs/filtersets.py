import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet, yes_no

from .choices import (
    CATEGORIES_OFFERING,
    OFFERED_LEVEL_CHOICES,
    DivisionLevel,
    Ownership,
    SchoolCategory,
    SchoolEventKind,
    UrbanRural,
)
from .models import Division, School, SchoolEvent, SchoolYear, public_or_inclusive


class DivisionFilterSet(ScopedFilterSet):
    search_fields = ("name", "code")
    level = django_filters.ChoiceFilter(choices=DivisionLevel.choices, label=_("级别"))
    parent = django_filters.ModelChoiceFilter(queryset=Division.objects.all(), label=_("上级区划"))

    class Meta:
        model = Division
        fields = ("q", "level", "parent")


class SchoolFilterSet(ScopedFilterSet):
    search_fields = ("name", "code", "address")
    category = django_filters.ChoiceFilter(choices=SchoolCategory.choices, label=_("办学类型"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label=_("办别"))
    inclusive = django_filters.BooleanFilter(label=_("普惠性"))
    urban_rural = django_filters.ChoiceFilter(choices=UrbanRural.choices, label=_("城乡分类"))
    township = django_filters.ModelChoiceFilter(
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("所在乡镇")
    )
    existing_on = django_filters.DateFilter(method="filter_existing_on", label=_("存续日期"))
    offers = django_filters.ChoiceFilter(choices=OFFERED_LEVEL_CHOICES, method="filter_offers", label=_("设有学段"))
    has_places = django_filters.BooleanFilter(method="filter_has_places", label=_("填报了学位数"))
    public_or_inclusive = django_filters.BooleanFilter(method="filter_public_or_inclusive", label=_("公办或普惠性"))

    class Meta:
        model = School
        fields = (
            "q",
            "category",
            "ownership",
            "inclusive",
            "urban_rural",
            "township",
            "existing_on",
            "offers",
            "has_places",
            "public_or_inclusive",
        )

    def filter_existing_on(self, queryset, name, value):
        return queryset.existing_on(value) if value else queryset

    def filter_offers(self, queryset, name, value):
        return queryset.filter(category__in=CATEGORIES_OFFERING[value]) if value else queryset

    def filter_has_places(self, queryset, name, value):
        return yes_no(queryset, Q(capacity__gt=0), value)

    def filter_public_or_inclusive(self, queryset, name, value):
        return yes_no(queryset, public_or_inclusive(), value)


class SchoolEventFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "note")
    kind = django_filters.ChoiceFilter(choices=SchoolEventKind.choices, label=_("事件"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("日期起"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("日期止"))

    class Meta:
        model = SchoolEvent
        fields = ("q", "kind", "date_after", "date_before")


class SchoolYearFilterSet(ScopedFilterSet):
    search_fields = ("start_year",)

    class Meta:
        model = SchoolYear
        fields = ("q", "is_current")
