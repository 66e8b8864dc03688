from emis.core.api import IdLookupMixin, IdNumberField, ScopedModelSerializer, ScopedModelViewSet

from . import models, ui


class StudentSerializer(ScopedModelSerializer):
    id_number = IdNumberField(required=False, allow_null=True, allow_blank=True)
    # G/J + the ID number: masked like it. Format and uniqueness are checked by the model (full_clean).
    student_no = IdNumberField(required=False, allow_null=True, allow_blank=True, max_length=19)

    class Meta:
        model = models.Student
        fields = (
            "id",
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

    def validate_id_number(self, value):
        return (value or "").strip().upper() or None

    def validate_student_no(self, value):
        return (value or "").strip().upper() or None


class SchoolClassSerializer(ScopedModelSerializer):
    class Meta:
        model = models.SchoolClass
        fields = ("id", "school", "school_year", "grade", "name", "head_teacher")


class EnrollmentSerializer(ScopedModelSerializer):
    class Meta:
        model = models.Enrollment
        fields = (
            "id",
            "student",
            "school",
            "school_year",
            "school_class",
            "grade",
            "level",
            "status",
            "status_date",
            "is_current",
            "note",
        )
        read_only_fields = ("level",)


class StudentViewSet(IdLookupMixin, ScopedModelViewSet):
    ui = ui.StudentUI
    serializer_class = StudentSerializer


class SchoolClassViewSet(ScopedModelViewSet):
    ui = ui.SchoolClassUI
    serializer_class = SchoolClassSerializer


class EnrollmentViewSet(IdLookupMixin, ScopedModelViewSet):
    ui = ui.EnrollmentUI
    serializer_class = EnrollmentSerializer


ROUTES = (
    ("students", StudentViewSet),
    ("classes", SchoolClassViewSet),
    ("enrollments", EnrollmentViewSet),
)
