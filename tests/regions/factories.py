"""Region fixtures for the regions tests: small trees written through the import service."""

from __future__ import annotations

from pingan.regions.services import regions_import
from pingan.regions.validation import RegionRow

TOWN = "990101001"
VILLAGE = "990101001001"
GRID_A = "990101001001001"
GRID_B = "990101001001002"
MICRO_A1 = "990101001001001001"


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    """An axis-aligned rectangle as a GeoJSON Polygon (counter-clockwise, closed)."""
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def row(code: str, name: str, geometry=None, label: str | None = None, **extra) -> RegionRow:
    return RegionRow(
        label=label or f"第 {code} 行", code=code, name=name, geometry=geometry, **extra
    )


def base_rows() -> list[RegionRow]:
    """示范省 → 示范市 → 示范县 → 城关镇 → 东街社区 (0.02° × 0.01°) with two grids and a micro-grid.

    Grid A covers the west half, grid B the east half; micro-grid A1 sits inside grid A.
    """
    return [
        row("99", "示范省"),
        row("9901", "示范市"),
        row("990101", "示范县"),
        row(TOWN, "城关镇"),
        row(VILLAGE, "东街社区", box(116.0, 39.0, 116.02, 39.01)),
        row(GRID_A, "东街第一网格", box(116.0, 39.0, 116.01, 39.01)),
        row(GRID_B, "东街第二网格", box(116.01, 39.0, 116.02, 39.01)),
        row(MICRO_A1, "一号楼微网格", box(116.001, 39.001, 116.003, 39.003)),
    ]


def build_base_tree():
    report = regions_import(actor=None, rows=base_rows())
    assert report.ok, [str(e) for e in report.errors]
    return report
