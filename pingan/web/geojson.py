"""GeoJSON for the home-page map: compact, and simplified when it shows coarse areas."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import mapping, shape

from pingan.regions.models import Region, RegionLevel

# Six decimals of a degree is about 0.1 m: more precision only makes the payload bigger.
COORD_DECIMALS = 6
# Tolerance (degrees) when coarser areas stand in for grids: ~20 m for villages, more above.
SIMPLIFY_TOLERANCE = {
    RegionLevel.VILLAGE: 0.0002,
    RegionLevel.TOWN: 0.0005,
    RegionLevel.COUNTY: 0.001,
    RegionLevel.CITY: 0.002,
}


def _round(coords: Any) -> Any:
    if isinstance(coords, float | int):
        return round(coords, COORD_DECIMALS)
    return [_round(c) for c in coords]


def compact_geometry(geometry: dict, level: str) -> dict:
    """Round coordinates; simplify (keeping topology) for levels coarser than a grid."""
    tolerance = SIMPLIFY_TOLERANCE.get(level)
    if tolerance:
        # A polygon shapely cannot read is still drawn as stored rather than dropped.
        with suppress(GEOSException, ShapelyError, ValueError, TypeError, KeyError, AttributeError):
            geometry = mapping(shape(geometry).simplify(tolerance, preserve_topology=True))
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


def feature(code: str, name: str, level: str, geometry: dict | None) -> dict:
    return {
        "type": "Feature",
        "id": code,
        "properties": {"code": code, "name": name, "level": level},
        "geometry": compact_geometry(geometry, level) if geometry else None,
    }


def map_feature_collection(
    region: Region,
    level: str,
    rows: list[tuple[str, str, dict]],
    grid_count: int,
    truncated: bool,
    outlines: Sequence[tuple[str, str, str, dict]] = (),
) -> dict:
    """A FeatureCollection of `rows` plus foreign members describing the area (RFC 7946 §6.1).

    `feature_level` tells the client whether it got grids or coarser stand-ins; `boundary`
    is the outline of the requested region itself, drawn under the features; `outlines` are
    its direct children (e.g. villages over grids) drawn on top to show the structure.
    """
    centroid = None
    if region.centroid_lng is not None and region.centroid_lat is not None:
        centroid = [region.centroid_lng, region.centroid_lat]
    return {
        "type": "FeatureCollection",
        "features": [feature(code, name, level, geometry) for code, name, geometry in rows],
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "feature_level": level,
        "grid_count": grid_count,
        "truncated": truncated,
        "centroid": centroid,
        "boundary": feature(region.code, region.name, region.level, region.geometry)
        if region.geometry
        else None,
        "outlines": [
            feature(code, name, child_level, geometry)
            for code, name, child_level, geometry in outlines
        ],
    }
