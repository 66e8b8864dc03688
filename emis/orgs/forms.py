from emis.core.forms import ScopedModelForm

from .models import Division, School, SchoolEvent, SchoolYear


class DivisionForm(ScopedModelForm):
    class Meta:
        model = Division
        fields = ("code", "name", "level", "parent", "valid_from", "valid_to")


class SchoolForm(ScopedModelForm):
    class Meta:
        model = School
        fields = (
            "code",
            "name",
            "category",
            "ownership",
            "inclusive",
            "urban_rural",
            "township",
            "parent",
            "address",
            "latitude",
            "longitude",
            "capacity",
            "opened_on",
            "closed_on",
        )


class SchoolEventForm(ScopedModelForm):
    class Meta:
        model = SchoolEvent
        fields = ("school", "kind", "date", "other_school", "old_name", "note")


class SchoolYearForm(ScopedModelForm):
    class Meta:
        model = SchoolYear
        fields = ("start_year", "census_date", "is_current")
