import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable, IdNumberColumn

from .models import Enrollment, SchoolClass, Student


class StudentTable(BaseTable):
    name = tables.Column(linkify=True)
    id_number = IdNumberColumn()
    student_no = IdNumberColumn()
    current_school = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Student
        fields = (
            "name",
            "gender",
            "birth_date",
            "id_number",
            "student_no",
            "current_school",
            "boarder",
            "poverty_family",
            "disabled",
        )


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
