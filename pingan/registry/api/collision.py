"""Collision comparison (碰撞比对) API. Thin: `pingan.registry.collision` does the work."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from pingan.accounts.scope import ActorRequired
from pingan.registry.api.common import TAG, error_response
from pingan.registry.collision import collide, collision_workbook, read_items
from pingan.registry.imports.workbooks import XLSX_TYPE


class XlsxRenderer(BaseRenderer):
    """Lets DRF accept `?format=xlsx` (its URL format override); the view returns the
    workbook itself as an `HttpResponse`."""

    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


@extend_schema(tags=[TAG])
class CollisionsView(APIView):
    permission_classes = [ActorRequired]
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, XlsxRenderer]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def finalize_response(self, request, response, *args, **kwargs):
        # JSON bodies (results, errors, denials) stay JSON even when ?format=xlsx was asked.
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="碰撞比对",
        parameters=[
            OpenApiParameter("format", str, description="xlsx：下载命中结果（.xlsx，记入导出审计）")
        ],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": OpenApiTypes.OBJECT,
        },
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="key、items、matched、invalid、matches（index、person_id、姓名、"
                "脱敏号码、card_kinds）、errors（line、message）",
            ),
            400: OpenApiResponse(
                response=OpenApiTypes.OBJECT, description="参数错误（中文提示）或超过 200,000 条"
            ),
        },
        description="JSON：{key: id_number|phone|name_birth, items: [...]}；"
        "或 multipart：key + file（单列 .xlsx/.csv；name_birth 为姓名、出生日期两列）。"
        "只与本岗位可查阅的人员比对（管辖范围、部门授权），号码脱敏。",
    )
    def post(self, request):
        if not isinstance(request.data, Mapping):
            # A JSON body may be any value; only an object has "key" and "items".
            return error_response(ValidationError(_("请求内容必须是包含 key 和 items 的对象。")))
        key = str(request.data.get("key") or "").strip()
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                items = read_items(upload.name, upload.read(), key)
            elif "items" in request.data:
                items = request.data["items"]
            else:
                raise ValidationError({"items": [_("请提供待比对的数据列表或上传文件。")]})
            result = collide(actor=request.actor, items=items, key=key)
            if request.query_params.get("format") == "xlsx":
                content = collision_workbook(actor=request.actor, result=result)
                response = HttpResponse(content, content_type=XLSX_TYPE)
                filename = quote(_("碰撞比对结果.xlsx"))
                response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
                response["Cache-Control"] = "no-store"
                return response
        except ValidationError as exc:
            return error_response(exc)
        return Response(
            {
                "key": result.key,
                "items": result.items,
                "matched": len(result.matches),
                "invalid": result.invalid,
                "matches": result.matches,
                "errors": result.errors,
            }
        )
