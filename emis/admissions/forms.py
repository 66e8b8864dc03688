from django import forms

from emis.core.forms import ScopedModelForm
from emis.core.pickers import use_picker
from emis.orgs.choices import DivisionLevel

from .models import CatchmentException, CatchmentZone, EntryPlan


class CatchmentZoneForm(ScopedModelForm):
    class Meta:
        model = CatchmentZone
        fields = ("school_year", "name", "township", "villages", "primary_school", "junior_school", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = self.fields["township"].queryset.filter(level=DivisionLevel.TOWNSHIP)
        self.fields["villages"].queryset = self.fields["villages"].queryset.filter(level=DivisionLevel.VILLAGE)
        use_picker(self.fields["township"], filter="township")
        use_picker(self.fields["villages"], filter="village", forward={"parent": "township"})

    def clean(self):
        from .selectors import zone_village_problems  # selectors imports the registers' models

        cleaned = super().clean()
        for problem in zone_village_problems(
            zone=self.instance,
            township=cleaned.get("township"),
            villages=cleaned.get("villages"),
            school_year=cleaned.get("school_year"),
        ):
            self.add_error("villages", problem)
        return cleaned


class EntryPlanForm(ScopedModelForm):
    class Meta:
        model = EntryPlan
        fields = ("school_year", "school", "level", "classes", "class_size")


class CatchmentExceptionForm(ScopedModelForm):
    class Meta:
        model = CatchmentException
        fields = ("school_year", "level", "id_number", "name", "reason", "school", "note")
        widgets = {"id_number": forms.TextInput(attrs={"autocomplete": "off"})}
