from rest_framework import serializers, viewsets

from . import access
from .api import ScopedModelViewSet
from .models import ObjectChange
from .ui import ObjectChangeUI


class ObjectChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", read_only=True)
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = ("id", "time", "username", "source", "action", "model", "object_id", "object_repr", "changes")

    def get_changes(self, obj) -> dict:
        """Stored values (choice codes, foreign-key ids) for machines, with ID numbers masked for the role."""
        user = self.context["request"].user
        model = obj.content_type.model_class()
        sensitive = getattr(model, "sensitive_fields", ()) if model else ()
        return {
            name: [access.display_id(user, before), access.display_id(user, after)]
            if name in sensitive
            else [before, after]
            for name, (before, after) in (obj.changes or {}).items()
        }


class ObjectChangeViewSet(ScopedModelViewSet, viewsets.ReadOnlyModelViewSet):
    ui = ObjectChangeUI
    serializer_class = ObjectChangeSerializer
    http_method_names = ["get", "head", "options"]


ROUTES = (("changes", ObjectChangeViewSet),)
