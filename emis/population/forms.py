from emis.core.forms import ScopedModelForm
from emis.core.pickers import use_picker

from .models import OutsideEnrollment, PopulationRecord


def hukou_pickers(form) -> None:
    """The pickers offer townships, then the villages of the chosen township (the form takes any division)."""
    use_picker(form.fields["hukou_township"], filter="township")
    if "hukou_village" in form.fields:
        use_picker(form.fields["hukou_village"], filter="village", forward={"parent": "hukou_township"})


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hukou_pickers(self)

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hukou_pickers(self)

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()
