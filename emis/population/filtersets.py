import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, SchoolYear

from .models import OutsideEnrollment, PopulationRecord, PopulationSource


class PopulationRecordFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    initials_field = "name_initials"
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    hukou_township = django_filters.ModelChoiceFilter(
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("户籍乡镇")
    )
    source = django_filters.ChoiceFilter(choices=PopulationSource.choices, label=_("来源"))
    born_after = django_filters.DateFilter(field_name="birth_date", lookup_expr="gte", label=_("出生日期起"))
    born_before = django_filters.DateFilter(field_name="birth_date", lookup_expr="lte", label=_("出生日期止"))

    class Meta:
        model = PopulationRecord
        fields = ("q", "school_year", "hukou_township", "source", "born_after", "born_before")


class OutsideEnrollmentFilterSet(ScopedFilterSet):
    search_fields = ("name", "school_name", "region")
    initials_field = "name_initials"
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    hukou_township = django_filters.ModelChoiceFilter(
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("户籍乡镇")
    )
    verified_after = django_filters.DateFilter(field_name="verified_on", lookup_expr="gte", label=_("核实日期起"))
    verified_before = django_filters.DateFilter(field_name="verified_on", lookup_expr="lte", label=_("核实日期止"))

    class Meta:
        model = OutsideEnrollment
        fields = ("q", "school_year", "hukou_township", "verified_after", "verified_before")
