from rest_framework import serializers

from emis.core.api import IdLookupMixin, IdNumberField, ScopedModelSerializer, ScopedModelViewSet
from emis.orgs.choices import DivisionLevel

from . import models, ui
from .selectors import zone_village_problems


class CatchmentZoneSerializer(ScopedModelSerializer):
    class Meta:
        model = models.CatchmentZone
        fields = ("id", "school_year", "name", "township", "villages", "primary_school", "junior_school", "note")

    def get_fields(self):
        fields = super().get_fields()
        fields["township"].queryset = fields["township"].queryset.filter(level=DivisionLevel.TOWNSHIP)
        fields["villages"].child_relation.queryset = fields["villages"].child_relation.queryset.filter(
            level=DivisionLevel.VILLAGE
        )
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)

        def current(name):
            if name in attrs:
                return attrs[name]
            if self.instance is None:
                return None
            return self.instance.villages.all() if name == "villages" else getattr(self.instance, name)

        problems = zone_village_problems(
            zone=self.instance,
            township=current("township"),
            villages=current("villages"),
            school_year=current("school_year"),
        )
        if problems:
            raise serializers.ValidationError({"villages": problems})
        return attrs


class CatchmentZoneViewSet(ScopedModelViewSet):
    ui = ui.CatchmentZoneUI
    serializer_class = CatchmentZoneSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("villages")


class EntryPlanSerializer(ScopedModelSerializer):
    capacity = serializers.IntegerField(read_only=True)

    class Meta:
        model = models.EntryPlan
        fields = ("id", "school_year", "school", "level", "classes", "class_size", "capacity")


class EntryPlanViewSet(ScopedModelViewSet):
    ui = ui.EntryPlanUI
    serializer_class = EntryPlanSerializer


class CatchmentExceptionSerializer(ScopedModelSerializer):
    id_number = IdNumberField()

    class Meta:
        model = models.CatchmentException
        fields = ("id", "school_year", "level", "id_number", "name", "reason", "school", "note")

    def validate_id_number(self, value):
        return (value or "").strip().upper()


class CatchmentExceptionViewSet(IdLookupMixin, ScopedModelViewSet):
    ui = ui.CatchmentExceptionUI
    serializer_class = CatchmentExceptionSerializer


ROUTES = (
    ("catchment-zones", CatchmentZoneViewSet),
    ("entry-plans", EntryPlanViewSet),
    ("catchment-exceptions", CatchmentExceptionViewSet),
)
