from emis.core.forms import ScopedModelForm

from .models import OutsideEnrollment, PopulationRecord


class PopulationRecordForm(ScopedModelForm):
    class Meta:
        model = PopulationRecord
        fields = (
            "school_year",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "hukou_township",
            "hukou_village",
            "source",
        )

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()


class OutsideEnrollmentForm(ScopedModelForm):
    class Meta:
        model = OutsideEnrollment
        fields = (
            "school_year",
            "name",
            "id_number",
            "hukou_township",
            "school_name",
            "region",
            "grade",
            "verified_on",
            "note",
        )

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()
