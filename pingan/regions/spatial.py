"""Checks of a batch against its neighbours: sibling overlap (error) and containment (warning).

Sibling grids (same parent, grid or micro-grid level) may touch but not share area; a grid or
micro-grid sticking out of its parent's polygon is reported but allowed. Both compare the batch
with what the database already holds, so a file can add one grid to an existing village.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from pingan.regions.geometry import area_m2
from pingan.regions.models import GRID_LEVELS, LEVEL_BY_CODE_LENGTH, Region, RegionLevel
from pingan.regions.rows import Validation, chunks, level_label

# Overlap between sibling grids above this is an error; below it is digitising noise.
OVERLAP_TOLERANCE_M2 = 1.0
# A grid sticking out of its parent by more than this gets a warning.
OUTSIDE_TOLERANCE_M2 = 1.0


def geometries_from_stored(texts: Sequence[str]) -> np.ndarray:
    """Stored GeoJSON (as JSON text) → shapely geometries, parsed in C in one call.

    Unparseable rows (written around the services) come back as None.
    """
    if not len(texts):
        return np.empty(0, dtype=object)
    return shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore")


def with_geometry_text(queryset):
    """`queryset` annotated with `geometry_text`: the JSON text, skipping Python's JSON parser."""
    return queryset.annotate(geometry_text=Cast("geometry", TextField()))


def _stored_grids_under(parents: Sequence[str], exclude: set[str]) -> list[tuple[str, str, str]]:
    """(code, parent, geometry JSON) of stored grid-level regions under `parents`, minus
    `exclude`."""
    rows = []
    for chunk in chunks(sorted(parents)):
        grids = Region.objects.filter(
            parent_id__in=chunk, level__in=GRID_LEVELS, geometry__isnull=False
        )
        query = with_geometry_text(grids).values_list("code", "parent_id", "geometry_text")
        rows.extend(r for r in query if r[0] not in exclude)
    return rows


def _lat(geom: BaseGeometry) -> float:
    return (geom.bounds[1] + geom.bounds[3]) / 2


def check_siblings(result: Validation) -> None:
    """No two grids (or micro-grids) with the same parent may share area."""
    batch_rows = [r for r in result.rows if r.level in GRID_LEVELS and r.geom is not None]
    if not batch_rows:
        return
    batch_codes = {r.code for r in result.rows}
    stored = _stored_grids_under({r.parent_code for r in batch_rows}, batch_codes)
    codes = [r.code for r in batch_rows] + [s[0] for s in stored]
    parents = np.array([r.parent_code for r in batch_rows] + [s[1] for s in stored], dtype=object)
    new_geoms = np.array([r.geom for r in batch_rows], dtype=object)
    geoms = np.concatenate([new_geoms, geometries_from_stored([s[2] for s in stored])])
    in_batch = np.arange(len(codes)) < len(batch_rows)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = (left < right) & (parents[left] == parents[right]) & (in_batch[left] | in_batch[right])
    left, right = left[keep], right[keep]
    if not len(left):
        return
    # Touching neighbours intersect only along their edge: skip them before computing areas.
    interiors_meet = ~shapely.touches(geoms[left], geoms[right])
    left, right = left[interiors_meet], right[interiors_meet]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    reported: set[int] = set()
    for i, j, area in zip(left.tolist(), right.tolist(), areas.tolist(), strict=True):
        square_metres = area_m2(area, _lat(geoms[i]))
        if square_metres <= OVERLAP_TOLERANCE_M2:
            continue
        # Report on the later batch row, naming the other one.
        row_i = batch_rows[i] if in_batch[i] else None
        row_j = batch_rows[j] if in_batch[j] else None
        target, other = (row_j, row_i) if row_j is not None else (row_i, row_j)
        other_code = codes[i] if target is row_j else codes[j]
        if target.index in reported:
            continue
        reported.add(target.index)
        values = {
            "level": level_label(target.level),
            "code": target.code,
            "other": other_code,
            "area": _area_text(square_metres),
        }
        if other is not None:
            values["label"] = other.label
            message = _(
                "%(level)s %(code)s 与同级%(level)s %(other)s（%(label)s）重叠约 %(area)s 平方米。"
            )
        else:
            message = _(
                "%(level)s %(code)s 与已有的同级%(level)s %(other)s 重叠约 %(area)s 平方米。"
            )
        result.error(target, target.index, message % values)


