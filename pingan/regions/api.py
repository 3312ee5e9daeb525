"""REST API for the region tree and the point → grid lookup (any signed-in user)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from pingan.regions import selectors
from pingan.regions.lookup import lookup_point
from pingan.regions.models import Region
from pingan.regions.serializers import (
    GridLookupQuerySerializer,
    GridLookupResultSerializer,
    RegionDetailSerializer,
    RegionListItemSerializer,
    RegionListQuerySerializer,
)

NOT_FOUND = OpenApiResponse(description="区划编码不存在")
BAD_REQUEST = OpenApiResponse(description="参数错误：按字段给出中文说明")


def _centroid(region: Region) -> list[float] | None:
    if region.centroid_lng is None or region.centroid_lat is None:
        return None
    return [region.centroid_lng, region.centroid_lat]


class RegionListView(GenericAPIView):
    """Children of a region (`?parent=CODE`), or the top-level regions, with grid counts."""

    serializer_class = RegionListItemSerializer
    queryset = Region.objects.none()  # for the schema generator; `get` selects the rows

    @extend_schema(
        summary="下级区划列表",
        parameters=[RegionListQuerySerializer],
        responses={200: RegionListItemSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=["regions"],
    )
    def get(self, request):
        query = RegionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        parent = query.validated_data.get("parent")
        if parent is not None:
            selectors.region_get(parent)  # 404 for an unknown parent
        children = selectors.region_children(parent).only(
            "code", "name", "level", "parent_id", "centroid_lng", "centroid_lat"
        )
        page = self.paginate_queryset(children)
        counts = selectors.grid_counts_by_child(parent or "")
        data = [
            {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "parent": r.parent_id,
                "centroid": _centroid(r),
                "grid_count": counts.get(r.code, 0),
            }
            for r in page
        ]
        return self.get_paginated_response(data)


class RegionDetailView(APIView):
    """One region or grid with its polygon and direct children."""

    @extend_schema(
        summary="区划/网格详情",
        responses={200: RegionDetailSerializer, 404: NOT_FOUND},
        tags=["regions"],
    )
    def get(self, request, code: str):
        region = selectors.region_get(code)
        children = selectors.region_children(region.code).values("code", "name", "level")
        return Response(
            {
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "parent": region.parent_id,
                "centroid": _centroid(region),
                "geometry": region.geometry,
                "children": list(children),
                "grid_count": selectors.grid_count(region.code),
            }
        )


class GridLookupView(APIView):
    """Which grid (micro-grid first), village, town and county a point lies in."""

    @extend_schema(
        summary="坐标查网格",
        parameters=[GridLookupQuerySerializer],
        responses={200: GridLookupResultSerializer, 400: BAD_REQUEST},
        tags=["regions"],
    )
    def get(self, request):
        query = GridLookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = lookup_point(data["lng"], data["lat"], crs=data["crs"])
        return Response(result.as_dict())
