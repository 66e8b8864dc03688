from emis.core.api import IdLookupMixin, IdNumberField, ScopedModelSerializer, ScopedModelViewSet

from . import models, ui


class PopulationRecordSerializer(ScopedModelSerializer):
    id_number = IdNumberField()

    class Meta:
        model = models.PopulationRecord
        fields = (
            "id",
            "school_year",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "hukou_township",
            "hukou_village",
            "source",
        )

    def validate_id_number(self, value):
        return (value or "").strip().upper()


class PopulationRecordViewSet(IdLookupMixin, ScopedModelViewSet):
    ui = ui.PopulationRecordUI
    serializer_class = PopulationRecordSerializer


class OutsideEnrollmentSerializer(ScopedModelSerializer):
    id_number = IdNumberField()

    class Meta:
        model = models.OutsideEnrollment
        fields = (
            "id",
            "school_year",
            "name",
            "id_number",
            "hukou_township",
            "county_code",
            "school_name",
            "region",
            "grade",
            "verified_on",
            "note",
        )
        read_only_fields = ("county_code",)

    def validate_id_number(self, value):
        return (value or "").strip().upper()


class OutsideEnrollmentViewSet(IdLookupMixin, ScopedModelViewSet):
    ui = ui.OutsideEnrollmentUI
    serializer_class = OutsideEnrollmentSerializer


ROUTES = (("population", PopulationRecordViewSet), ("outside-enrollments", OutsideEnrollmentViewSet))
