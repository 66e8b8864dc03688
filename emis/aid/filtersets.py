import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School
from emis.students.choices import Level

from .models import Category, Programme, Recognition, Roll, Source, Standard, Term, TermKind
from .workflows import AID_ROLL

STATE_CHOICES = [(state.code, state.label) for state in AID_ROLL.states]


class ProgrammeFilterSet(ScopedFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = Programme
        fields = ("q",)


class StandardFilterSet(ScopedFilterSet):
    search_fields = ("programme__name", "tier", "source")
    programme = django_filters.ModelChoiceFilter(queryset=Programme.objects.all(), label=_("资助项目"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("学段"))

    class Meta:
        model = Standard
        fields = ("q", "programme", "level")


class RecognitionFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    initials_field = "name_initials"
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("资助对象类别"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("认定来源"))
    recognised_after = django_filters.DateFilter(field_name="recognised_on", lookup_expr="gte", label=_("认定日期起"))
    recognised_before = django_filters.DateFilter(field_name="recognised_on", lookup_expr="lte", label=_("认定日期止"))

    class Meta:
        model = Recognition
        fields = ("q", "category", "source", "recognised_after", "recognised_before")


class RollFilterSet(ScopedFilterSet):
    search_fields = ("school__name",)
    term = django_filters.ModelChoiceFilter(queryset=Term.objects.select_related("school_year"), label=_("学期"))
    programme = django_filters.ModelChoiceFilter(queryset=Programme.objects.all(), label=_("资助项目"))
    state = django_filters.ChoiceFilter(field_name="case__state", choices=STATE_CHOICES, label=_("状态"))
    township = django_filters.ModelChoiceFilter(
        field_name="school__township", queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))

    class Meta:
        model = Roll
        fields = ("q", "term", "programme", "state", "township", "school")


class TermFilterSet(ScopedFilterSet):
    search_fields = ("kind",)
    kind = django_filters.ChoiceFilter(choices=TermKind.choices, label=_("学期"))

    class Meta:
        model = Term
        fields = ("kind",)
