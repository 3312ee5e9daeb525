"""In-app messages over the API (`/api/v1/notifications/`): the caller's own, never anyone
else's. Any signed-in user (a position is not needed: messages belong to the person)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from pingan.accounts.scope import actor_for_request
from pingan.core.http import BIGINT_MAX
from pingan.notify import selectors
from pingan.notify.models import Notification
from pingan.notify.services import notification_mark_read

TAG = "消息通知"
MAX_IDS = 500


class NotificationSerializer(serializers.ModelSerializer):
    topic_label = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "topic",
            "topic_label",
            "subject",
            "body",
            "link",
            "case_number",
            "created_at",
            "read_at",
            "unread",
        ]

    def get_topic_label(self, note: Notification) -> str:
        return selectors.topic_label(note.topic)

    def get_link(self, note: Notification) -> str:
        return selectors.message_link(note)

    def get_unread(self, note: Notification) -> bool:
        return note.read_at is None


class UnreadFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        max_length=MAX_IDS,
        help_text="要标为已读的消息编号（只处理本人的站内消息）",
    )
    all = serializers.BooleanField(required=False, default=False, help_text="本人全部未读")

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": ["请提供消息编号 ids，或设置 all 为 true。"]})
        if attrs.get("all") and attrs.get("ids"):
            raise serializers.ValidationError({"all": ["ids 与 all 只能二选一。"]})
        return attrs


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读条数")


@extend_schema(
    tags=[TAG],
    summary="我的站内消息",
    parameters=[
        OpenApiParameter("unread", bool, description="为 1/true 时只列未读消息"),
    ],
    description="当前登录用户的站内消息，未读在前、新的在前，分页（limit/offset）。",
)
class NotificationListView(ListAPIView):
    serializer_class = NotificationSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        params = UnreadFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.inbox(self.request.user, unread_only=params.validated_data["unread"])


@extend_schema(
    tags=[TAG],
    summary="标为已读",
    request=MarkReadSerializer,
    responses={
        200: MarkReadResultSerializer,
        400: OpenApiResponse(description="参数错误（按字段给出中文提示）"),
    },
    description=(
        "ids：本人的站内消息编号（他人的或不存在的编号忽略，不计入 marked）；"
        "all: true：本人全部未读消息。"
    ),
)
class NotificationReadView(GenericAPIView):
    serializer_class = MarkReadSerializer
    filter_backends: list = []
    pagination_class = None

    def post(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        marked = notification_mark_read(actor=actor_for_request(request), ids=ids)
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})
