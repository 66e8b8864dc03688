import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import IntegerFilter, ScopedFilterSet, yes_no
from emis.orgs.choices import DivisionLevel, Ownership
from emis.orgs.models import Division, School, SchoolYear, public_or_inclusive

from .choices import COMPULSORY_GRADES, ON_ROLL_STATUSES, EnrollmentStatus, Grade, Level
from .models import Enrollment, SchoolClass, Student


class StudentFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    initials_field = "name_initials"
    current_school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("当前学校"))
    gender = django_filters.ChoiceFilter(choices=[("1", _("男")), ("2", _("女"))], label=_("性别"))
    boarder = django_filters.BooleanFilter(label=_("寄宿生"))
    poverty_family = django_filters.BooleanFilter(label=_("脱贫家庭"))
    disabled = django_filters.BooleanFilter(label=_("残疾"))

    class Meta:
        model = Student
        fields = ("q", "current_school", "gender", "boarder", "poverty_family", "disabled")


class SchoolClassFilterSet(ScopedFilterSet):
    search_fields = ("name", "school__name")
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("年级"))
    compulsory = django_filters.BooleanFilter(method="filter_compulsory", label=_("义务教育"))
    # `size` is the on-roll count annotated by SchoolClassUI.queryset (the 大班额 drill-down: size_min=56).
    size_min = IntegerFilter(field_name="size", lookup_expr="gte", label=_("班额不少于"))
    township = django_filters.ModelChoiceFilter(
        field_name="school__township",
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP),
        label=_("学校所在乡镇"),
    )

    class Meta:
        model = SchoolClass
        fields = ("q", "school", "school_year", "grade", "compulsory", "size_min", "township")

    def filter_compulsory(self, queryset, name, value):
        return yes_no(queryset, Q(grade__in=COMPULSORY_GRADES), value)


LEVEL_GROUPS = {
    "compulsory": (_("义务教育"), (Level.PRIMARY, Level.JUNIOR)),
    "upper_secondary": (_("高中阶段（普通高中和中职）"), (Level.SENIOR, Level.VOCATIONAL)),
}


class EnrollmentFilterSet(ScopedFilterSet):
    search_fields = ("student__name",)
    initials_field = "student__name_initials"
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("学段"))
    level_group = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _levels) in LEVEL_GROUPS.items()],
        method="filter_level_group",
        label=_("教育阶段"),
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("年级"))
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices, label=_("学籍状态"))
    is_current = django_filters.BooleanFilter(label=_("当前记录"))
    # The indicators count pupils on the roll (在读, 转入); 休学 and those who left are listed but not counted.
    on_roll = django_filters.BooleanFilter(method="filter_on_roll", label=_("在校（计入统计）"))
    township = django_filters.ModelChoiceFilter(
        field_name="school__township",
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP),
        label=_("学校所在乡镇"),
    )
    school_ownership = django_filters.ChoiceFilter(
        field_name="school__ownership", choices=Ownership.choices, label=_("学校办别")
    )
    school_public_or_inclusive = django_filters.BooleanFilter(
        method="filter_school_public_or_inclusive", label=_("公办或普惠性学校")
    )
    school_has_places = django_filters.BooleanFilter(method="filter_school_has_places", label=_("学校填报了学位数"))

    class Meta:
        model = Enrollment
        fields = (
            "q",
            "school",
            "school_year",
            "level",
            "level_group",
            "grade",
            "status",
            "is_current",
            "on_roll",
            "township",
            "school_ownership",
            "school_public_or_inclusive",
            "school_has_places",
        )

    def filter_level_group(self, queryset, name, value):
        return queryset.filter(level__in=LEVEL_GROUPS[value][1]) if value else queryset

    def filter_on_roll(self, queryset, name, value):
        return yes_no(queryset, Q(status__in=ON_ROLL_STATUSES), value)

    def filter_school_public_or_inclusive(self, queryset, name, value):
        return yes_no(queryset, public_or_inclusive("school__"), value)

    def filter_school_has_places(self, queryset, name, value):
        # A teaching point's places are counted with its school (学位使用率).
        return yes_no(queryset, Q(school__capacity__gt=0) | Q(school__parent__capacity__gt=0), value)
