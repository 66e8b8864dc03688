from rest_framework import serializers, viewsets

from .api import ScopedModelViewSet
from .audit import readable_changes
from .models import ObjectChange
from .ui import ObjectChangeUI


class ObjectChangeListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        # The values of a whole page at once: restricted models cost one query per page, not per record.
        changes = list(data.all() if hasattr(data, "all") else data)
        user = self.context["request"].user
        self.child.readable = dict(zip((c.pk for c in changes), readable_changes(user, changes), strict=True))
        return super().to_representation(changes)


class ObjectChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", read_only=True)
    changes = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = ("id", "time", "username", "source", "action", "model", "object_id", "object_repr", "changes")
        list_serializer_class = ObjectChangeListSerializer

    def get_changes(self, obj) -> dict:
        """Stored values (choice codes, foreign-key ids) for machines, as audit.readable_changes lets the user
        read them (restricted values left out, ID numbers masked for the role)."""
        readable = getattr(self, "readable", None) or {}
        if obj.pk in readable:
            return readable[obj.pk]
        return readable_changes(self.context["request"].user, [obj])[0]


class ObjectChangeViewSet(ScopedModelViewSet, viewsets.ReadOnlyModelViewSet):
    ui = ObjectChangeUI
    serializer_class = ObjectChangeSerializer
    http_method_names = ["get", "head", "options"]


ROUTES = (("changes", ObjectChangeViewSet),)
