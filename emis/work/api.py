"""The work engine through the REST API: cases (list and detail, in the caller's scope, with the case list's
filters), their steps, the transitions the caller may take and taking one, and attachments (list, upload,
download). Every step goes through the same service as the pages (``services.case_transition``), with the same
checks and the same Chinese reasons:

    404  the case is not in the caller's scope (or does not exist; the two are not told apart)
    403  the caller's role, rights or level may not take this step on this case
    400  the case is not in a state the step leaves, a requirement is missing, a file is refused, or the body is
         malformed (an unknown transition name)
    409  someone else took a step since the caller read the case (the ``version`` sent is not the case's)

Downloads are recorded in the audit trail like the pages' (``work.attachment.downloaded``, via "api").
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from emis.core.api import Conflict, ScopedModelViewSet

from . import attachments as attachment_store
from . import declaration, services, tables
from .models import Attachment, Case, Step
from .ui import CaseUI


class AttachmentSerializer(serializers.ModelSerializer):
    step = serializers.IntegerField(source="step.number", read_only=True, allow_null=True, default=None)
    has_thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ("id", "step", "kind", "document", "name", "content_type", "size", "sha256", "uploaded_at")
        fields = (*fields, "has_thumbnail")
        read_only_fields = fields

    def get_has_thumbnail(self, obj) -> bool:
        return bool(obj.thumbnail)


class StepSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = (
            "number",
            "transition",
            "from_state",
            "to_state",
            "actor_name",
            "actor_role",
            "at",
            "comment",
            "values",
            "attachments",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_attachments(self, obj) -> list[int]:
        return [a.pk for a in obj.attachments.all()]


class CaseSerializer(serializers.ModelSerializer):
    workflow_label = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = (
            "id",
            "workflow",
            "workflow_label",
            "title",
            "state",
            "state_label",
            "version",
            "level",
            "school",
            "division_code",
            "data",
            "due_on",
            "due_soon_on",
            "clock_paused",
            "urgency",
            "escalated_to",
            "escalated_on",
            "closed_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_workflow_label(self, obj) -> str:
        return str(tables.workflow_label(obj.workflow))

    def get_state_label(self, obj) -> str:
        return str(tables.state_label(obj.workflow, obj.state))


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())
    comment_required = serializers.BooleanField()
    attachments_required = serializers.IntegerField()


class TakeTransitionSerializer(serializers.Serializer):
    transition = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=64, help_text="环节名 transition name")
    version = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, help_text="办件版本（读取时的 version）"
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    values = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=2000), required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1)


def _files(request) -> list:
    return request.FILES.getlist("files") if hasattr(request, "FILES") else []


REFUSAL_STATUS = {services.FORBIDDEN: PermissionDenied, "not_found": NotFound}


def _raise_refusal(exc: services.TransitionRefused):
    if isinstance(exc, services.CaseMovedOn) or exc.code == "moved_on":
        raise Conflict(exc.messages[0]) from exc
    error = REFUSAL_STATUS.get(exc.code)
    if error is not None:
        raise error(exc.messages[0]) from exc
    raise ValidationError({"non_field_errors": exc.messages}) from exc


class CaseViewSet(ScopedModelViewSet):
    """办件: read in the caller's scope; moved only by transitions (POST …/transitions/)."""

    ui = CaseUI
    serializer_class = CaseSerializer
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "head", "options"]

    def _case(self, pk) -> Case:
        case = CaseUI.queryset(self.request.user).filter(pk=pk).first()
        if case is None:
            raise NotFound(_("办件不存在，或不在您的管辖范围内。"))
        return case

    def create(self, request, *args, **kwargs):  # cases are opened by their workflow's services, not here
        raise PermissionDenied()

    @extend_schema(summary="办理记录（时间线）", responses={200: StepSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def steps(self, request, pk=None):
        case = self._case(pk)
        steps = case.steps.prefetch_related("attachments").order_by("number")
        return Response(StepSerializer(steps, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="当前用户现在可办理的环节",
        responses={200: TransitionSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="办理一个环节（与页面同一服务、同样的检查）",
        request={"multipart/form-data": TakeTransitionSerializer, "application/json": TakeTransitionSerializer},
        responses={
            201: StepSerializer,
            409: OpenApiResponse(description="办件已由他人办理（version 不符）。"),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[permissions.IsAuthenticated],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
        pagination_class=None,
        filter_backends=[],
    )
    def transitions(self, request, pk=None):
        case = self._case(pk)
        workflow = declaration.get(case.workflow)
        if request.method == "GET":
            rows = [
                {
                    "name": t.name,
                    "label": str(t.label),
                    "target": t.target,
                    "fields": list(t.requires.fields),
                    "comment_required": t.requires.comment,
                    "attachments_required": t.requires.attachments,
                }
                for t in services.available_transitions(case, request.user)
            ]
            return Response(TransitionSerializer(rows, many=True).data)
        body = TakeTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            transition = workflow.transition(data["transition"])
        except KeyError:
            message = _("流程“{workflow}”没有“{name}”这一环节。")
            raise ValidationError(
                {"transition": [message.format(workflow=workflow.label, name=data["transition"])]}
            ) from None
        if transition.app_only:
            message = _("“{name}”须在{workflow}的业务页面办理（需逐项填写），通用接口不受理。")
            raise ValidationError({"transition": [message.format(workflow=workflow.label, name=transition.label)]})
        try:
            step = services.case_transition(
                case=case.pk,
                transition=data["transition"],
                acting_user=request.user,
                version=data.get("version"),
                comment=data.get("comment", ""),
                values=data.get("values") or {},
                attachments=_files(request),
            )
        except services.TransitionRefused as exc:
            _raise_refusal(exc)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="附件列表", responses={200: AttachmentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        summary="上传佐证材料（随下一步办理提交；按内容检查类型）",
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[permissions.IsAuthenticated],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request, pk=None):
        case = self._case(pk)
        if request.method == "GET":
            rows = case.attachments.select_related("step").order_by("id")
            return Response(AttachmentSerializer(rows, many=True).data)
        try:
            stored = services.case_attach(case=case, acting_user=request.user, files=_files(request))
        except services.TransitionRefused as exc:
            _raise_refusal(exc)
        rows = Attachment.objects.filter(pk__in=[a.pk for a in stored]).select_related("step").order_by("id")
        return Response(AttachmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="下载附件（记入审计日志）",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment",
        permission_classes=[permissions.IsAuthenticated],
        pagination_class=None,
        filter_backends=[],
    )
    def attachment(self, request, pk=None, attachment_id=None):
        case = self._case(pk)
        found = Attachment.objects.for_user(request.user).filter(case=case, pk=attachment_id).first()
        if found is None:
            raise NotFound()
        response = attachment_store.file_response(found)
        attachment_store.record_download(found, via="api")
        return response


ROUTES = (("cases", CaseViewSet),)
