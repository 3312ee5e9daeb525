"""Scoped reads behind the page shell and the home page.

Regions are resolved with the actor (`region_in_scope`): one outside the actor's scope is
"not found" (Http404), exactly like a region that does not exist. The other functions take a
region resolved that way and read only below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from pingan.accounts.scope import Actor, access_region
from pingan.regions import selectors as regions_selectors
from pingan.regions.models import Region, RegionLevel
from pingan.regions.selectors import CODE_LENGTHS, grid_counts_by_child, region_children

# Above this many grids in the requested area the map gets the next coarser level (villages,
# then towns …) instead: thousands of polygons make the page slow and unreadable anyway.
MAP_FEATURE_CAP = 2000
MAP_LEVELS = (
    RegionLevel.GRID,
    RegionLevel.VILLAGE,
    RegionLevel.TOWN,
    RegionLevel.COUNTY,
    RegionLevel.CITY,
)


@dataclass(frozen=True)
class SubRegionRow:
    region: Region
    grid_count: int


def scope_region(actor: Actor) -> Region | None:
    """The root region of the actor's scope: the position's region, or for a department
    position the department's region (as `access_region` allows). None without a position."""
    position = actor.position
    if position is None:
        return None
    return position.region if position.region_id else position.department.region


def region_in_scope(actor: Actor, code: str | None) -> Region:
    """The region `code` (default: the scope root) when the actor may open it, else 404.

    Out-of-scope requests go through `access_region`, which audits them as denials.
    """
    root = scope_region(actor)
    if root is None:
        raise Http404
    if not code or code == root.code:
        return root
    return access_region(actor, code)


def region_trail(actor: Actor, region: Region) -> list[Region]:
    """Breadcrumb from the actor's scope root down to `region` (never above the scope)."""
    root = scope_region(actor)
    if root is None or not region.code.startswith(root.code):
        return []
    # The code is the path, so the ancestors are its prefixes at the level lengths.
    codes = [region.code[:n] for n in CODE_LENGTHS if len(root.code) <= n < len(region.code)]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes).defer("geometry")}
    return [by_code[c] for c in codes if c in by_code] + [region]


def sub_regions_with_grid_counts(region: Region) -> list[SubRegionRow]:
    """Direct children of `region` with the number of grids under each (two queries)."""
    children = list(region_children(region.code).defer("geometry"))
    counts = grid_counts_by_child(region.code)
    return [SubRegionRow(region=child, grid_count=counts.get(child.code, 0)) for child in children]


def grid_count(region: Region) -> int:
    """Grids inside `region` (the region itself counts when it is a grid)."""
    return regions_selectors.grid_count(region.code)


def map_level(region: Region) -> tuple[str, int]:
    """The finest level whose polygons under `region` stay within MAP_FEATURE_CAP, and the
    number of grids under `region` (counted on the way)."""
    grids = 0
    for level in MAP_LEVELS:
        count = Region.objects.filter(level=level, code__startswith=region.code).count()
        if level == RegionLevel.GRID:
            grids = count
        if count <= MAP_FEATURE_CAP:
            return level, grids
    return MAP_LEVELS[-1], grids


def map_regions(region: Region, level: str) -> tuple[list[tuple[str, str, dict]], bool]:
    """(code, name, geometry) of the `level` regions under `region` that have a polygon.

    At most MAP_FEATURE_CAP rows; the flag says whether more were left out.
    """
    qs = (
        Region.objects.filter(level=level, code__startswith=region.code)
        .exclude(geometry__isnull=True)
        .order_by("code")
        .values_list("code", "name", "geometry")
    )
    rows = list(qs[: MAP_FEATURE_CAP + 1])
    return rows[:MAP_FEATURE_CAP], len(rows) > MAP_FEATURE_CAP


def child_outlines(region: Region, feature_level: str) -> list[tuple[str, str, str, dict]]:
    """(code, name, level, geometry) of the direct children drawn as outlines over the map's
    features, e.g. a town's villages over its grids. Empty when the children are the
    features themselves (or grids)."""
    rows = list(
        Region.objects.filter(parent=region)
        .exclude(geometry__isnull=True)
        .exclude(level__in=(RegionLevel.GRID, RegionLevel.MICROGRID, feature_level))
        .order_by("code")
        .values_list("code", "name", "level", "geometry")[: MAP_FEATURE_CAP + 1]
    )
    # A map with more outlines than the cap would be unreadable: leave them out entirely.
    return rows if len(rows) <= MAP_FEATURE_CAP else []
