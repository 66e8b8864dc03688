import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable, IdNumberColumn

from .choices import Grade
from .models import Enrollment, SchoolClass, Student

# Grade.values builds its list on every call, once for each row drawn.
GRADE_CODES = frozenset(Grade.values)


class StudentTable(BaseTable):
    """Pupils as a clerk reads a roster: by pinyin, with this school year's grade and class, and the 当前学校 and its
    乡镇 only for a pupil who still belongs to a school (a former pupil's are empty). Reads the annotations of
    emis.students.selectors.with_year_place (StudentUI.queryset)."""

    name = tables.Column(linkify=True, order_by=("name_sort", "name", "id"))
    id_number = IdNumberColumn()
    student_no = IdNumberColumn()
    township = tables.Column(
        verbose_name=_("乡镇"), accessor="current_school__township", order_by=("current_school__township__code",)
    )
    current_school = tables.Column(linkify=False)
    year_grade = tables.Column(verbose_name=_("年级"), order_by=("year_grade",))
    year_class_name = tables.Column(verbose_name=_("班级"), order_by=("year_grade", "year_class_name"))

    class Meta(BaseTable.Meta):
        model = Student
        fields = (
            "name",
            "gender",
            "birth_date",
            "id_number",
            "student_no",
            "township",
            "current_school",
            "year_grade",
            "year_class_name",
            "boarder",
            "poverty_family",
            "disabled",
        )
        # Until a user chooses their own columns (emis.core.tables.ColumnChoice).
        default_hidden = ("poverty_family", "disabled")

    def render_township(self, value, record):
        return value.name if getattr(record, "at_school", True) else self.default

    def render_current_school(self, value, record):
        if not getattr(record, "at_school", True):
            return self.default
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)

    def render_year_grade(self, value):
        return Grade(value).label if value in GRADE_CODES else value

    def render_year_class_name(self, value, record):
        if record.year_class_id is None:
            return value
        url = reverse("students:schoolclass_detail", args=[record.year_class_id])
        return format_html('<a href="{}">{}</a>', url, value)


class SchoolClassTable(BaseTable):
    name = tables.Column(linkify=True, verbose_name=_("班级"))
    school = tables.Column(linkify=True)
    size = tables.Column(verbose_name=_("班额"), orderable=True)

    class Meta(BaseTable.Meta):
        model = SchoolClass
        fields = ("school_year", "school", "grade", "name", "size")

    def render_name(self, record):
        return str(record)


class EnrollmentTable(BaseTable):
    student = tables.Column(linkify=True)
    school = tables.Column(linkify=True)
    school_class = tables.Column(linkify=True)
    status = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Enrollment
        fields = ("school_year", "student", "school", "grade", "school_class", "status", "status_date", "is_current")
