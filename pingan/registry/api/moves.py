"""Person moves API: start a hand-over, list moves, list 漏管 people. Thin over the moves
services and selectors; accepting, returning, transferring and withdrawing a move go through
the cases API (`POST /api/v1/cases/{number}/actions/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.registry.api.common import TAG, error_response
from pingan.registry.api.serializers import PersonSerializer
from pingan.registry.models import MoveStatus
from pingan.registry.moves.selectors import (
    REASONS,
    move_data,
    move_list,
    move_names,
    people_unmanaged,
    unmanaged_reasons,
)
from pingan.registry.moves.services import MoveOpenError, person_move_request
from pingan.registry.present import labels_for_display, person_base
from pingan.registry.selectors import access_person

ERRORS = {
    400: OpenApiResponse(description="参数错误（按字段给出中文提示）"),
    403: OpenApiResponse(description="当前岗位不能办理迁移（领导只读、职能部门、三员）"),
    404: OpenApiResponse(description="人员不存在或不在数据范围内（两者不作区分）"),
}


class MoveRequestSerializer(serializers.Serializer):
    """Blank values reach the service, which words the error messages."""

    to_region = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        help_text="迁入的村（社区）或网格编码（本系统内，可跨乡镇、跨县）；迁出本系统时可填迁往地区划编码",
    )
    reason = serializers.CharField(max_length=500, allow_blank=True, help_text="迁移原因（必填）")
    moved_on = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text="迁移日期 YYYY-MM-DD，默认今天"
    )
    to_address = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="迁入地址（未选房屋时必填）；迁出本系统时为迁往地址（必填）",
    )
    to_house_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="可选：迁入网格内您能看到的房屋",
    )
    move_out = serializers.BooleanField(
        required=False, default=False, help_text="true：迁出本系统（注销全部在册类型卡，无需接收）"
    )


class MoveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text="迁移案件编号 QY…；迁出本系统为空")
    status = serializers.ChoiceField(choices=MoveStatus.choices)
    status_label = serializers.CharField()
    person_id = serializers.IntegerField()
    person_name = serializers.CharField(required=False)
    from_region = serializers.CharField()
    from_region_name = serializers.CharField()
    to_region = serializers.CharField()
    to_region_name = serializers.CharField()
    receiver = serializers.CharField(help_text="接收单位编码")
    receiver_name = serializers.CharField()
    to_address = serializers.CharField()
    to_house_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    moved_on = serializers.DateField()
    requested_unit = serializers.CharField()
    requested_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="接收时限")
    overdue = serializers.BooleanField(help_text="待接收且已超过接收时限（漏管）")
    decided_unit = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField(help_text="退回或撤回原因")
    cards_moved = serializers.IntegerField(help_text="接收时随迁、迁出时注销的类型卡数")


class MoveCreatedSerializer(serializers.Serializer):
    number = serializers.CharField(allow_null=True)
    move = MoveSerializer()


class MoveFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=MoveStatus.choices, required=False, help_text="pending 待接收 等"
    )
    direction = serializers.ChoiceField(
        choices=[("in", "迁入本辖区"), ("out", "迁出本辖区")], required=False
    )
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="true：只看超过接收时限仍未接收的（漏管）"
    )


class UnmanagedPersonSerializer(PersonSerializer):
    unmanaged_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=list(REASONS.items())),
        help_text="move_overdue 迁移超期未接收；region_missing 所属网格已不存在；"
        "no_worker 所属网格无网格员",
    )
    unmanaged_labels = serializers.ListField(child=serializers.CharField())


@extend_schema(tags=[TAG])
class PersonMoveView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = MoveRequestSerializer

    @extend_schema(
        summary="发起人员迁移（交接）",
        request=MoveRequestSerializer,
        responses={
            201: MoveCreatedSerializer,
            409: OpenApiResponse(description="该人员已有待接收的迁移（返回其编号 number）"),
            **ERRORS,
        },
        description="迁往本系统内其他网格、村（社区）、乡镇或县：生成迁移案件（编号 QY…），"
        "由接收单位在案件待办中“接收”或“退回”（POST /api/v1/cases/{number}/actions/，"
        "action=accept / return（须填 note）/ transfer（unit，须填 note）；"
        "发起单位可 close 撤回）。"
        "接收前人员仍属原网格、由原网格负责；接收时人员、房屋、地址和全部类型卡一并转入。"
        "move_out=true 为迁出本系统：立即注销全部在册类型卡，不生成案件。",
        examples=[
            OpenApiExample(
                "迁往邻村网格",
                request_only=True,
                value={
                    "to_region": "990101001002001",
                    "reason": "购房迁居",
                    "to_address": "示范社区二组8号",
                    "moved_on": "2026-11-18",
                },
            ),
            OpenApiExample(
                "迁出本系统",
                request_only=True,
                value={"move_out": True, "reason": "外出务工定居", "to_address": "某省某市某区"},
            ),
        ],
    )
    def post(self, request, person_id: int):
        body = MoveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = access_person(request.actor, person_id)
        try:
            move = person_move_request(actor=request.actor, person=person, **body.validated_data)
        except MoveOpenError as exc:
            data = {"detail": str(exc), "number": exc.number}
            return Response(data, status=status.HTTP_409_CONFLICT)
        except ValidationError as exc:
            return error_response(exc)
        data = move_data(move, move_names([move]))
        return Response({"number": data["number"], "move": data}, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class MovesView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = MoveSerializer
    filter_backends: list = []

    @extend_schema(
        summary="人员迁移列表",
        parameters=[MoveFilterSerializer],
        responses={200: MoveSerializer(many=True)},
        description="迁出或迁入本辖区的迁移，最新在前。direction=in 迁入、out 迁出；"
        "overdue=true 只看超过接收时限仍未接收的。职能部门和三员看不到迁移。",
    )
    def get(self, request):
        params = MoveFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        moves = move_list(
            request.actor,
            status=filters.get("status", ""),
            direction=filters.get("direction", ""),
            overdue=filters["overdue"],
        )
        page = self.paginate_queryset(moves)
        names = move_names(page)
        rows = [{**move_data(m, names), "person_name": m.person.name} for m in page]
        return self.get_paginated_response(rows)


@extend_schema(tags=[TAG])
class UnmanagedPeopleView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = UnmanagedPersonSerializer
    filter_backends: list = []

    @extend_schema(
        summary="漏管人员",
        responses={200: UnmanagedPersonSerializer(many=True)},
        description="本辖区内无人负责的人员：迁移超过接收时限仍未接收、所属网格已不存在、"
        "或所属网格没有在岗网格员（村/社区一级的人员：没有村/社区工作人员）。"
        "已迁出本系统且无在册类型卡的人员不计入。身份证号和电话脱敏。",
    )
    def get(self, request):
        page = self.paginate_queryset(people_unmanaged(request.actor))
        labels = labels_for_display()
        rows = []
        for person in page:
            reasons = unmanaged_reasons(person)
            rows.append(
                {
                    **person_base(request.actor, person, labels),
                    "unmanaged_reasons": reasons,
                    "unmanaged_labels": [str(REASONS[r]) for r in reasons],
                }
            )
        return self.get_paginated_response(rows)
