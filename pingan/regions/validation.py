"""Checks on a batch of region rows before anything is written (used by the import service).

Errors block the whole batch; warnings are reported and do not block:

* per row: code-as-path (2/4/6/9/12/15/18 digits, level matching the length, parent = the
  code minus its last segment), name, polygon (valid, closed, WGS84 ranges; required for
  grids and micro-grids);
* across the batch and the database: duplicate codes, unknown parents (a parent in the same
  batch is fine), overlapping sibling grids (same parent; touching edges are fine);
* warnings: a grid or micro-grid sticking out of its parent's polygon.

Every issue names its row ("第 3 行" for CSV, "第 2 个要素" for GeoJSON) and says what is wrong
in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from pingan.regions.geometry import (
    CRS_CHOICES,
    GeometryError,
    area_m2,
    centroid,
    clean_geometry,
    to_geojson,
)
from pingan.regions.models import (
    GRID_LEVELS,
    LEVEL_BY_CODE_LENGTH,
    Region,
    RegionLevel,
)

CODE_LENGTHS = sorted(LEVEL_BY_CODE_LENGTH)
# Overlap between sibling grids above this is an error; below it is digitising noise.
OVERLAP_TOLERANCE_M2 = 1.0
# A grid sticking out of its parent by more than this gets a warning.
OUTSIDE_TOLERANCE_M2 = 1.0
NAME_MAX_LENGTH = Region._meta.get_field("name").max_length
DB_CHUNK = 500  # keeps IN (...) lists well under SQLite's variable limit


@dataclass(frozen=True)
class RegionRow:
    """One input row as read from a file; values are raw and checked by `validate_rows`.

    `geometry` is a GeoJSON geometry dict, a WKT string, or None.
    """

    label: str
    code: Any
    name: Any
    level: Any = None
    parent: Any = None
    geometry: Any = None
    problem: str | None = None  # found while reading (e.g. wrong CSV width): reported as is


@dataclass(frozen=True)
class Issue:
    """An error or warning tied to one input row."""

    label: str
    message: str
    row_index: int = 0

    def __str__(self) -> str:
        return f"{self.label}：{self.message}"


@dataclass
class CleanRow:
    """A row that passed its own checks, normalised for storage."""

    index: int
    label: str
    code: str
    name: str
    level: str
    parent_code: str | None
    geom: BaseGeometry | None
    geojson: dict | None
    centroid: tuple[float, float] | None
    action: str = ""  # set by the import service: "create", "update" or "keep"


@dataclass
class Validation:
    rows: list[CleanRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def error(self, row: CleanRow | RegionRow, index: int, message: str) -> None:
        self.errors.append(Issue(row.label, message, index))

    def warn(self, row: CleanRow, message: str) -> None:
        self.warnings.append(Issue(row.label, message, row.index))


def parent_code_of(code: str) -> str | None:
    """The code minus its last segment (None for a province)."""
    shorter = [n for n in CODE_LENGTHS if n < len(code)]
    return code[: shorter[-1]] if shorter else None


def _level_aliases() -> dict[str, str]:
    aliases = {}
    for level in RegionLevel:
        aliases[level.value] = level.value
        aliases[str(level.label)] = level.value
        for part in str(level.label).split("/"):
            aliases[part] = level.value
    return aliases


def _level_label(level: str) -> str:
    return str(RegionLevel(level).label)


def validate_rows(rows: Sequence[RegionRow], *, crs: str = "wgs84") -> Validation:
    """Check a batch; returns clean rows plus errors and warnings sorted by row."""
    if crs not in CRS_CHOICES:
        raise ValueError(f"unknown crs {crs!r}")
    result = Validation()
    aliases = _level_aliases()
    first_seen: dict[str, RegionRow] = {}
    for index, row in enumerate(rows):
        clean = _clean_row(index, row, crs, aliases, result)
        if clean is None:
            continue
        if clean.code in first_seen:
            result.error(
                row,
                index,
                _("编码 %(code)s 与%(other)s重复。")
                % {"code": clean.code, "other": first_seen[clean.code].label},
            )
            continue
        first_seen[clean.code] = row
        result.rows.append(clean)
    _check_parents(result)
    _check_siblings(result)
    _check_containment(result)
    result.errors.sort(key=lambda issue: issue.row_index)
    result.warnings.sort(key=lambda issue: issue.row_index)
    return result


# --- one row -------------------------------------------------------------------------------------


def _clean_code(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, bool) or value is None:
        return None, _("缺少编码 code。")
    code = str(value).strip() if isinstance(value, str | int) else None
    if not code:
        return None, _("缺少编码 code。")
    if not code.isascii() or not code.isdigit():
        return None, _("编码只能包含数字：%(code)s。") % {"code": str(value)[:30]}
    if len(code) not in LEVEL_BY_CODE_LENGTH:
        return None, _("编码 %(code)s 长度为 %(n)d 位，应为 2、4、6、9、12、15 或 18 位。") % {
            "code": code,
            "n": len(code),
        }
    return code, None


def _clean_row(
    index: int, row: RegionRow, crs: str, aliases: dict[str, str], result: Validation
) -> CleanRow | None:
    if row.problem:
        result.error(row, index, row.problem)
        return None
    errors: list[str] = []
    code, problem = _clean_code(row.code)
    if problem:
        errors.append(problem)
    name = row.name.strip() if isinstance(row.name, str) else ""
    if not name:
        errors.append(_("缺少名称 name。"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(_("名称超过 %(n)d 个字符。") % {"n": NAME_MAX_LENGTH})

    level = None
    if code:
        level = LEVEL_BY_CODE_LENGTH[len(code)]
        given = str(row.level).strip() if row.level not in (None, "") else ""
        if given:
            wanted = aliases.get(given) or aliases.get(given.lower())
            if wanted is None:
                errors.append(
                    _("未知层级 %(level)s（可用：%(choices)s）。")
                    % {"level": given[:20], "choices": "/".join(RegionLevel.values)}
                )
            elif wanted != level:
                errors.append(
                    _("层级 %(given)s 与编码 %(code)s 的长度不符（%(n)d 位应为%(expected)s）。")
                    % {
                        "given": given,
                        "code": code,
                        "n": len(code),
                        "expected": _level_label(level),
                    }
                )
    parent_code = parent_code_of(code) if code else None
    given_parent = str(row.parent).strip() if row.parent not in (None, "") else ""
    if code and given_parent and given_parent != (parent_code or ""):
        if parent_code:
            errors.append(
                _("上级编码 %(given)s 与编码 %(code)s 不一致（应为 %(expected)s）。")
                % {"given": given_parent, "code": code, "expected": parent_code}
            )
        else:
            errors.append(_("省级区划 %(code)s 不能有上级编码。") % {"code": code})

    geom = None
    if row.geometry not in (None, "", {}):
        try:
            geom = clean_geometry(row.geometry, crs)
        except GeometryError as exc:
            errors.append(exc.message)
    elif level in GRID_LEVELS:
        errors.append(_("%(level)s必须有边界 geometry。") % {"level": _level_label(level)})

    for message in errors:
        result.error(row, index, message)
    if errors:
        return None
    return CleanRow(
        index=index,
        label=row.label,
        code=code,
        name=name,
        level=level,
        parent_code=parent_code,
        geom=geom,
        geojson=to_geojson(geom) if geom is not None else None,
        centroid=centroid(geom) if geom is not None else None,
    )


# --- across rows and the database ---------------------------------------------------------------


def _chunks(items: Sequence, size: int = DB_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_codes(codes: Iterable[str]) -> set[str]:
    codes = sorted(set(codes))
    found: set[str] = set()
    for chunk in _chunks(codes):
        found.update(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
    return found


def _check_parents(result: Validation) -> None:
    batch = {row.code for row in result.rows}
    wanted = {row.parent_code for row in result.rows if row.parent_code} - batch
    existing = _existing_codes(wanted)
    valid = []
    for row in result.rows:
        if row.parent_code and row.parent_code not in batch and row.parent_code not in existing:
            message = _("上级编码 %(code)s 不存在。") % {"code": row.parent_code}
            result.error(row, row.index, message)
        else:
            valid.append(row)
    result.rows = valid


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
    for chunk in _chunks(sorted(parents)):
        grids = Region.objects.filter(
            parent_id__in=chunk, level__in=GRID_LEVELS, geometry__isnull=False
        )
        query = with_geometry_text(grids).values_list("code", "parent_id", "geometry_text")
        rows.extend(r for r in query if r[0] not in exclude)
    return rows


def _lat(geom: BaseGeometry) -> float:
    return (geom.bounds[1] + geom.bounds[3]) / 2


def _check_siblings(result: Validation) -> None:
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
            "level": _level_label(target.level),
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
    for chunk in _chunks(sorted(codes)):
        query = with_geometry_text(Region.objects.filter(code__in=chunk, geometry__isnull=False))
        found.update(query.values_list("code", "geometry_text"))
    keys = list(found)
    parsed = geometries_from_stored([found[k] for k in keys])
    return {k: g for k, g in zip(keys, parsed, strict=True) if g is not None}


def _check_containment(result: Validation) -> None:
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
            "level": _level_label(RegionLevel(LEVEL_BY_CODE_LENGTH[len(code)])),
            "code": code,
            "parent_level": _level_label(LEVEL_BY_CODE_LENGTH[len(parent_code)]),
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
