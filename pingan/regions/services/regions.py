"""Import, export and renaming of regions and grids."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from pingan.regions.geometry import from_stored, to_geojson, to_wkt
from pingan.regions.models import GridIndexVersion, Region
from pingan.regions.rows import DB_CHUNK, CleanRow, Issue, RegionRow
from pingan.regions.services.common import (
    audit,
    common_code,
    grid_index_version_bump,
    require_region_admin,
)
from pingan.regions.spatial import geometries_from_stored, with_geometry_text
from pingan.regions.validation import validate_rows

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor

WRITE_BATCH = 500
EXPORT_FORMATS = ("geojson", "csv")
CSV_COLUMNS = ("code", "name", "level", "geometry")


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a rejected file, would have done)."""

    dry_run: bool
    total: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return _("共 %(total)d 行，发现 %(errors)d 处错误，未写入任何数据。") % {
                "total": self.total,
                "errors": len(self.errors),
            }
        head = _("试运行（未写入）：") if self.dry_run else _("导入完成：")
        return head + _(
            "共 %(total)d 行，新建 %(created)d，更新 %(updated)d，未变 %(unchanged)d，"
            "警告 %(warnings)d 条。"
        ) % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": len(self.warnings),
        }


def _stored_rows(codes: Sequence[str]) -> dict[str, tuple[str, BaseGeometry | None]]:
    """name and polygon of the stored regions among `codes` (polygons parsed in C: a
    province re-import compares 85,000 of them, and Python dicts would cost ~1 GB)."""
    found: dict[str, tuple[str, BaseGeometry | None]] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), DB_CHUNK):
        chunk = ordered[start : start + DB_CHUNK]
        query = with_geometry_text(Region.objects.filter(code__in=chunk)).values_list(
            "code", "name", "geometry_text"
        )
        rows = list(query)
        geoms = geometries_from_stored([text or "null" for _code, _name, text in rows])
        for (code, name, _text), geom in zip(rows, geoms, strict=True):
            found[code] = (name, geom)
    return found


def regions_import(
    *,
    actor: Actor | None,
    rows: Sequence[RegionRow],
    dry_run: bool = False,
    crs: str = "wgs84",
    source: str = "",
) -> ImportReport:
    """Create or update regions and grids from parsed rows, all or nothing (upsert by code).

    Permission: system admins and the system (actor=None, e.g. `pingan import-regions`).
    Every row is validated first (`validation.validate_rows`); with any error nothing is
    written and the report lists every bad row. A dry run validates and counts without
    writing. A row without geometry keeps the stored polygon of an existing region.
    Side effects: one ``regions.import`` audit record with the counts; the grid index version
    is bumped when anything changed.
    """
    require_region_admin(actor, "regions.import")
    report = ImportReport(dry_run=dry_run, total=len(rows))
    if dry_run:
        _validate_into(report, rows, crs)
        return report
    with transaction.atomic():
        # One import at a time: the version row doubles as the lock, so two imports cannot
        # both validate against the same old state and then write overlapping grids.
        GridIndexVersion.objects.select_for_update().get_or_create(id=1)
        clean = _validate_into(report, rows, crs)
        if report.errors:
            return report
        _write(clean)
        if report.created or report.updated:
            grid_index_version_bump()
        codes = [row.code for row in clean]
        audit(
            actor,
            action="regions.import",
            object_type="region",
            object_id=common_code(codes),
            region_code=common_code(codes),
            detail={
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "warnings": len(report.warnings),
                "rows": report.total,
                "crs": crs,
                "source": source[:200],
            },
        )
    return report


def _validate_into(report: ImportReport, rows: Sequence[RegionRow], crs: str) -> list[CleanRow]:
    checked = validate_rows(rows, crs=crs)
    report.errors, report.warnings = checked.errors, checked.warnings
    if checked.errors:
        return []
    stored = _stored_rows([row.code for row in checked.rows])
    for row in checked.rows:
        if row.code not in stored:
            row.action = "create"
            report.created += 1
            continue
        name, geometry = stored[row.code]
        # Exact vertex-by-vertex equality: what would be stored is what is stored.
        same_shape = row.geom is None or (
            geometry is not None and bool(shapely.equals_exact(row.geom, geometry, tolerance=0))
        )
        if name == row.name and same_shape:
            row.action = "keep"
            report.unchanged += 1
        else:
            row.action = "update"
            report.updated += 1
    return checked.rows


