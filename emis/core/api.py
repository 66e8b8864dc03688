"""REST API base: the same scope path, FilterSets and change log as the pages.

A viewset declares `ui` (the model's ModelUI) and a serializer; its queryset is always
`ModelUI.queryset(request.user, action)`, so an out-of-scope object is 404 here too.
"""

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, Throttled
from rest_framework.response import Response

from . import access
from .api_permissions import ACTION_FOR_METHOD, ScopedModelPermission  # noqa: F401
from .deletion import delete_refused_message
from .writes import Refused


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class IdNumberField(serializers.CharField):
    """An ID number, masked on output for roles that may not see it in full."""

    def to_representation(self, value):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return access.display_id(user, value) if user is not None else ""


class ScopedModelSerializer(serializers.ModelSerializer):
    """Foreign keys offered and accepted only from the caller's scope; model.clean() runs on write."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            # A many-to-many field offers its choices through its child relation.
            field = getattr(field, "child_relation", field)
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user") and user is not None:
                field.queryset = queryset.for_user(user, access.VIEW)
        return fields

    def validate(self, attrs):
        from django.core.exceptions import ValidationError as DjangoValidationError

        attrs = super().validate(attrs)
        self._check_kept_relations(attrs)
        instance = self.instance or self.Meta.model()
        many_to_many = {field.name for field in self.Meta.model._meta.many_to_many}
        for name, value in attrs.items():
            # A many-to-many cannot be assigned to a row (it may not even be saved yet); serializer.save() sets
            # it after the row, and rules about it belong to the serializer that has the rows at hand.
            if name not in many_to_many:
                setattr(instance, name, value)
        try:
            instance.full_clean()  # unique checks too: declared fields (IdNumberField) lose DRF's UniqueValidator
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

    def _check_kept_relations(self, attrs):
        """A partial update keeps the related rows it does not send; they must be in scope too.

        A page posts every field, so its form checks each related row against the scope; a PATCH sends only what
        changes, and a row the user no longer sees (the pupil who left, on the school's old enrolment) would ride
        along unchecked into a write, which a service may then act on (an enrolment moves its pupil). The answer is
        the field's own "does not exist", as if the row had been posted.
        """
        if self.instance is None:
            return
        errors = {}
        for name, field in self.fields.items():
            if field.read_only or field.source in attrs or field.source == "*" or "." in field.source:
                continue
            relation = getattr(field, "child_relation", field)
            queryset = getattr(relation, "queryset", None)
            if queryset is None or not hasattr(queryset, "for_user"):
                continue
            if relation is not field:
                current = {obj.pk for obj in getattr(self.instance, field.source).all()} if self.instance.pk else set()
            else:
                value = getattr(self.instance, f"{field.source}_id", None)
                current = {value} if value is not None else set()
            missing = current - set(queryset.filter(pk__in=current).values_list("pk", flat=True))
            if missing:
                errors[name] = [relation.error_messages["does_not_exist"].format(pk_value=min(missing))]
        if errors:
            raise serializers.ValidationError(errors)


class ScopedModelViewSet(viewsets.ModelViewSet):
    ui = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular builds the schema with an anonymous user: it needs the model, never rows.
            return self.ui.model._default_manager.none()
        action = ACTION_FOR_METHOD.get(self.request.method, access.CHANGE)
        queryset = self.ui.queryset(self.request.user, action)
        return queryset.order_by(*(queryset.query.order_by or ("pk",)))

    @property
    def filterset_class(self):
        return self.ui.filterset_class

    def filter_queryset(self, queryset):
        # The FilterSet narrows lists only: a row is read, changed or deleted by its id whatever the list's filters
        # (and their defaults: the pupils' list shows those in school, a former pupil's record is still theirs).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def perform_create(self, serializer):
        self._save_in_scope(serializer, access.ADD)

    def perform_update(self, serializer):
        self._save_in_scope(serializer, access.CHANGE)

    def _save_in_scope(self, serializer, action):
        """The API's one write: the validated values onto the row, then the ModelUI's save (the model's service, as
        the pages call it), many-to-many values after it, and the saved row still inside the caller's scope."""
        user = self.request.user
        model = self.ui.model
        many_to_many = {field.name for field in model._meta.many_to_many}
        instance = serializer.instance if serializer.instance is not None else model()
        for name, value in serializer.validated_data.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        try:
            with transaction.atomic():
                saved = self.ui.save(instance, user)
                for name, value in serializer.validated_data.items():
                    if name in many_to_many:
                        getattr(saved, name).set(value)
                if not self.ui.queryset(user, action).filter(pk=saved.pk).exists():
                    raise PermissionDenied("保存后的记录将超出您的管辖范围，未保存。")
        except Refused as exc:
            raise serializers.ValidationError({"non_field_errors": exc.messages}) from exc
        serializer.instance = saved
        self._warnings = self.ui.warnings(saved, user)

    def create(self, request, *args, **kwargs):
        return self._with_warnings(super().create(request, *args, **kwargs))

    def update(self, request, *args, **kwargs):
        return self._with_warnings(super().update(request, *args, **kwargs))

    def _with_warnings(self, response):
        """Non-blocking notes on the row just saved (ModelUI.warnings) go into the answer as ``warnings``."""
        warnings = getattr(self, "_warnings", None)
        if warnings:
            response.data["warnings"] = [str(w) for w in warnings]
        return response

    def perform_destroy(self, instance):
        # A row other rows still reference (PROTECT) answers 409 with the page's message, not a 500; so does a rule
        # of the model's service that refuses the delete.
        try:
            with transaction.atomic():
                self.ui.delete(instance, self.request.user)
        except (ProtectedError, RestrictedError) as exc:
            raise Conflict(delete_refused_message(instance, exc)) from exc  # the page's message
        except Refused as exc:
            raise Conflict("；".join(exc.messages)) from exc


class IdLookupRequestSerializer(serializers.Serializer):
    id_number = serializers.RegexField(
        r"^[0-9A-Za-z]+$",
        max_length=19,
        help_text="完整的18位身份证号或全国学籍号（G/J/L 开头）。Whole ID number or G 学籍号.",
    )


class MaySeeFullIds(permissions.BasePermission):
    """Signed in, may view the model, and the role sees ID numbers in full (the masked roles get 403)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and view.ui.may_look_up(request.user))


class IdLookupMixin:
    """``POST <list>/lookup/`` with {"id_number": ...}: the rows in the caller's scope with that whole ID number or
    G 学籍号 (ModelUI.id_lookup_fields), in the list's format. Posted so that the number stays out of URLs and
    access logs; for roles that see ID numbers in full; rate-limited per user together with the lookup pages
    (EMIS_ID_LOOKUP_RATE, 429 beyond it)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The schema: the posted number in, a list of the viewset's rows out (spectacular cannot infer either).
        extend_schema_view(
            lookup=extend_schema(
                summary="按身份证号或全国学籍号精确查找（POST，限频）",
                request=IdLookupRequestSerializer,
                responses={200: cls.serializer_class(many=True)},
            )
        )(cls)

    @action(
        detail=False,
        methods=["post"],
        url_path="lookup",
        permission_classes=[MaySeeFullIds],
        filter_backends=[],
        pagination_class=None,
    )
    def lookup(self, request):
        from .ratelimits import id_lookup_limited
        from .selectors import find_by_id_number

        query = IdLookupRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        if id_lookup_limited(request):
            raise Throttled(detail=gettext("证件号查找过于频繁，请稍后再试。"))
        queryset = self.ui.queryset(request.user, access.VIEW)
        rows = find_by_id_number(
            queryset.order_by(*(queryset.query.order_by or ("pk",))),
            self.ui.id_lookup_fields,
            query.validated_data["id_number"],
        )[:50]
        return Response(self.get_serializer(rows, many=True).data)
