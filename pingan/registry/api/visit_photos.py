"""Visit photos API: list and upload on a visit, open one photo. All scoped by the card."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.registry.api.common import TAG, error_response
from pingan.registry.models import VisitPhoto
from pingan.registry.photo_selectors import access_visit, access_visit_photo, visit_photo_rows
from pingan.registry.services.visit_photos import visit_photo_open, visit_photos_add


def photo_url(photo_id: int) -> str:
    return f"/api/v1/visit-photos/{photo_id}/"


def photo_data(photo: VisitPhoto) -> dict:
    return {
        "id": photo.pk,
        "content_type": photo.content_type,
        "size": photo.size,
        "created_at": photo.created_at.isoformat(),
        "url": photo_url(photo.pk),
    }


class VisitPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="照片地址（须登录，按数据范围校验并留痕）")


class VisitPhotoUploadSerializer(serializers.Serializer):
    photos = serializers.ListField(
        child=serializers.FileField(),
        help_text="一张或多张照片（JPEG/PNG/WebP，按文件内容判断；每次走访最多 9 张）",
    )
    idempotency_key = serializers.CharField(
        required=False, max_length=64, help_text="离线重发时不重复保存"
    )


@extend_schema(tags=[TAG])
class VisitPhotosView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    queryset = VisitPhoto.objects.none()  # for the schema only; reads go through selectors
    serializer_class = VisitPhotoSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None

    @extend_schema(summary="走访照片列表", responses={200: VisitPhotoSerializer(many=True)})
    def get(self, request, visit_id: int):
        visit = access_visit(request.actor, visit_id)
        return Response([photo_data(p) for p in visit_photo_rows(visit)])

    @extend_schema(
        summary="上传走访照片",
        request={"multipart/form-data": VisitPhotoUploadSerializer},
        responses={
            201: VisitPhotoSerializer(many=True),
            200: OpenApiResponse(description="同一幂等键重发：返回已保存的照片"),
            400: OpenApiResponse(description="照片类型、大小或数量不符（中文字段提示）"),
            404: OpenApiResponse(description="走访记录不存在或不在数据范围内"),
        },
    )
    def post(self, request, visit_id: int):
        visit = access_visit(request.actor, visit_id)
        try:
            rows, created = visit_photos_add(
                actor=request.actor,
                visit=visit,
                files=request.FILES.getlist("photos"),
                idempotency_key=request.data.get("idempotency_key", ""),
            )
        except ValidationError as exc:
            return error_response(exc)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response([photo_data(p) for p in rows], status=code)


@extend_schema(
    tags=[TAG],
    summary="查看走访照片（留痕）",
    responses={(200, "image/*"): OpenApiResponse(description="照片内容")},
)
class VisitPhotoFileView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = VisitPhotoSerializer

    def get(self, request, photo_id: int):
        photo = access_visit_photo(request.actor, photo_id)
        response = FileResponse(
            visit_photo_open(actor=request.actor, photo=photo),
            content_type=photo.content_type,
            as_attachment=False,
            filename=photo.original_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Never kept by a proxy or by the phone's offline cache.
        response["Cache-Control"] = "private, no-store"
        return response
