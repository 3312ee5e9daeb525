"""Point → grid for event reports.

Uses the regions app's point → grid service when it is present; until then a small local
index over the stored grid polygons.
"""

from __future__ import annotations

import threading

from django.db.models import Count, Max
from shapely import STRtree
from shapely.geometry import Point, shape

from pingan.regions.models import GRID_LEVELS, Region

_lock = threading.Lock()
_cache: dict = {"key": None, "tree": None, "codes": []}


def _local_index():
    # TODO(lead): replace with pingan.regions.lookup (the shared STRtree point → grid service).
    grids = Region.objects.filter(level__in=GRID_LEVELS, geometry__isnull=False)
    key = tuple(grids.aggregate(n=Count("code"), latest=Max("updated_at")).values())
    with _lock:
        if _cache["key"] != key:
            rows = list(grids.values_list("code", "geometry"))
            # Finest first, so a micro-grid wins over the grid that contains it.
            rows.sort(key=lambda row: -len(row[0]))
            _cache.update(
                key=key,
                codes=[code for code, _ in rows],
                tree=STRtree([shape(geometry) for _, geometry in rows]) if rows else None,
            )
        return _cache["tree"], _cache["codes"]


def grid_for_point(lng: float, lat: float) -> str | None:
    """Code of the finest grid containing the WGS84 point, or None outside every grid."""
    tree, codes = _local_index()
    if tree is None:
        return None
    hits = sorted(tree.query(Point(lng, lat), predicate="intersects"))
    return codes[hits[0]] if len(hits) else None
