"""API shapes of regions and of the point → grid lookup."""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pingan.regions.models import RegionLevel


class RegionChildSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=RegionLevel.choices)


class RegionListItemSerializer(RegionChildSerializer):
    parent = serializers.CharField(allow_null=True)
    centroid = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True
    )
    grid_count = serializers.IntegerField()


class RegionDetailSerializer(RegionListItemSerializer):
    geometry = serializers.JSONField(
        allow_null=True, help_text="GeoJSON Polygon/MultiPolygon, WGS84"
    )
    children = RegionChildSerializer(many=True)


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class GridLookupResultSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    lng = serializers.FloatField(help_text="WGS84 longitude actually looked up")
    lat = serializers.FloatField(help_text="WGS84 latitude actually looked up")
    code = serializers.CharField(allow_null=True, help_text="finest region: micro-grid or grid")
    grid = RegionRefSerializer(allow_null=True)
    microgrid = RegionRefSerializer(allow_null=True)
    village = RegionRefSerializer(allow_null=True)
    town = RegionRefSerializer(allow_null=True)
    county = RegionRefSerializer(allow_null=True)
    message = serializers.CharField(help_text="“该位置不在任何网格内” when found is false")


class _Coordinate(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):  # "nan" parses as a float and slips past min/max
            self.fail("invalid")
        return value


class GridLookupQuerySerializer(serializers.Serializer):
    lat = _Coordinate(
        min_value=-90,
        max_value=90,
        help_text="纬度",
        error_messages={
            "required": _("请提供纬度 lat。"),
            "null": _("请提供纬度 lat。"),
            "invalid": _("纬度 lat 必须是数字。"),
            "min_value": _("纬度 lat 必须在 -90 到 90 之间。"),
            "max_value": _("纬度 lat 必须在 -90 到 90 之间。"),
            "max_string_length": _("纬度 lat 必须是数字。"),
        },
    )
    lng = _Coordinate(
        min_value=-180,
        max_value=180,
        help_text="经度",
        error_messages={
            "required": _("请提供经度 lng。"),
            "null": _("请提供经度 lng。"),
            "invalid": _("经度 lng 必须是数字。"),
            "min_value": _("经度 lng 必须在 -180 到 180 之间。"),
            "max_value": _("经度 lng 必须在 -180 到 180 之间。"),
            "max_string_length": _("经度 lng 必须是数字。"),
        },
    )
    crs = serializers.ChoiceField(
        choices=[("wgs84", "WGS84 (GPS)"), ("gcj02", "GCJ-02 (高德/腾讯等国内地图)")],
        default="wgs84",
        help_text="坐标系：wgs84（默认）或 gcj02",
        error_messages={"invalid_choice": _("坐标系 crs 只能是 wgs84 或 gcj02。")},
    )


class RegionListQuerySerializer(serializers.Serializer):
    parent = serializers.RegexField(
        r"^[0-9]{2,18}$",
        required=False,
        help_text="上级区划编码；不填则列出顶层（省级）区划",
        error_messages={"invalid": _("上级编码 parent 只能是 2–18 位数字。")},
    )
