"""Attachments API: list and upload on a case, download one file. All scoped by the case."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.audit.services import audit_log
from pingan.events.attachments import attachments_add, case_attachments
from pingan.events.models_extra import Attachment
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case
from pingan.flow.selectors import access_case

TAG = "案件附件"


class AttachmentSerializer(serializers.ModelSerializer):
    # A citizen's photo (public report) has no uploader account.
    uploaded_by = serializers.CharField(
        source="uploaded_by.full_name", default=gettext_lazy("群众")
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
            "url",
        ]

    def get_url(self, row: Attachment) -> str:
        return f"/api/v1/attachments/{row.pk}/"


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        help_text="一个或多个文件（JPEG/PNG/WebP/PDF，单个不超过上限，每案最多 9 个）",
    )


@extend_schema(tags=[TAG])
class CaseAttachmentsView(GenericAPIView):
    # Only for the schema: the `number` path parameter is Case.number.
    queryset = Case.objects.none()
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None

    @extend_schema(summary="案件附件列表", responses={200: AttachmentSerializer(many=True)})
    def get(self, request, number: str):
        case = access_case(request.actor, number)
        return Response(AttachmentSerializer(case_attachments(case), many=True).data)

    @extend_schema(
        summary="上传案件附件",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer(many=True),
            400: OpenApiResponse(description="文件类型、大小或数量不符（中文字段提示）"),
            404: OpenApiResponse(description="案件不存在或不在数据范围内"),
        },
    )
    def post(self, request, number: str):
        case = access_case(request.actor, number)
        try:
            rows = attachments_add(
                actor=request.actor, case=case, files=request.FILES.getlist("files")
            )
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(AttachmentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG],
    summary="下载附件",
    responses={(200, "application/octet-stream"): OpenApiResponse(description="文件内容")},
)
class AttachmentDownloadView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = AttachmentSerializer

    def get(self, request, pk: int):
        row = Attachment.objects.select_related("case").filter(pk=pk).first()
        if row is None:
            raise Http404
        # Same answer as a missing file when the case is outside the actor's view.
        case = access_case(request.actor, row.case.number)
        audit_log(
            actor=request.actor,
            action="case.attachment_download",
            object_type="flow.case",
            object_id=case.number,
            region_code=case.region_code,
            ip=request.actor.ip,
            detail={"attachment": row.pk},
        )
        inline = row.content_type.startswith("image/")
        response = FileResponse(
            row.file.open("rb"),
            content_type=row.content_type,
            as_attachment=not inline,
            filename=row.original_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
