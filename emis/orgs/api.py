from emis.core.api import ScopedModelSerializer, ScopedModelViewSet

from . import models, ui


class DivisionSerializer(ScopedModelSerializer):
    class Meta:
        model = models.Division
        fields = ("id", "code", "name", "level", "parent", "valid_from", "valid_to")


class SchoolSerializer(ScopedModelSerializer):
    class Meta:
        model = models.School
        fields = (
            "id",
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


class SchoolEventSerializer(ScopedModelSerializer):
    class Meta:
        model = models.SchoolEvent
        fields = ("id", "school", "kind", "date", "other_school", "old_name", "note")


class SchoolYearSerializer(ScopedModelSerializer):
    class Meta:
        model = models.SchoolYear
        fields = ("id", "start_year", "census_date", "is_current")


class DivisionViewSet(ScopedModelViewSet):
    ui = ui.DivisionUI
    serializer_class = DivisionSerializer


class SchoolViewSet(ScopedModelViewSet):
    ui = ui.SchoolUI
    serializer_class = SchoolSerializer


class SchoolEventViewSet(ScopedModelViewSet):
    ui = ui.SchoolEventUI
    serializer_class = SchoolEventSerializer


class SchoolYearViewSet(ScopedModelViewSet):
    ui = ui.SchoolYearUI
    serializer_class = SchoolYearSerializer


ROUTES = (
    ("divisions", DivisionViewSet),
    ("schools", SchoolViewSet),
    ("school-events", SchoolEventViewSet),
    ("school-years", SchoolYearViewSet),
)