def _area_text(square_metres: float) -> str:
    return f"{square_metres:,.0f}" if square_metres >= 10 else f"{square_metres:.1f}"


def _stored_geometries(codes: Sequence[str]) -> dict[str, BaseGeometry]:
    found: dict[str, str] = {}
    for chunk in chunks(sorted(codes)):
        query = with_geometry_text(Region.objects.filter(code__in=chunk, geometry__isnull=False))
        found.update(query.values_list("code", "geometry_text"))
    keys = list(found)
    parsed = geometries_from_stored([found[k] for k in keys])
    return {k: g for k, g in zip(keys, parsed, strict=True) if g is not None}


def check_containment(result: Validation) -> None:
    """Warn when a grid or micro-grid has area outside its parent's polygon."""
    by_code = {r.code: r for r in result.rows}
    # (child code, child geom, parent code, parent geom, row that gets the warning, child new?)
    children = [r for r in result.rows if r.level in GRID_LEVELS and r.geom is not None]
    parent_codes = {r.parent_code for r in children} - set(by_code)
    stored_parents = _stored_geometries(list(parent_codes))
    pairs = []
    for child in children:
        parent = by_code.get(child.parent_code)
        parent_geom = parent.geom if parent else stored_parents.get(child.parent_code)
        if parent_geom is not None:
            pairs.append((child.code, child.geom, child.parent_code, parent_geom, child, True))
    # A new polygon for a village (or grid) can leave its existing grids sticking out.
    parent_levels = (RegionLevel.VILLAGE, *GRID_LEVELS)
    reshaped = [r for r in result.rows if r.geom is not None and r.level in parent_levels]
    if reshaped:
        stored = _stored_grids_under({r.code for r in reshaped}, set(by_code))
        stored_geoms = geometries_from_stored([s[2] for s in stored])
        for (code, parent_code, _geometry), geom in zip(stored, stored_geoms, strict=True):
            if geom is None:
                continue
            parent = by_code[parent_code]
            pairs.append((code, geom, parent_code, parent.geom, parent, False))
    if not pairs:
        return
    child_geoms = np.array([p[1] for p in pairs], dtype=object)
    parent_geoms = np.array([p[3] for p in pairs], dtype=object)
    outside = ~shapely.covered_by(child_geoms, parent_geoms)
    for k in np.nonzero(outside)[0].tolist():
        code, geom, parent_code, parent_geom, row, is_child_row = pairs[k]
        spill = geom.difference(parent_geom).area
        square_metres = area_m2(spill, _lat(geom))
        if square_metres <= OUTSIDE_TOLERANCE_M2:
            continue
        values = {
            "level": level_label(RegionLevel(LEVEL_BY_CODE_LENGTH[len(code)])),
            "code": code,
            "parent_level": level_label(LEVEL_BY_CODE_LENGTH[len(parent_code)]),
            "parent": parent_code,
            "area": _area_text(square_metres),
            "share": f"{100 * spill / geom.area:.1f}",
        }
        if is_child_row:
            message = _(
                "%(level)s %(code)s 有约 %(area)s 平方米（%(share)s%%）超出所属%(parent_level)s "
                "%(parent)s 的边界。"
            )
        else:
            message = _(
                "%(parent_level)s %(parent)s 的新边界使已有%(level)s %(code)s 有约 %(area)s "
                "平方米（%(share)s%%）落在边界外。"
            )
        result.warn(row, message % values)
