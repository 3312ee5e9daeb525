"""Duplicate hints and merging: `GET …/duplicates/`, `POST …/merge/`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.events.duplicates import case_merge, duplicate_candidates
from pingan.flow.api.views import case_detail_response
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case
from pingan.flow.selectors import access_case, visible_cases

TAG = "案件"


class DuplicateSerializer(serializers.Serializer):
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    state = serializers.CharField(source="case.state")
    region_code = serializers.CharField(source="case.region_code")
    holder = serializers.CharField(source="case.holder_code")
    created_at = serializers.DateTimeField(source="case.created_at")
    description = serializers.CharField(source="case.event.description")
    score = serializers.FloatField(help_text="文本相似度（分词 Jaccard，0–1）")


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(max_length=40, allow_blank=True, help_text="主事件编号")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="看到的案件版本（可选）")


@extend_schema(
    tags=[TAG],
    summary="疑似重复事件（同网格或相邻网格、7 日内、文本相似）",
    responses={200: DuplicateSerializer(many=True), 404: OpenApiResponse(description="不可见")},
)
class DuplicatesView(GenericAPIView):
    # Only for the schema: the `number` path parameter is Case.number.
    queryset = Case.objects.none()
    permission_classes = [ActorRequired]
    serializer_class = DuplicateSerializer
    pagination_class = None

    def get(self, request, number: str):
        case = access_case(request.actor, number)
        rows = duplicate_candidates(request.actor, case)
        return Response(DuplicateSerializer(rows, many=True).data)


@extend_schema(
    tags=[TAG],
    summary="合并重复事件到主事件",
    request=MergeSerializer,
    responses={
        200: OpenApiResponse(description="被合并事件的详情（已结案，merged_into 为主事件）"),
        400: OpenApiResponse(description="目标事件不正确"),
        404: OpenApiResponse(description="不可见"),
        409: OpenApiResponse(description="当前状态或岗位不能合并"),
    },
)
class MergeView(GenericAPIView):
    # Only for the schema: the `number` path parameter is Case.number.
    queryset = Case.objects.none()
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = MergeSerializer

    def post(self, request, number: str):
        case = access_case(request.actor, number)
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data.get("version") is not None:
            case.version = data["version"]
        into = visible_cases(request.actor).filter(number=data["into"]).first()
        if into is None:
            return Response(
                {"into": ["目标事件不存在或不在数据范围内。"]}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            case_merge(actor=request.actor, case=case, into=into, note=data.get("note", ""))
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        except ActionNotAllowed as exc:
            return Response(
                {"detail": exc.message, "allowed_actions": exc.allowed_actions},
                status=status.HTTP_409_CONFLICT,
            )
        return case_detail_response(request, Case.objects.get(pk=case.pk))
