"""Point → grid: which grid (and village, town, county) a WGS84 point lies in.

Each worker process keeps one in-memory `GridIndex` over every grid and micro-grid polygon
(micro-grids win over the grid around them). Correct in every process: services that change
grids bump `GridIndexVersion` in their own transaction; before answering, a process compares
the stamp at most every PINGAN_GRID_INDEX_CHECK_SECONDS (default 5, tests use 0) and rebuilds
lazily when it differs. A change made in this process marks the index stale on commit, so
the process that made it sees it at once.

The index core (`GridIndex`, pure NumPy/shapely) lives in `gridindex.py` and is re-exported
here for `bench/grid_lookup.py`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from pingan.regions.coords import gcj02_to_wgs84
from pingan.regions.gridindex import GridIndex

__all__ = [
    "GridIndex",
    "LookupResult",
    "RegionRef",
    "grid_index",
    "lookup_point",
    "lookup_points",
    "mark_grid_index_stale",
    "reset_grid_index",
]

logger = logging.getLogger(__name__)
LOAD_BATCH = 5000


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class LookupResult:
    """Where a point lies. `code` is the finest region found (micro-grid, else grid)."""

    found: bool
    lng: float
    lat: float
    code: str | None = None
    grid: RegionRef | None = None
    microgrid: RegionRef | None = None
    village: RegionRef | None = None
    town: RegionRef | None = None
    county: RegionRef | None = None
    message: str = ""

    def as_dict(self) -> dict:
        def ref(value: RegionRef | None) -> dict | None:
            return value.as_dict() if value else None

        return {
            "found": self.found,
            "lng": self.lng,
            "lat": self.lat,
            "code": self.code,
            "grid": ref(self.grid),
            "microgrid": ref(self.microgrid),
            "village": ref(self.village),
            "town": ref(self.town),
            "county": ref(self.county),
            "message": self.message,
        }


class _Names:
    """code → name for grids and their ancestors, in two compact arrays (sorted codes)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        pairs.sort()
        self.codes = np.array([c for c, _n in pairs], dtype="S18")
        blob = [n.encode() for _c, n in pairs]
        self.offsets = np.zeros(len(blob) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in blob], out=self.offsets[1:])
        self.blob = b"".join(blob)

    def get(self, code: str) -> str | None:
        key = code.encode()
        pos = int(np.searchsorted(self.codes, key))
        if pos >= len(self.codes) or self.codes[pos] != key:
            return None
        return self.blob[self.offsets[pos] : self.offsets[pos + 1]].decode()

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.offsets.nbytes + len(self.blob)


@dataclass
class _Loaded:
    index: GridIndex
    names: _Names
    stamp: str
    built_at: float


_lock = threading.Lock()
_loaded: _Loaded | None = None
_checked_at = float("-inf")


def _now() -> float:
    return time.monotonic()


def _check_seconds() -> float:
    return float(getattr(settings, "PINGAN_GRID_INDEX_CHECK_SECONDS", 5))


def current_stamp() -> str:
    """The database's grid-index stamp ('' before any grid change was recorded)."""
    from pingan.regions.models import GridIndexVersion

    stamp = GridIndexVersion.objects.filter(id=1).values_list("stamp", flat=True).first()
    return stamp or ""


def _grid_batches(names: list[tuple[str, str]]) -> Iterator[tuple[list[str], np.ndarray]]:
    """Stream (codes, geometries) of every grid and micro-grid from the database."""
    from pingan.regions.models import GRID_LEVELS, Region

    rows = (
        Region.objects.filter(level__in=GRID_LEVELS, geometry__isnull=False)
        .order_by()
        .annotate(geometry_text=Cast("geometry", TextField()))
        .values_list("code", "name", "geometry_text")
    )
    codes: list[str] = []
    texts: list[str] = []
    for code, name, text in rows.iterator(chunk_size=LOAD_BATCH):
        names.append((code, name))
        codes.append(code)
        texts.append(text)
        if len(codes) == LOAD_BATCH:
            yield codes, _parse(texts)
            codes, texts = [], []
    if codes:
        yield codes, _parse(texts)


