from rest_framework import serializers

from emis.core.api import IdNumberField, ScopedModelSerializer, ScopedModelViewSet

from . import models, ui


class CatchmentZoneSerializer(ScopedModelSerializer):
    class Meta:
        model = models.CatchmentZone
        fields = ("id", "school_year", "name", "township", "villages", "primary_school", "junior_school", "note")


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


class CatchmentExceptionViewSet(ScopedModelViewSet):
    ui = ui.CatchmentExceptionUI
    serializer_class = CatchmentExceptionSerializer


ROUTES = (
    ("catchment-zones", CatchmentZoneViewSet),
    ("entry-plans", EntryPlanViewSet),
    ("catchment-exceptions", CatchmentExceptionViewSet),
)
