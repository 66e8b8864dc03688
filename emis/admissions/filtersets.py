import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School, SchoolYear

from .choices import EntryLevel, ExceptionReason
from .models import CatchmentException, CatchmentZone, EntryPlan


class CatchmentZoneFilterSet(ScopedFilterSet):
    search_fields = ("name", "primary_school__name", "junior_school__name")
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    township = django_filters.ModelChoiceFilter(
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("所在乡镇")
    )
    primary_school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("对口小学"))
    junior_school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("对口初中"))

    class Meta:
        model = CatchmentZone
        fields = ("q", "school_year", "township", "primary_school", "junior_school")


class EntryPlanFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code")
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    level = django_filters.ChoiceFilter(choices=EntryLevel.choices, label=_("招生年级"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))

    class Meta:
        model = EntryPlan
        fields = ("q", "school_year", "level", "school")


class CatchmentExceptionFilterSet(ScopedFilterSet):
    search_fields = ("name", "school__name", "note")
    initials_field = "name_initials"
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    level = django_filters.ChoiceFilter(choices=EntryLevel.choices, label=_("招生年级"))
    reason = django_filters.ChoiceFilter(choices=ExceptionReason.choices, label=_("原因"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("安排学校"))

    class Meta:
        model = CatchmentException
        fields = ("q", "school_year", "level", "reason", "school")