def _parse(texts: list[str]) -> np.ndarray:
    # A row written around the services with broken JSON is skipped (None), not fatal:
    # one bad polygon must not take point lookups down for everyone.
    return shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore")


def _build(stamp: str) -> _Loaded:
    from pingan.regions.models import Region, RegionLevel

    started = _now()
    names: list[tuple[str, str]] = []
    index = GridIndex.from_batches(_grid_batches(names))
    ancestors = Region.objects.filter(
        level__in=(RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE)
    )
    names.extend(ancestors.order_by().values_list("code", "name"))
    loaded = _Loaded(index=index, names=_Names(names), stamp=stamp, built_at=_now())
    logger.info(
        "grid index built: %d polygons, %.1f MB, %.2f s",
        index.size,
        (index.nbytes + loaded.names.nbytes) / 1e6,
        loaded.built_at - started,
    )
    return loaded


def grid_index() -> _Loaded:
    """The current index for this process, rebuilt first when the database stamp moved."""
    global _loaded, _checked_at
    now = _now()
    loaded = _loaded
    if loaded is not None and now - _checked_at < _check_seconds():
        return loaded
    # Read the stamp before the rows: data built under an older stamp is rebuilt next time,
    # never labelled newer than it is.
    stamp = current_stamp()
    if loaded is not None and loaded.stamp == stamp:
        _checked_at = now
        return loaded
    with _lock:
        if _loaded is None or _loaded.stamp != stamp:
            _loaded = _build(stamp)
        _checked_at = now
        return _loaded


def mark_grid_index_stale() -> None:
    """Make the next lookup in this process re-check the stamp (services call it on commit)."""
    global _checked_at
    _checked_at = float("-inf")


def reset_grid_index() -> None:
    """Drop this process's index (tests; a worker that wants its memory back)."""
    global _loaded, _checked_at
    with _lock:
        _loaded = None
        _checked_at = float("-inf")


def _ref(names: _Names, code: str) -> RegionRef | None:
    name = names.get(code)
    return RegionRef(code, name) if name is not None else None


def lookup_point(lng: float, lat: float, *, crs: str = "wgs84") -> LookupResult:
    """The grid (micro-grid first), village, town and county at a point.

    `crs` is "wgs84" (GPS) or "gcj02" (Chinese map SDKs; converted first). Outside every
    grid the result has found=False and the message "该位置不在任何网格内".
    """
    if crs == "gcj02":
        lng, lat = gcj02_to_wgs84(lng, lat)
    elif crs != "wgs84":
        raise ValueError(f"unknown crs {crs!r}")
    loaded = grid_index()
    polygon = loaded.index.lookup(lng, lat)
    lng, lat = round(lng, 7), round(lat, 7)
    if polygon < 0:
        return LookupResult(found=False, lng=lng, lat=lat, message=_("该位置不在任何网格内"))
    code = loaded.index.code(polygon)
    names = loaded.names
    return LookupResult(
        found=True,
        lng=lng,
        lat=lat,
        code=code,
        grid=_ref(names, code[:15]),
        microgrid=_ref(names, code) if len(code) == 18 else None,
        village=_ref(names, code[:12]),
        town=_ref(names, code[:9]),
        county=_ref(names, code[:6]),
    )


def lookup_points(lng: np.ndarray, lat: np.ndarray) -> list[str | None]:
    """Finest grid code per WGS84 point (None outside every grid), vectorised for bulk work."""
    loaded = grid_index()
    ids = loaded.index.lookup_many(np.asarray(lng), np.asarray(lat))
    codes = loaded.index.codes
    return [codes[i].decode() if i >= 0 else None for i in ids.tolist()]
