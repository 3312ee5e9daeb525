"""Cards, visits, overdue lists and houses API. Thin over selectors/services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.models import User
from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.regions.models import Region
from pingan.registry.api.common import TAG, error_response
from pingan.registry.api.people import ERRORS
from pingan.registry.api.serializers import (
    CardCloseSerializer,
    CardRevealResponseSerializer,
    CardSerializer,
    CardUpdateSerializer,
    HouseCreateSerializer,
    HouseSerializer,
    OverdueCountSerializer,
    RevealSerializer,
    VisitCreateSerializer,
    VisitSerializer,
)
from pingan.registry.models import Visit
from pingan.registry.present import card_data, house_data, labels_for_display, visit_data
from pingan.registry.reveal import card_reveal, house_reveal
from pingan.registry.selectors import (
    OVERDUE_LEVELS,
    access_card,
    access_house,
    card_visits,
    house_list,
    overdue_cards,
    overdue_counts,
)
from pingan.registry.services import (
    ConflictError,
    card_close,
    card_update,
    house_create,
    visit_record,
)
from pingan.registry.services.submissions import visit_record_idempotent


def _card(request, card, status_code=status.HTTP_200_OK) -> Response:
    return Response(card_data(request.actor, card, labels_for_display()), status=status_code)


@extend_schema(tags=[TAG])
class CardDetailView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = CardUpdateSerializer

    @extend_schema(summary="类型卡详情", responses={200: CardSerializer, 404: ERRORS[404]})
    def get(self, request, card_id: int):
        return _card(request, access_card(request.actor, card_id))

    @extend_schema(
        summary="修改类型卡",
        request=CardUpdateSerializer,
        responses={200: CardSerializer, 409: OpenApiResponse(description="版本冲突"), **ERRORS},
        description="attributes 为完整的类型信息（整体替换）。风险等级随走访评估变更。",
    )
    def patch(self, request, card_id: int):
        body = CardUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = access_card(request.actor, card_id)
        try:
            card = card_update(actor=request.actor, card=card, **body.validated_data)
        except (ValidationError, ConflictError) as exc:
            return error_response(exc)
        return _card(request, card)


@extend_schema(tags=[TAG])
class CardCloseView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = CardCloseSerializer

    @extend_schema(summary="注销类型卡", responses={200: CardSerializer, **ERRORS})
    def post(self, request, card_id: int):
        body = CardCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = access_card(request.actor, card_id)
        try:
            card = card_close(actor=request.actor, card=card, **body.validated_data)
        except ValidationError as exc:
            return error_response(exc)
        return _card(request, card)


@extend_schema(tags=[TAG])
class CardRevealView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = RevealSerializer

    @extend_schema(
        summary="查看类型卡完整信息（留痕）",
        request=RevealSerializer,
        responses={200: CardRevealResponseSerializer, **ERRORS},
        description="fields 省略时为可查看的全部字段。每个字段写一条审计记录。"
        "职能部门只能查看闸门开放的字段；领导与审计员不能查看。",
    )
    def post(self, request, card_id: int):
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = access_card(request.actor, card_id)
        try:
            rows = card_reveal(
                actor=request.actor,
                card=card,
                fields=body.validated_data.get("fields"),
                reason=body.validated_data["reason"],
                labels=labels_for_display(),
            )
        except ValidationError as exc:
            return error_response(exc)
        return Response({"attributes": rows})


@extend_schema(tags=[TAG])
class CardVisitsView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    queryset = Visit.objects.none()  # for the schema only; reads go through selectors
    serializer_class = VisitCreateSerializer

    @extend_schema(summary="走访记录", responses={200: VisitSerializer(many=True), **ERRORS})
    def get(self, request, card_id: int):
        card = access_card(request.actor, card_id)
        page = self.paginate_queryset(card_visits(request.actor, card))
        labels = labels_for_display()
        return self.get_paginated_response([visit_data(request.actor, v, labels) for v in page])

    @extend_schema(
        summary="登记走访",
        request=VisitCreateSerializer,
        responses={201: VisitSerializer, **ERRORS},
        description="有风险等级的类型须填写本次评估的 risk_level；下次走访日期按走访规则重新计算。"
        "带 idempotency_key 时同一用户同一键只记一次：重发返回 200 与首次的记录。"
        "走访照片在记录建立后上传：POST /api/v1/visits/{id}/photos/。",
    )
    def post(self, request, card_id: int):
        body = VisitCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = access_card(request.actor, card_id)
        fields = dict(body.validated_data)
        key = fields.pop("idempotency_key", "")
        created = True
        try:
            if key:
                visit, created = visit_record_idempotent(
                    actor=request.actor, card=card, idempotency_key=key, **fields
                )
            else:
                visit = visit_record(actor=request.actor, card=card, **fields)
        except ValidationError as exc:
            return error_response(exc)
        data = visit_data(request.actor, visit, labels_for_display())
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OverdueFilterSerializer(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=18, help_text="区划编码前缀")
    kind = serializers.CharField(required=False, max_length=32)


@extend_schema(tags=[TAG])
class OverdueCardsView(GenericAPIView):
    permission_classes = [ActorRequired]
    filter_backends: list = []

    @extend_schema(
        summary="逾期未走访",
        parameters=[OverdueFilterSerializer],
        responses={200: CardSerializer(many=True)},
    )
    def get(self, request):
        params = OverdueFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cards = overdue_cards(request.actor)
        if "region" in params.validated_data:
            cards = cards.filter(region_code__startswith=params.validated_data["region"])
        if "kind" in params.validated_data:
            cards = cards.filter(kind=params.validated_data["kind"])
        page = self.paginate_queryset(cards)
        labels = labels_for_display()
        return self.get_paginated_response([card_data(request.actor, c, labels) for c in page])


@extend_schema(tags=[TAG])
class OverdueCountsView(GenericAPIView):
    permission_classes = [ActorRequired]
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="逾期未走访统计",
        parameters=[
            OpenApiParameter(
                "by",
                str,
                enum=[*OVERDUE_LEVELS, "responsible"],
                description="按网格、村、乡镇或责任人统计",
            )
        ],
        responses={200: OverdueCountSerializer(many=True), 400: ERRORS[400]},
    )
    def get(self, request):
        by = request.query_params.get("by", "grid")
        if by not in (*OVERDUE_LEVELS, "responsible"):
            return Response({"by": ["应为 grid、village、town 或 responsible。"]}, status=400)
        rows = overdue_counts(request.actor, by)
        keys = [r["key"] for r in rows if r["key"] is not None]
        if by == "responsible":
            names = {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
        else:
            names = dict(Region.objects.filter(code__in=keys).values_list("code", "name"))
        return Response(
            [
                {
                    "key": "" if r["key"] is None else str(r["key"]),
                    "name": names.get(r["key"], ""),
                    "count": r["count"],
                }
                for r in rows
            ]
        )


@extend_schema(tags=[TAG])
class HousesView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = HouseCreateSerializer
    filter_backends: list = []

    @extend_schema(
        summary="房屋列表",
        parameters=[OpenApiParameter("address", str, description="地址包含")],
        responses={200: HouseSerializer(many=True)},
    )
    def get(self, request):
        houses = house_list(request.actor, request.query_params.get("address", "")[:100])
        page = self.paginate_queryset(houses)
        return self.get_paginated_response([house_data(h, h.occupant_count) for h in page])

    @extend_schema(
        summary="登记房屋",
        request=HouseCreateSerializer,
        responses={201: HouseSerializer, **ERRORS},
        description="未填 region_code 时按经纬度自动落入网格。",
    )
    def post(self, request):
        body = HouseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            house = house_create(actor=request.actor, **body.validated_data)
        except ValidationError as exc:
            return error_response(exc)
        return Response(house_data(house, 0), status=status.HTTP_201_CREATED)


class HouseRevealResponseSerializer(serializers.Serializer):
    lng = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)


@extend_schema(tags=[TAG])
class HouseRevealView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = RevealSerializer

    @extend_schema(
        summary="查看房屋精确坐标（留痕）",
        request=RevealSerializer,
        responses={200: HouseRevealResponseSerializer, **ERRORS},
    )
    def post(self, request, house_id: int):
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        house = access_house(request.actor, house_id)
        try:
            values = house_reveal(
                actor=request.actor, house=house, reason=body.validated_data["reason"]
            )
        except ValidationError as exc:
            return error_response(exc)
        return Response(values)