def _write(clean: list[CleanRow]) -> None:
    """Insert and update in batches, parents first (sorted by code length) so foreign keys
    hold at every statement; GeoJSON is produced per batch to keep memory flat."""
    now = timezone.now()
    ordered = sorted(clean, key=lambda r: (len(r.code), r.code))
    creates = [r for r in ordered if r.action == "create"]
    reshaped = [r for r in ordered if r.action == "update" and r.geom is not None]
    renamed = [r for r in ordered if r.action == "update" and r.geom is None]
    for start in range(0, len(creates), WRITE_BATCH):
        batch = [_region(row, now) for row in creates[start : start + WRITE_BATCH]]
        Region.objects.bulk_create(batch)
    fields = ["name", "geometry", "centroid_lng", "centroid_lat", "updated_at"]
    for start in range(0, len(reshaped), WRITE_BATCH // 5):
        batch = [_region(row, now) for row in reshaped[start : start + WRITE_BATCH // 5]]
        Region.objects.bulk_update(batch, fields)
    batch = [_region(row, now) for row in renamed]
    Region.objects.bulk_update(batch, ["name", "updated_at"], batch_size=WRITE_BATCH)


def _region(row: CleanRow, now) -> Region:
    return Region(
        code=row.code,
        name=row.name,
        level=row.level,
        parent_id=row.parent_code,
        geometry=to_geojson(row.geom) if row.geom is not None else None,
        centroid_lng=row.centroid[0] if row.centroid else None,
        centroid_lat=row.centroid[1] if row.centroid else None,
        updated_at=now,
    )


# --- export ---------------------------------------------------------------------------------


def regions_export(
    *, actor: Actor | None, out: TextIO, fmt: str = "geojson", root: str | None = None
) -> int:
    """Write regions (all, or `root` and everything under it) to `out`; returns the count.

    Formats round-trip with `regions_import`: GeoJSON FeatureCollection (properties code,
    name, level, parent) or CSV (code, name, level, geometry as WKT). Region data is not
    sensitive, so any actor may export; the export is audited (``regions.export``).
    Raises ValidationError for an unknown format or root code.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": _("导出格式只能是 geojson 或 csv。")})
    regions = Region.objects.order_by("code")
    if root:
        if not Region.objects.filter(code=root).exists():
            raise ValidationError({"root": _("区划编码 %(code)s 不存在。") % {"code": root}})
        regions = regions.filter(code__startswith=root)
    rows = regions.values_list("code", "name", "level", "parent_id", "geometry")
    count = _write_geojson(out, rows) if fmt == "geojson" else _write_csv(out, rows)
    with transaction.atomic():
        audit(
            actor,
            action="regions.export",
            object_type="region",
            object_id=root or "",
            region_code=root or "",
            detail={"format": fmt, "count": count},
        )
    return count


def _write_geojson(out: TextIO, rows) -> int:
    out.write('{"type": "FeatureCollection", "features": [')
    count = 0
    for code, name, level, parent, geometry in rows.iterator(chunk_size=2000):
        feature = {
            "type": "Feature",
            "properties": {"code": code, "name": name, "level": level, "parent": parent},
            "geometry": geometry,
        }
        out.write(("\n" if count == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _write_csv(out: TextIO, rows) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for code, name, level, _parent, geometry in rows.iterator(chunk_size=2000):
        geom = from_stored(geometry)
        writer.writerow([code, name, level, to_wkt(geom) if geom is not None else ""])
        count += 1
    return count


# --- names ----------------------------------------------------------------------------------


def region_rename(*, actor: Actor | None, code: str, name: str) -> Region:
    """Rename one region (the only edit the admin allows; shapes change by import).

    Permission: system admins and the system. Names appear in lookup results, so the grid
    index version is bumped. Audited as ``regions.rename``.
    """
    require_region_admin(actor, "regions.rename")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("名称不能为空。")})
    with transaction.atomic():
        region = Region.objects.select_for_update().get(code=code)
        old = region.name
        if old == name:
            return region
        region.name = name
        region.save(update_fields=["name", "updated_at"])
        grid_index_version_bump()
        audit(
            actor,
            action="regions.rename",
            object_type="region",
            object_id=code,
            region_code=code,
            detail={"from": old, "to": name},
        )
    return region
