"""The rows an import works on: raw input rows, clean rows, issues, and small code helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from pingan.regions.models import LEVEL_BY_CODE_LENGTH, RegionLevel

CODE_LENGTHS = sorted(LEVEL_BY_CODE_LENGTH)
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
    geom: BaseGeometry | None  # normalised; GeoJSON is produced only when written
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


def level_label(level: str) -> str:
    return str(RegionLevel(level).label)


def chunks(items: Sequence, size: int = DB_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
