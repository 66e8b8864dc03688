import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.models import School, SchoolYear

from .choices import COMPULSORY_GRADES, EnrollmentStatus, Grade, Level
from .models import Enrollment, SchoolClass, Student


class StudentFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    search_exact_fields = ("id_number", "student_no")
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
    size_min = django_filters.NumberFilter(field_name="size", lookup_expr="gte", label=_("班额不少于"))

    class Meta:
        model = SchoolClass
        fields = ("q", "school", "school_year", "grade", "compulsory", "size_min")

    def filter_compulsory(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(grade__in=COMPULSORY_GRADES) if value else queryset.exclude(grade__in=COMPULSORY_GRADES)


class EnrollmentFilterSet(ScopedFilterSet):
    search_fields = ("student__name",)
    search_exact_fields = ("student__id_number", "student__student_no")
    initials_field = "student__name_initials"
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("学段"))
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("年级"))
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices, label=_("学籍状态"))
    is_current = django_filters.BooleanFilter(label=_("当前记录"))

    class Meta:
        model = Enrollment
        fields = ("q", "school", "school_year", "level", "grade", "status", "is_current")
