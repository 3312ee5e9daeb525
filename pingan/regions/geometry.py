"""Region polygons: parsing GeoJSON/WKT, checking them, normalising them for storage.

Stored geometries are GeoJSON (RFC 7946) Polygon or MultiPolygon in WGS84 lon/lat, with
coordinates rounded to 7 decimals (≈ 1 cm) and exterior rings counter-clockwise. What is
validated is exactly what is stored: conversion and rounding happen before the checks.

Every problem raises `GeometryError` with a Chinese message for the import report.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import orjson
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from pingan.regions.coords import gcj02_to_wgs84_arrays

COORD_DECIMALS = 7
POLYGON_TYPES = ("Polygon", "MultiPolygon")
# Input coordinate systems. CGCS2000 differs from WGS84 by centimetres, far below what a grid
# boundary means, so it is accepted as is (documented in docs/user/regions.md).
CRS_CHOICES = ("wgs84", "gcj02", "cgcs2000")
# Metres per degree (WGS84 mean values) for approximate areas in messages and tolerances.
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LNG_EQUATOR = 111_320.0


class GeometryError(ValueError):
    """A geometry that cannot be stored; `message` is the Chinese explanation."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- parsing ---------------------------------------------------------------------------------


def _position(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise GeometryError(
            _("坐标点必须是 [经度, 纬度] 数组：%(value)s。") % {"value": _short(value)}
        )
    numbers = []
    for item in value[:2]:
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise GeometryError(_("坐标必须是有限的数字：%(value)s。") % {"value": _short(value)})
        numbers.append(float(item))
    return numbers[0], numbers[1]


def _ring(value: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise GeometryError(_("%(where)s必须是坐标点数组。") % {"where": where})
    points = [_position(p) for p in value]
    if len(points) < 4:
        raise GeometryError(
            _("%(where)s只有 %(n)d 个坐标点，闭合的环至少需要 4 个（首尾相同）。")
            % {"where": where, "n": len(points)}
        )
    if points[0] != points[-1]:
        raise GeometryError(
            _("%(where)s未闭合：首点 %(first)s 与末点 %(last)s 不同。")
            % {"where": where, "first": _pt(points[0]), "last": _pt(points[-1])}
        )
    return points


def _polygon_rings(value: Any, part: str) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list) or not value:
        raise GeometryError(_("%(part)s缺少坐标环。") % {"part": part})
    rings = []
    for i, ring in enumerate(value):
        where = (
            _("%(part)s外环") % {"part": part}
            if i == 0
            else _("%(part)s第 %(i)d 个内环")
            % {
                "part": part,
                "i": i,
            }
        )
        rings.append(_ring(ring, where))
    return rings


def parse_geojson(value: Any) -> BaseGeometry:
    """A GeoJSON geometry object (dict) → shapely geometry, checking structure and closure.

    Well-formed input is parsed by GEOS in C (a province file has millions of vertices);
    anything GEOS refuses or finds odd is re-read by the Python checker below, which names
    the problem precisely.
    """
    if isinstance(value, dict) and value.get("type") in POLYGON_TYPES:
        try:
            geom = shapely.from_geojson(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY))
        except (GEOSException, TypeError, orjson.JSONEncodeError):
            geom = None
        if (
            geom is not None
            and geom.geom_type == value["type"]
            and not geom.is_empty
            and int(shapely.get_num_coordinates(shapely.get_rings(geom)).min()) >= 4
        ):
            return geom
    return _parse_geojson_strictly(value)


def _parse_geojson_strictly(value: Any) -> BaseGeometry:
    if not isinstance(value, dict):
        raise GeometryError(_("geometry 必须是 GeoJSON 几何对象。"))
    kind = value.get("type")
    if kind not in POLYGON_TYPES:
        raise GeometryError(
            _("几何类型必须是 Polygon 或 MultiPolygon（当前为 %(kind)s）。")
            % {"kind": kind or _("空")}
        )
    coords = value.get("coordinates")
    if kind == "Polygon":
        rings = _polygon_rings(coords, "")
        return shapely.Polygon(rings[0], rings[1:])
    if not isinstance(coords, list) or not coords:
        raise GeometryError(_("MultiPolygon 没有任何多边形。"))
    parts = []
    for i, part in enumerate(coords, start=1):
        rings = _polygon_rings(part, _("第 %(i)d 个多边形的") % {"i": i})
        parts.append(shapely.Polygon(rings[0], rings[1:]))
    return shapely.MultiPolygon(parts)


def parse_wkt(text: str) -> BaseGeometry:
    """WKT text → shapely geometry (Polygon or MultiPolygon)."""
    try:
        geom = shapely.from_wkt(text.strip())
    except GEOSException as exc:
        raise GeometryError(_wkt_message(str(exc))) from exc
    if geom is None or geom.geom_type not in POLYGON_TYPES:
        kind = geom.geom_type if geom is not None else _("空")
        raise GeometryError(
            _("几何类型必须是 Polygon 或 MultiPolygon（当前为 %(kind)s）。") % {"kind": kind}
        )
    if geom.is_empty:
        raise GeometryError(_("几何为空。"))
    return geom


def _wkt_message(error: str) -> str:
    if re.search(r"closed linestring", error, re.I):
        return _("环未闭合：每个环的首点和末点必须相同。")
    found = re.search(r"LinearRing found (\d+)", error, re.I)
    if found:
        return _("环只有 %(n)s 个坐标点，闭合的环至少需要 4 个（首尾相同）。") % {
            "n": found.group(1)
        }
    if "end of stream" in error:
        return _("WKT 格式错误：括号不完整或文本被截断。")
    detail = error.split(":", 1)[-1].strip()
    return _("WKT 格式错误：%(detail)s") % {"detail": detail[:120]}


