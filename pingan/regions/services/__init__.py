"""Writes to regions, grids, department types and departments (DESIGN §8 house style).

Permission: these change the shared base data of the whole installation, so they are for
system administrators (acting through a `system_admin` position; the superuser flag grants
nothing) and for the system itself (`actor=None`: CLI commands, the demo builder). Anyone else
gets PermissionDenied, audited as ``permission.denied``.

Every service that changes grids bumps `GridIndexVersion` in its own transaction, so every
worker process rebuilds its point → grid index (see `lookup.py`).
"""

from pingan.regions.services.common import CLI_USERNAME, grid_index_version_bump
from pingan.regions.services.departments import (
    check_department_type,
    department_code_for,
    department_create,
    department_type_save,
    department_update,
    validate_department,
)
from pingan.regions.services.regions import (
    CSV_COLUMNS,
    EXPORT_FORMATS,
    ImportReport,
    region_rename,
    regions_export,
    regions_import,
)

__all__ = [
    "CLI_USERNAME",
    "CSV_COLUMNS",
    "EXPORT_FORMATS",
    "ImportReport",
    "check_department_type",
    "department_code_for",
    "department_create",
    "department_type_save",
    "department_update",
    "grid_index_version_bump",
    "region_rename",
    "regions_export",
    "regions_import",
    "validate_department",
]
