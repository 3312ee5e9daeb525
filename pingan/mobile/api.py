"""JSON for the grid worker app (`/api/v1/mobile/…`): the offline snapshot of the user's
grids, one person live, and the mini-map. Thin over `pingan.mobile.registry`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired
from pingan.audit.services import audit_log
from pingan.mobile import registry

TAG = "网格员手机端"


class _Any(serializers.Serializer):
    """Schema placeholder: the shapes are documented in the descriptions."""


@extend_schema(tags=[TAG])
class SnapshotView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = _Any
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="我的人员/房屋离线数据（脱敏）",
        responses={200: OpenApiResponse(description="grids、people、houses、kinds、visit_methods")},
        description=(
            "当前用户全部网格员岗位的网格内人员（含在册类型卡与下次走访日期）和房屋（含住户编号）。"
            "身份证号、电话脱敏，房屋坐标保留两位小数，不含类型信息与走访情况，供手机离线保存。"
            "每次下载写一条审计记录；响应不允许缓存（手机端自行保存在 IndexedDB）。"
        ),
    )
    def get(self, request):
        data = registry.snapshot(request.actor)
        audit_log(
            actor=request.actor,
            action="registry.offline_snapshot",
            object_type="registry",
            ip=request.actor.ip,
            detail={
                "grids": [g["code"] for g in data["grids"]],
                "people": len(data["people"]),
                "houses": len(data["houses"]),
            },
        )
        response = Response(data)
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema(tags=[TAG])
class PersonView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = _Any
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="我的网格内一名人员（脱敏，含最近走访）",
        responses={
            200: OpenApiResponse(description="同离线数据中的人员，另含每张卡最近的走访"),
            404: OpenApiResponse(description="不存在或不在本人网格内"),
        },
    )
    def get(self, request, person_id: int):
        return Response(registry.person_detail(request.actor, person_id))


@extend_schema(tags=[TAG])
class MapView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = _Any
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="我的网格小地图（GeoJSON）",
        responses={
            200: OpenApiResponse(description="网格多边形（kind=grid）与未办结事件点（kind=event）")
        },
    )
    def get(self, request):
        response = Response(registry.map_data(request.actor), content_type="application/geo+json")
        response["Cache-Control"] = "private"
        return response
