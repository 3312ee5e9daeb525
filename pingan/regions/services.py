"""Writes to regions, grids, department types and departments (DESIGN §8 house style).

Permission: these change the shared base data of the whole installation, so they are for
system administrators (a `system_admin` position, or a superuser in the Django admin) and for
the system itself (`actor=None`: CLI commands, the demo builder). Anyone else gets
PermissionDenied, audited as ``permission.denied``.

Every service that changes grids bumps `GridIndexVersion` in its own transaction, so every
worker process rebuilds its point → grid index (see `lookup.py`).
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.audit.services import audit_log
from pingan.regions.geometry import from_stored, to_wkt
from pingan.regions.lookup import mark_grid_index_stale
from pingan.regions.models import (
    DEPARTMENT_LEVELS,
    Department,
    DepartmentType,
    GridIndexVersion,
    Region,
    RegionLevel,
    department_code_errors,
)
from pingan.regions.validation import (
    CODE_LENGTHS,
    DB_CHUNK,
    Issue,
    RegionRow,
    validate_rows,
)

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor

CLI_USERNAME = "cli"
WRITE_BATCH = 500
EXPORT_FORMATS = ("geojson", "csv")
CSV_COLUMNS = ("code", "name", "level", "geometry")
DEPARTMENT_TYPE_CODE_MAX = 20


# --- permission and bookkeeping -------------------------------------------------------------


def _audit(actor: Actor | None, **kwargs) -> None:
    audit_log(
        actor=actor,
        ip=getattr(actor, "ip", None),
        username="" if actor else CLI_USERNAME,
        **kwargs,
    )


def _require_region_admin(actor: Actor | None, action: str) -> None:
    """System admins, superusers and the system itself (actor=None) may change base data."""
    if actor is None:
        return
    from pingan.accounts.roles import Role

    if actor.user.is_superuser or actor.role == Role.SYSTEM_ADMIN:
        return
    # Audited before raising and outside any transaction, so the record survives.
    _audit(
        actor,
        action="permission.denied",
        outcome="denied",
        detail={"reason": "not_region_admin", "attempted": action, "role": actor.role or ""},
    )
    raise PermissionDenied(_("只有系统管理员可以维护区划、网格和部门。"))


def grid_index_version_bump() -> None:
    """Record "grids changed" for every worker's point → grid index.

    Call inside the transaction that changes grids (or their ancestors' names); the new stamp
    becomes visible exactly when the change does. This process re-checks on commit.
    """
    now = timezone.now()
    stamp = uuid.uuid4().hex
    updated = GridIndexVersion.objects.filter(id=1).update(
        version=F("version") + 1, stamp=stamp, changed_at=now
    )
    if not updated:
        GridIndexVersion.objects.create(id=1, version=1, stamp=stamp, changed_at=now)
    transaction.on_commit(mark_grid_index_stale)


def _common_code(codes: Sequence[str]) -> str:
    """Longest region code that is a prefix of all `codes` ('' when none)."""
    if not codes:
        return ""
    prefix = min(codes)
    last = max(codes)
    # The common prefix of the smallest and largest strings is the prefix of them all.
    while not last.startswith(prefix):
        prefix = prefix[:-1]
    fitting = [n for n in CODE_LENGTHS if n <= len(prefix)]
    return prefix[: fitting[-1]] if fitting else ""


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


def _stored_rows(codes: Sequence[str]) -> dict[str, tuple[str, dict | None]]:
    found: dict[str, tuple[str, dict | None]] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), DB_CHUNK):
        chunk = ordered[start : start + DB_CHUNK]
        query = Region.objects.filter(code__in=chunk).values_list("code", "name", "geometry")
        found.update((code, (name, geometry)) for code, name, geometry in query)
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
    _require_region_admin(actor, "regions.import")
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
        _audit(
            actor,
            action="regions.import",
            object_type="region",
            object_id=_common_code(codes),
            region_code=_common_code(codes),
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


def _validate_into(report: ImportReport, rows: Sequence[RegionRow], crs: str) -> list:
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
        new_geometry = row.geojson if row.geojson is not None else geometry
        if name == row.name and new_geometry == geometry:
            row.action = "keep"
            report.unchanged += 1
        else:
            row.action = "update"
            report.updated += 1
    return checked.rows


def _write(clean: list) -> None:
    now = timezone.now()
    creates, updates = [], []
    for row in sorted(clean, key=lambda r: (len(r.code), r.code)):
        region = Region(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_id=row.parent_code,
            geometry=row.geojson,
            centroid_lng=row.centroid[0] if row.centroid else None,
            centroid_lat=row.centroid[1] if row.centroid else None,
            updated_at=now,
        )
        if row.action == "create":
            creates.append(region)
        elif row.action == "update":
            updates.append((region, row.geojson is not None))
    # Parents first (sorted by code length), so foreign keys hold at every statement.
    Region.objects.bulk_create(creates, batch_size=WRITE_BATCH)
    with_geometry = [r for r, has in updates if has]
    names_only = [r for r, has in updates if not has]
    Region.objects.bulk_update(
        with_geometry,
        ["name", "geometry", "centroid_lng", "centroid_lat", "updated_at"],
        batch_size=WRITE_BATCH // 5,
    )
    Region.objects.bulk_update(names_only, ["name", "updated_at"], batch_size=WRITE_BATCH)


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
        _audit(
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
    _require_region_admin(actor, "regions.rename")
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
        _audit(
            actor,
            action="regions.rename",
            object_type="region",
            object_id=code,
            region_code=code,
            detail={"from": old, "to": name},
        )
    return region


# --- department types and departments --------------------------------------------------------


def department_type_save(
    *, actor: Actor | None, code: str, name: str, sort: int = 0, active: bool = True
) -> DepartmentType:
    """Create or update one department type of the code table.

    Permission: system admins and the system. The code is lower-case letters, digits and
    underscores (it becomes part of department codes). Audited as ``department_type.save``.
    """
    _require_region_admin(actor, "department_type.save")
    check_department_type(code=code, name=name)
    with transaction.atomic():
        dept_type, created = DepartmentType.objects.update_or_create(
            code=code, defaults={"name": name.strip(), "sort": sort, "active": active}
        )
        _audit(
            actor,
            action="department_type.save",
            object_type="department_type",
            object_id=code,
            detail={"created": created, "name": dept_type.name, "active": active},
        )
    return dept_type


def check_department_type(*, code: str, name: str) -> None:
    """Raise a field-level ValidationError for a bad type code or an empty name."""
    errors = {}
    if not code or len(code) > DEPARTMENT_TYPE_CODE_MAX or not _is_type_code(code):
        errors["code"] = _("类型编码须为小写字母开头的字母、数字或下划线，最多 20 个字符。")
    if not (name or "").strip():
        errors["name"] = _("名称不能为空。")
    if errors:
        raise ValidationError(errors)


def _is_type_code(code: str) -> bool:
    return (
        code[0].isascii()
        and code[0].islower()
        and all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in code)
    )


def department_code_for(region_code: str, type_code: str, suffix: str = "") -> str:
    """The conventional code `<region>-<type>[-suffix]`."""
    code = f"{region_code}-{type_code}"
    return f"{code}-{suffix}" if suffix else code


def validate_department(
    *, code: str, name: str, region: Region | None, dept_type: DepartmentType | None
) -> dict[str, list[str]]:
    """Field errors for a new department (shared by the service and the admin form)."""
    errors: dict[str, list[str]] = {}
    if region is None:
        errors["region"] = [_("请选择所在区划。")]
    elif region.level not in DEPARTMENT_LEVELS:
        errors["region"] = [
            _("部门只能设在乡镇及以上区划，%(name)s 是%(level)s。")
            % {"name": region.name, "level": RegionLevel(region.level).label}
        ]
    if dept_type is None:
        errors["type"] = [_("请选择部门类型。")]
    elif not dept_type.active:
        errors["type"] = [_("部门类型 %(name)s 已停用。") % {"name": dept_type.name}]
    if not (name or "").strip():
        errors["name"] = [_("名称不能为空。")]
    if region is not None and dept_type is not None:
        code_errors = department_code_errors(code, region.code, dept_type.code)
        if code_errors:
            errors["code"] = [str(e) for e in code_errors]
        elif Department.objects.filter(code=code).exists():
            errors["code"] = [_("部门编码 %(code)s 已存在。") % {"code": code}]
    return errors


def department_create(
    *,
    actor: Actor | None,
    region: Region,
    dept_type: DepartmentType,
    name: str,
    suffix: str = "",
    active: bool = True,
) -> Department:
    """Create a department with the conventional code `<region code>-<type code>[-suffix]`.

    Permission: system admins and the system (demo builder). Departments sit at town level
    or above. Raises ValidationError (field-level, Chinese) for a bad region, type, name or a
    code already in use. Audited as ``department.create``.
    """
    _require_region_admin(actor, "department.create")
    code = department_code_for(region.code, dept_type.code, suffix)
    errors = validate_department(code=code, name=name, region=region, dept_type=dept_type)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        department = Department.objects.create(
            code=code, name=name.strip(), type=dept_type, region=region, active=active
        )
        _audit(
            actor,
            action="department.create",
            object_type="department",
            object_id=code,
            region_code=region.code,
            detail={"name": department.name, "type": dept_type.code},
        )
    return department


def department_update(
    *, actor: Actor | None, department: Department, name: str, active: bool
) -> Department:
    """Rename or (de)activate a department; code, type and region never change.

    Permission: system admins and the system. Audited as ``department.update``.
    """
    _require_region_admin(actor, "department.update")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("名称不能为空。")})
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(code=department.code)
        before = {"name": locked.name, "active": locked.active}
        locked.name, locked.active = name, active
        locked.save(update_fields=["name", "active"])
        _audit(
            actor,
            action="department.update",
            object_type="department",
            object_id=locked.code,
            region_code=locked.region_id,
            detail={"before": before, "after": {"name": name, "active": active}},
        )
    return locked
