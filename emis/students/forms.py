from emis.core.forms import ScopedModelForm
from emis.core.pickers import use_picker

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The pickers offer townships, then the villages of the chosen township (the form takes any division).
        use_picker(self.fields["hukou_township"], filter="township")
        use_picker(self.fields["hukou_village"], filter="village", forward={"parent": "hukou_township"})

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The class picker offers the classes of the school, year and grade chosen above it.
        forward = {"school": "school", "school_year": "school_year", "grade": "grade"}
        use_picker(self.fields["school_class"], forward=forward)
