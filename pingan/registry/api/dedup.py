"""Duplicate people API: candidate pairs and the merge. Thin over `pingan.registry.dedup`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.registry.api.common import TAG, error_response
from pingan.registry.api.serializers import PersonSerializer
from pingan.registry.dedup.merge import person_merge
from pingan.registry.dedup.present import pairs_data
from pingan.registry.dedup.selectors import duplicate_candidates, load_pairs
from pingan.registry.services import ConflictError


class _CardKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    status = serializers.CharField(help_text="active 在册 / closed 已注销")


class _PairPersonSerializer(PersonSerializer):
    cards = _CardKindSerializer(many=True)


class _ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class DuplicatePairSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="0–100，越高越可能是同一人；60 起列出")
    reasons = _ReasonSerializer(many=True)
    left = _PairPersonSerializer(help_text="编号较小（通常登记较早）的一方，脱敏")
    right = _PairPersonSerializer(help_text="编号较大的一方，脱敏")


class DuplicateMergeSerializer(serializers.Serializer):
    """Shape only: blank or malformed values reach the service, which words the errors."""

    keep = serializers.CharField(max_length=40, allow_blank=True, help_text="保留的人员编号")
    merge = serializers.CharField(
        max_length=40, allow_blank=True, help_text="并入（合并后删除）的人员编号"
    )
    keep_version = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="可选：读取时保留方的版本号"
    )
    merge_version = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="可选：读取时并入方的版本号"
    )


class DuplicateMergeResultSerializer(serializers.Serializer):
    merge_id = serializers.IntegerField(help_text="合并记录编号")
    kept = serializers.IntegerField(help_text="保留的人员编号")
    merged = serializers.IntegerField(help_text="已删除的人员编号")
    moved = serializers.JSONField(
        help_text="cards（id、kind、status，closed_into 为并入的同类卡，visits 为转入的走访数）、"
        "filled（补全的字段）、其他改指向保留人员的记录（如 registry.house.owner）"
    )


@extend_schema(tags=[TAG])
class DuplicatesView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = DuplicatePairSerializer

    @extend_schema(
        summary="疑似重复人员",
        parameters=[
            OpenApiParameter(
                "region", str, description="可选：只在辖区内这一区划（乡镇、村、网格）中查找"
            )
        ],
        responses={
            200: DuplicatePairSerializer(many=True),
            400: OpenApiResponse(description="region 无效或不在辖区内"),
            403: OpenApiResponse(description="当前岗位不能查找重复人员（职能部门、只读岗位等）"),
        },
        description="在本岗位辖区的人员中查找疑似重复登记（同一人录入两次、姓名或身份证号有误）："
        "同出生日期且姓名同音/拼音相近/仅一字不同，或出生日期仅一位数字不同、联系电话相同，"
        "再按身份证后四位、电话、住址加分。按得分从高到低分页；身份证号、电话脱敏。",
    )
    def get(self, request):
        try:
            result = duplicate_candidates(request.actor, request.query_params.get("region", ""))
        except ValidationError as exc:
            return error_response(exc)
        page = self.paginate_queryset(result.candidates)
        rows = pairs_data(request.actor, load_pairs(request.actor, page))
        return self.get_paginated_response(rows)


@extend_schema(tags=[TAG])
class DuplicateMergeView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = DuplicateMergeSerializer

    @extend_schema(
        summary="合并重复人员",
        request=DuplicateMergeSerializer,
        responses={
            200: DuplicateMergeResultSerializer,
            400: OpenApiResponse(description="参数错误（keep、merge 等字段的中文提示）"),
            403: OpenApiResponse(description="只读岗位、职能部门不能合并"),
            404: OpenApiResponse(description="人员不存在或不在数据范围内（两者不作区分）"),
            409: OpenApiResponse(description="人员信息已被他人修改"),
        },
        description="把 merge 并入 keep：类型卡、走访记录、房屋等全部转到保留人员；两人都有同类"
        "在册卡时，重复的卡注销（原因“合并”）并把走访记录转入保留的卡；保留人员空缺的电话、"
        "住址、民族、房屋用被并入人员的补全。被并入的人员记录删除，留有脱敏快照和审计记录。",
        examples=[OpenApiExample("合并", request_only=True, value={"keep": 12, "merge": 345})],
    )
    def post(self, request):
        body = DuplicateMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record = person_merge(actor=request.actor, **body.validated_data)
        except (ValidationError, ConflictError) as exc:
            return error_response(exc)
        return Response(
            {
                "merge_id": record.pk,
                "kept": record.kept_id,
                "merged": record.merged_person_id,
                "moved": record.moved,
            }
        )
