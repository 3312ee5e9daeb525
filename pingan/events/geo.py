"""Point → grid for event reports, through the regions app's shared index."""

from __future__ import annotations

from pingan.regions.lookup import lookup_point


def grid_for_point(lng: float, lat: float) -> str | None:
    """Code of the finest grid (micro-grid first) containing the WGS84 point, or None."""
    result = lookup_point(lng, lat)
    return result.code if result.found else None
