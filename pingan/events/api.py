"""Events API: categories and reporting. The rest of the loop is /api/v1/cases/{number}/actions/."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.core.api import serializer_rows
from pingan.events.attachments import event_report_with_photos
from pingan.events.models import EventCategory, ReporterKind
from pingan.events.selectors import active_categories
from pingan.events.services import event_report
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Urgency

TAG = "网格事件"


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = EventCategory
        fields = ["code", "name", "parent"]


class EventReportSerializer(serializers.Serializer):
    # Blank values reach the service, which answers with its own field messages.
    category = serializers.CharField(
        max_length=40, allow_blank=True, help_text="事件类别编码（见 categories）"
    )
    description = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=False)
    lat = serializers.FloatField(help_text="纬度，WGS84", required=False, allow_null=True)
    lng = serializers.FloatField(help_text="经度，WGS84", required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="客户端生成的唯一键；同一用户重复提交同一键只产生一个事件",
    )
    unit = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        help_text="接收单位（村/乡镇/县区划编码）；位置不在任何网格内时必填",
    )
    reporter_kind = serializers.ChoiceField(choices=ReporterKind.choices, required=False)


class EventReportMultipartSerializer(EventReportSerializer):
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="现场照片（JPEG/PNG/WebP，最多 9 张，单张不超过上限）",
    )


class EventReportResponseSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="案件编号")
    state = serializers.CharField()
    holder = serializers.CharField(help_text="接收单位编码")
    outside_grid = serializers.BooleanField()
    created = serializers.BooleanField(help_text="false 表示按幂等键返回了已有事件")


@extend_schema(tags=[TAG], summary="事件类别")
class CategoryListView(ListAPIView):
    permission_classes = [ActorRequired]
    serializer_class = CategorySerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return active_categories()

    def list(self, request, *args, **kwargs):
        # Read on every app start; `serializer_rows` gives the serializer's output without
        # building its fields for every request.
        return Response(serializer_rows(CategorySerializer, self.get_queryset()))


@extend_schema(
    tags=[TAG],
    summary="上报事件",
    request={
        "application/json": EventReportSerializer,
        "multipart/form-data": EventReportMultipartSerializer,
    },
    responses={
        201: EventReportResponseSerializer,
        200: OpenApiResponse(EventReportResponseSerializer, description="幂等键重复：返回已有事件"),
        400: OpenApiResponse(description="参数错误（按字段给出中文提示）"),
        403: OpenApiResponse(description="当前岗位不能上报"),
    },
    examples=[
        OpenApiExample(
            "网格员上报",
            request_only=True,
            value={
                "category": "0204",
                "description": "两户因排水沟堵塞发生争执",
                "lat": 25.0152,
                "lng": 102.7153,
                "address": "示范村三组",
                "urgency": "medium",
                "idempotency_key": "pwa-7f3a2c",
            },
        )
    ],
)
class EventReportView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = EventReportSerializer

    def post(self, request):
        body = EventReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        photos = request.FILES.getlist("photos")
        try:
            if photos:
                case, created = event_report_with_photos(
                    actor=request.actor, photos=photos, **body.validated_data
                )
            else:
                case, created = event_report(actor=request.actor, **body.validated_data)
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        data = {
            "number": case.number,
            "state": case.state,
            "holder": case.holder_code,
            "outside_grid": case.event.outside_grid,
            "created": created,
        }
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
