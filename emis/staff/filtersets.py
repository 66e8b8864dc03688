import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import CATEGORIES_OFFERING, OFFERED_LEVEL_CHOICES, DivisionLevel, Ownership
from emis.orgs.models import Division, School

from .choices import HOME_POSTINGS, Establishment, PostingKind, Qualification, Title
from .models import Posting, Staff


class StaffFilterSet(ScopedFilterSet):
    search_fields = ("name", "subject")
    initials_field = "name_initials"
    post_school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("任职学校"))
    establishment = django_filters.ChoiceFilter(choices=Establishment.choices, label=_("编制类型"))
    title = django_filters.ChoiceFilter(choices=Title.choices, label=_("专业技术职务"))
    qualification = django_filters.ChoiceFilter(choices=Qualification.choices, label=_("最高学历"))
    is_active = django_filters.BooleanFilter(label=_("在职"))

    class Meta:
        model = Staff
        fields = ("q", "post_school", "establishment", "title", "qualification", "is_active")


class PostingFilterSet(ScopedFilterSet):
    search_fields = ("staff__name", "school__name")
    initials_field = "staff__name_initials"
    kind = django_filters.ChoiceFilter(choices=PostingKind.choices, label=_("类型"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    # Staff in post on a day, as the indicators count them (生师比, 编制): a recruitment or transfer posting
    # covering the day; exchanges and secondments stay counted at the home school.
    in_post_on = django_filters.DateFilter(method="filter_in_post_on", label=_("在岗日期"))
    school_offers = django_filters.ChoiceFilter(
        choices=OFFERED_LEVEL_CHOICES, method="filter_school_offers", label=_("学校设有学段")
    )
    school_ownership = django_filters.ChoiceFilter(
        field_name="school__ownership", choices=Ownership.choices, label=_("学校办别")
    )
    township = django_filters.ModelChoiceFilter(
        field_name="school__township",
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP),
        label=_("学校所在乡镇"),
    )

    class Meta:
        model = Posting
        fields = ("q", "kind", "school", "in_post_on", "school_offers", "school_ownership", "township")

    def filter_in_post_on(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(start_date__lte=value),
            Q(end_date__isnull=True) | Q(end_date__gt=value),
            kind__in=HOME_POSTINGS,
        )

    def filter_school_offers(self, queryset, name, value):
        return queryset.filter(school__category__in=CATEGORIES_OFFERING[value]) if value else queryset
