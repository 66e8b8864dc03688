from rest_framework import serializers, viewsets

from .api import ScopedModelViewSet
from .models import ObjectChange
from .ui import ObjectChangeUI
from .views import change_rows


class ObjectChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", read_only=True)
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = ("id", "time", "username", "source", "action", "model", "object_id", "object_repr", "changes")

    def get_changes(self, obj) -> dict:
        user = self.context["request"].user
        rows = change_rows(user, obj.content_type.model_class(), obj)
        names = list((obj.changes or {}).keys())
        return {name: [row["before"], row["after"]] for name, row in zip(names, rows, strict=True)}


class ObjectChangeViewSet(ScopedModelViewSet, viewsets.ReadOnlyModelViewSet):
    ui = ObjectChangeUI
    serializer_class = ObjectChangeSerializer
    http_method_names = ["get", "head", "options"]


ROUTES = (("changes", ObjectChangeViewSet),)
