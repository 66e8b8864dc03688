from emis.core.forms import ScopedModelForm

from .models import Enrollment, SchoolClass, Student


class StudentForm(ScopedModelForm):
    class Meta:
        model = Student
        fields = (
            "name",
            "gender",
            "birth_date",
            "id_number",
            "student_no",
            "current_school",
            "hukou_township",
            "hukou_village",
            "boarder",
            "poverty_family",
            "disabled",
            "left_behind",
            "migrant",
        )

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper() or None

    def clean_student_no(self):
        return (self.cleaned_data.get("student_no") or "").strip().upper() or None


class SchoolClassForm(ScopedModelForm):
    class Meta:
        model = SchoolClass
        fields = ("school", "school_year", "grade", "name", "head_teacher")


class EnrollmentForm(ScopedModelForm):
    class Meta:
        model = Enrollment
        fields = ("student", "school", "school_year", "grade", "school_class", "status", "status_date", "note")
