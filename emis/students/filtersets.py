import django_filters
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Collate, Concat
from django.forms import HiddenInput
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_cte import CTE, with_cte

from emis.core.filtersets import IntegerFilter, ScopedFilterSet, yes_no
from emis.orgs.choices import DivisionLevel, Ownership
from emis.orgs.models import Division, School, SchoolYear, public_or_inclusive

from .choices import COMPULSORY_GRADES, ON_ROLL_STATUSES, EnrollmentStatus, Grade, Level
from .models import Enrollment, SchoolClass, Student
from .selectors import in_school_condition, roll_year, year_enrollments


class StudentFilterSet(ScopedFilterSet):
    """The pupils' one FilterSet (list page, API, export): in school (在读) unless asked otherwise; grade, class and
    township of the pupil's place this school year; name, pinyin initials or full pinyin in ``q``."""

    search_fields = ("name",)
    indexed_search_fields = ("name",)  # students_student_name_grams_idx
    initials_field = "name_initials"
    pinyin_field = "name_pinyin"
    search_hint = _("姓名、拼音首字母或全拼")
    # Applied when the request does not name the filter: the list opens on the pupils in school, and so do the API
    # and the export with the same query string.
    defaults = {"roll": "in"}

    roll = django_filters.ChoiceFilter(
        choices=[("in", _("在读")), ("out", _("不在读（休学、已离校）"))],
        empty_label=_("全部学生"),
        method="filter_roll",
        label=_("在读状态"),
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, method="filter_grade", label=_("年级"))
    class_name = django_filters.CharFilter(method="filter_class_name", label=_("班级"))
    # A class by id, from the class page's links (no list of every class in the county: a hidden field).
    school_class = django_filters.NumberFilter(method="filter_school_class", label=_("班级"), widget=HiddenInput)
    township = django_filters.ModelChoiceFilter(
        field_name="current_school__township",
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP),
        label=_("乡镇"),
    )
    current_school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("当前学校"))
    gender = django_filters.ChoiceFilter(choices=[("1", _("男")), ("2", _("女"))], label=_("性别"))
    boarder = django_filters.BooleanFilter(label=_("寄宿生"))
    poverty_family = django_filters.BooleanFilter(label=_("脱贫家庭"))
    disabled = django_filters.BooleanFilter(label=_("残疾"))

    class Meta:
        model = Student
        fields = (
            "q",
            "roll",
            "township",
            "current_school",
            "grade",
            "class_name",
            "school_class",
            "gender",
            "boarder",
            "poverty_family",
            "disabled",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None:
            # The townships of the schools the user sees (a school's account: its own), not every township of the
            # deployment: a short list at any scale.
            township = self.filters["township"]
            township.queryset = township.extra["queryset"] = Division.objects.filter(
                level=DivisionLevel.TOWNSHIP, pk__in=School.objects.for_user(user).values("township_id")
            )

    @cached_property
    def year(self):
        return roll_year()

    # Filters that narrow the pupils to a few (a search, a class, a grade, a place). The first page of a county's
    # pupils in school is read walking the pinyin index until it holds a page; a narrow filter would walk it all, so
    # then the few rows found are sorted instead (an expression no index serves, in the same order).
    NARROWING = ("q", "grade", "class_name", "school_class", "township", "current_school")

    # The search's matches as a common table expression (PostgreSQL, more than one way of matching): see search.
    _matches: CTE | None = None

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = getattr(self.form, "cleaned_data", {}) or {}
        if self._matches is not None:
            matches = self._matches.col
            queryset = queryset.order_by(matches.roster_key, matches.roster_name, matches.id)
        elif any(data.get(name) not in (None, "") for name in self.NARROWING):
            queryset = queryset.order_by(Concat(F("name_sort"), Value("")), "name", "id")
        return queryset

    def search(self, queryset, name, value):
        """On PostgreSQL, a search that matches in more than one way (initials, full pinyin, a part of the name) is
        answered as the union of one index read per way, each giving the pupil's id and place in pinyin order from the
        index alone (students migration 0009), within the user's scope; the union is sorted and only then joined to the
        pupils, so that the in-school check and the row itself are read for the page shown, not for every match: the
        province's 37,779 matches of "hh" were each read and checked before 25 were shown. A single way of matching
        (a Chinese name) and SQLite keep the plain filter."""
        conditions = self.search_conditions(value)
        user = getattr(self.request, "user", None)
        if connection.vendor != "postgresql" or len(conditions) < 2 or user is None:
            return super().search(queryset, name, value)
        keys = Student.objects.for_user(user).order_by()
        # The columns in roster order: the union's own sort (to drop a pupil matched two ways) is then the roster's.
        # Compared byte by byte ("C"): the same order as the database's for these keys (ASCII pinyin, then the name's
        # characters by code point in a UTF-8 database; SQLite's order too), a third faster to sort than a locale's.
        ways = [
            keys.filter(condition)
            .annotate(roster_key=Collate(F("name_sort"), "C"), roster_name=Collate(F("name"), "C"))
            .values("roster_key", "roster_name", "id")
            for condition in conditions
        ]
        # Sorted inside: PostgreSQL puts no sort below a join to serve an ORDER BY ... LIMIT, so the union arrives in
        # roster order and the join keeps it, stopping at the page.
        union = ways[0].union(*ways[1:]).order_by("roster_key", "roster_name", "id")
        self._matches = CTE(union, name="search_matches")
        return with_cte(self._matches, select=self._matches.join(queryset, id=self._matches.col.id))

    def _in_year(self, queryset, condition: Q):
        if self.year is None:
            return queryset.none()
        return queryset.filter(Exists(year_enrollments(self.year).filter(condition)))

    def filter_roll(self, queryset, name, value):
        if value == "in":
            return queryset.filter(in_school_condition(self.year))
        if value == "out":
            return queryset.exclude(in_school_condition(self.year))
        return queryset

    def filter_grade(self, queryset, name, value):
        return self._in_year(queryset, Q(grade=value)) if value else queryset

    def filter_class_name(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        # "1班" or just "1".
        return self._in_year(queryset, Q(school_class__name__iexact=value) | Q(school_class__name__iexact=f"{value}班"))

    def filter_school_class(self, queryset, name, value):
        # The class's pupils now, whatever its year (a past year's class lists those still placed in it).
        if value is None:
            return queryset
        placed = Enrollment.objects.filter(student=OuterRef("pk"), school_class_id=int(value), is_current=True)
        return queryset.filter(Exists(placed.order_by()))


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
