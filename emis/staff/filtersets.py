import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.models import School

from .choices import Establishment, PostingKind, Qualification, Title
from .models import Posting, Staff


class StaffFilterSet(ScopedFilterSet):
    search_fields = ("name", "subject")
    search_exact_fields = ("id_number",)
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

    class Meta:
        model = Posting
        fields = ("q", "kind", "school")
