from emis.core.api import IdLookupMixin, IdNumberField, ScopedModelSerializer, ScopedModelViewSet

from . import models, ui


class StaffSerializer(ScopedModelSerializer):
    id_number = IdNumberField()

    class Meta:
        model = models.Staff
        fields = (
            "id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "post_school",
            "establishment",
            "subject",
            "title",
            "qualification",
            "is_active",
        )

    def validate_id_number(self, value):
        return (value or "").strip().upper()


class PostingSerializer(ScopedModelSerializer):
    class Meta:
        model = models.Posting
        fields = ("id", "staff", "school", "kind", "start_date", "end_date", "note")


class StaffViewSet(IdLookupMixin, ScopedModelViewSet):
    ui = ui.StaffUI
    serializer_class = StaffSerializer


class PostingViewSet(ScopedModelViewSet):
    ui = ui.PostingUI
    serializer_class = PostingSerializer


ROUTES = (("staff", StaffViewSet), ("postings", PostingViewSet))