# --- normalising and checking ------------------------------------------------------------------


def check_ranges(geom: BaseGeometry) -> None:
    """Every vertex within WGS84 lon/lat ranges (catches projected or swapped coordinates)."""
    coords = shapely.get_coordinates(geom)
    bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if not bad.any():
        return
    lng, lat = coords[np.argmax(bad)]
    hint = ""
    if abs(lat) > 90 and abs(lng) <= 90:
        hint = _("（经纬度可能写反了：顺序应为 经度 纬度）")
    raise GeometryError(
        _("坐标 (%(lng)s, %(lat)s) 超出 WGS84 经纬度范围（经度 -180～180，纬度 -90～90）%(hint)s。")
        % {"lng": _num(lng), "lat": _num(lat), "hint": hint}
    )


def normalise(geom: BaseGeometry, crs: str = "wgs84") -> BaseGeometry:
    """Convert to WGS84, drop Z, round to 7 decimals and orient rings the RFC 7946 way."""
    if crs not in CRS_CHOICES:
        raise GeometryError(_("不支持的坐标系：%(crs)s。") % {"crs": crs})
    geom = shapely.force_2d(geom)
    if crs == "gcj02":
        geom = shapely.transform(geom, _gcj02_to_wgs84)
    geom = shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS))
    return shapely.orient_polygons(geom, exterior_cw=False)


def _gcj02_to_wgs84(xy: np.ndarray) -> np.ndarray:
    lng, lat = gcj02_to_wgs84_arrays(xy[:, 0], xy[:, 1])
    return np.column_stack([lng, lat])


_VALIDITY_MESSAGES = {
    "Self-intersection": gettext_noop("边界自相交"),
    "Ring Self-intersection": gettext_noop("环自相交"),
    "Too few points": gettext_noop("坐标点太少"),
    "Hole lies outside shell": gettext_noop("内环（洞）位于外环之外"),
    "Nested holes": gettext_noop("内环（洞）相互嵌套"),
    "Interior is disconnected": gettext_noop("多边形内部不连通（内环把它切开了）"),
    "Nested shells": gettext_noop("多个外环相互嵌套"),
    "Duplicate Rings": gettext_noop("存在重复的环"),
    "Invalid Coordinate": gettext_noop("坐标无效"),
    "Ring is not closed": gettext_noop("环未闭合"),
}


def check_valid(geom: BaseGeometry) -> None:
    """A valid (OGC simple-feature) polygon with a positive area."""
    if geom.is_empty:
        raise GeometryError(_("几何为空。"))
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        head, _sep, rest = reason.partition("[")
        head = head.strip()
        message = next(
            (text for key, text in _VALIDITY_MESSAGES.items() if head.startswith(key)), head
        )
        where = ""
        if rest:
            coords = rest.rstrip("]").split()
            if len(coords) >= 2:
                where = _("（位置约 %(lng)s, %(lat)s）") % {
                    "lng": _num(float(coords[0])),
                    "lat": _num(float(coords[1])),
                }
        raise GeometryError(
            _("几何无效：%(message)s%(where)s。") % {"message": _(message), "where": where}
        )
    if geom.area <= 0:
        raise GeometryError(_("多边形面积为零。"))


def clean_geometry(raw: Any, crs: str = "wgs84") -> BaseGeometry:
    """GeoJSON dict or WKT string → normalised, validated WGS84 polygon (or GeometryError)."""
    geom = parse_wkt(raw) if isinstance(raw, str) else parse_geojson(raw)
    check_ranges(geom)
    geom = normalise(geom, crs)
    check_ranges(geom)
    check_valid(geom)
    return geom


# --- output ----------------------------------------------------------------------------------


def to_geojson(geom: BaseGeometry) -> dict:
    """GeoJSON geometry dict with plain lists (JSON round-trips to the same value)."""

    def rings(polygon) -> list:
        return [shapely.get_coordinates(r).tolist() for r in shapely.get_rings(polygon)]

    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": rings(geom)}
    return {"type": "MultiPolygon", "coordinates": [rings(part) for part in geom.geoms]}


def to_wkt(geom: BaseGeometry) -> str:
    return shapely.to_wkt(geom, rounding_precision=COORD_DECIMALS, trim=True)


def from_stored(value: dict | None) -> BaseGeometry | None:
    """Stored GeoJSON → shapely (None for a region without a polygon)."""
    if not value:
        return None
    return shapely.geometry.shape(value)


def centroid(geom: BaseGeometry) -> tuple[float, float]:
    """A label point: the centroid when it falls inside, else a point surely inside."""
    point = geom.centroid
    if not geom.contains(point):
        point = geom.representative_point()
    return round(point.x, COORD_DECIMALS), round(point.y, COORD_DECIMALS)


def area_m2(geom: BaseGeometry | float, lat: float) -> float:
    """Approximate area in m² of a small lon/lat geometry (or of an area in degrees²)."""
    area = geom if isinstance(geom, float | int) else geom.area
    return float(area) * _M_PER_DEG_LAT * _M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(lat))


# --- message helpers -------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _pt(point: tuple[float, float]) -> str:
    return f"({_num(point[0])}, {_num(point[1])})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
