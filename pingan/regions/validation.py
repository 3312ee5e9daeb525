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
from typing import Any

from django.utils.translation import gettext as _

from pingan.regions.geometry import CRS_CHOICES, GeometryError, centroid, clean_geometry
from pingan.regions.models import GRID_LEVELS, LEVEL_BY_CODE_LENGTH, Region, RegionLevel
from pingan.regions.rows import (
    CODE_LENGTHS,
    DB_CHUNK,
    CleanRow,
    Issue,
    RegionRow,
    Validation,
    chunks,
    level_label,
    parent_code_of,
)
from pingan.regions.spatial import check_containment, check_siblings

# Re-exported: callers read rows and results through this module.
__all__ = [
    "CODE_LENGTHS",
    "DB_CHUNK",
    "CleanRow",
    "Issue",
    "RegionRow",
    "Validation",
    "parent_code_of",
    "validate_rows",
]

NAME_MAX_LENGTH = Region._meta.get_field("name").max_length


def _level_aliases() -> dict[str, str]:
    aliases = {}
    for level in RegionLevel:
        aliases[level.value] = level.value
        aliases[str(level.label)] = level.value
        for part in str(level.label).split("/"):
            aliases[part] = level.value
    return aliases


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
    check_siblings(result)
    check_containment(result)
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
                        "expected": level_label(level),
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
        errors.append(_("%(level)s必须有边界 geometry。") % {"level": level_label(level)})

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
        centroid=centroid(geom) if geom is not None else None,
    )


# --- across rows and the database ---------------------------------------------------------------


def _existing_codes(codes: Iterable[str]) -> set[str]:
    codes = sorted(set(codes))
    found: set[str] = set()
    for chunk in chunks(codes):
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
