"""People API: search, one person, register, correct, reveal. Thin over selectors/services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.registry.api.common import TAG, error_response
from pingan.registry.api.serializers import (
    CardOpenSerializer,
    CardSerializer,
    PersonCreateSerializer,
    PersonDetailSerializer,
    PersonListItemSerializer,
    PersonRevealResponseSerializer,
    PersonUpdateSerializer,
    RevealSerializer,
    SearchSerializer,
)
from pingan.registry.moves.selectors import person_move_flags
from pingan.registry.present import (
    card_data,
    labels_for_display,
    person_detail_data,
    person_list_item,
)
from pingan.registry.reveal import person_reveal
from pingan.registry.selectors import access_person, person_detail, search_people
from pingan.registry.services import ConflictError, card_open, person_create, person_update
from pingan.registry.services.submissions import person_create_idempotent

ERRORS = {
    400: OpenApiResponse(description="参数错误（按字段给出中文提示）"),
    403: OpenApiResponse(description="当前岗位无权操作"),
    404: OpenApiResponse(description="不存在或不在数据范围内（两者不作区分）"),
}


def _detail(request, person_id, status_code=status.HTTP_200_OK) -> Response:
    person = person_detail(request.actor, person_id)
    data = person_detail_data(request.actor, person, labels_for_display())
    data.update(person_move_flags(request.actor, person))
    return Response(data, status=status_code)


@extend_schema(tags=[TAG])
class PeopleView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = PersonCreateSerializer
    filter_backends: list = []

    @extend_schema(
        summary="人员搜索（脱敏）",
        parameters=[SearchSerializer],
        responses={200: PersonListItemSerializer(many=True), 400: ERRORS[400]},
        description=(
            "按岗位数据范围过滤。q：姓名汉字（包含）、全拼或首字母（前缀）、完整身份证号、"
            "身份证后4位或后6位、手机号或固定电话、地址（包含）；空格分隔的多个词须同时匹配。"
            "身份证号与电话脱敏显示；职能部门只看到闸门开放的人员与字段。"
        ),
    )
    def get(self, request):
        params = SearchSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            people = search_people(request.actor, params.validated_data.get("q", ""))
            page = self.paginate_queryset(people)
        except ValidationError as exc:
            return error_response(exc)
        labels = labels_for_display()
        rows = [person_list_item(request.actor, p, labels) for p in page]
        return self.get_paginated_response(rows)

    @extend_schema(
        summary="登记人员",
        request=PersonCreateSerializer,
        responses={201: PersonDetailSerializer, **ERRORS},
        description="身份证号按 GB 11643 校验并转为18位；性别、出生日期由号码推出。"
        "号码已登记时返回字段错误，若该人员在您的数据范围内，同时返回 existing。"
        "带 idempotency_key 时同一用户同一键只登记一次：重发返回 200 与首次登记的人员。",
        examples=[
            OpenApiExample(
                "网格员登记",
                request_only=True,
                value={
                    "name": "张三",
                    "id_number": "11010519491231002X",
                    "region_code": "990101001001001",
                    "phone": "13812345678",
                    "address": "示范村三组12号",
                    "ethnicity": "01",
                },
            )
        ],
    )
    def post(self, request):
        body = PersonCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        key = fields.pop("idempotency_key", "")
        created = True
        try:
            if key:
                person, created = person_create_idempotent(
                    actor=request.actor, idempotency_key=key, **fields
                )
            else:
                person = person_create(actor=request.actor, **fields)
        except ValidationError as exc:
            return error_response(exc)
        return _detail(request, person.pk, status.HTTP_201_CREATED if created else 200)


@extend_schema(tags=[TAG])
class PersonDetailView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = PersonUpdateSerializer

    @extend_schema(
        summary="人员详情（脱敏，含可见的类型卡）",
        responses={200: PersonDetailSerializer, 404: ERRORS[404]},
    )
    def get(self, request, person_id: int):
        return _detail(request, person_id)

    @extend_schema(
        summary="更正人员基础信息",
        request=PersonUpdateSerializer,
        responses={
            200: PersonDetailSerializer,
            409: OpenApiResponse(description="版本冲突：已被他人修改"),
            **ERRORS,
        },
        description="只提交要改的字段和读取时的 version。所属网格不能在此修改（迁移另行办理）。",
    )
    def patch(self, request, person_id: int):
        body = PersonUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        version = changes.pop("version")
        person = access_person(request.actor, person_id)
        try:
            person_update(actor=request.actor, person=person, version=version, changes=changes)
        except (ValidationError, ConflictError) as exc:
            return error_response(exc)
        return _detail(request, person.pk)


@extend_schema(tags=[TAG])
class PersonRevealView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = RevealSerializer

    @extend_schema(
        summary="查看完整身份证号/电话（留痕）",
        request=RevealSerializer,
        responses={200: PersonRevealResponseSerializer, **ERRORS},
        description="fields 取 id_number、phone；须填写原因。每个字段写一条审计记录，"
        "拒绝也记录。领导、审计员与系统/安全管理员不能查看；职能部门只能查看闸门开放的字段。",
        examples=[
            OpenApiExample(
                "核实身份",
                request_only=True,
                value={"fields": ["id_number", "phone"], "reason": "入户核实身份"},
            )
        ],
    )
    def post(self, request, person_id: int):
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = access_person(request.actor, person_id)
        try:
            values = person_reveal(
                actor=request.actor,
                person=person,
                fields=body.validated_data.get("fields") or [],
                reason=body.validated_data["reason"],
            )
        except ValidationError as exc:
            return error_response(exc)
        return Response(values)


@extend_schema(tags=[TAG])
class PersonCardsView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = CardOpenSerializer

    @extend_schema(
        summary="为人员新增类型卡（列管）",
        request=CardOpenSerializer,
        responses={201: CardSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "严重精神障碍患者",
                request_only=True,
                value={
                    "kind": "mental_disorder",
                    "risk_level": 1,
                    "attention": "02",
                    "attributes": {"diagnosis": "01", "guardian_name": "李四"},
                },
            )
        ],
    )
    def post(self, request, person_id: int):
        body = CardOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = access_person(request.actor, person_id)
        try:
            card = card_open(actor=request.actor, person=person, **body.validated_data)
        except ValidationError as exc:
            return error_response(exc)
        data = card_data(request.actor, card, labels_for_display())
        return Response(data, status=status.HTTP_201_CREATED)
