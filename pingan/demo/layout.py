"""The demo county's region tree as plain data: codes, names, levels and WGS84 polygons.

Pure (no database): `plan_regions(size, seed)` returns the same list for the same inputs.
The builder stores it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import shapely.affinity
from shapely.geometry import Polygon

from pingan.demo import geometry as geo
from pingan.demo.names import NamePool, grid_name, microgrid_name
from pingan.demo.sizes import CENTER_LAT, CENTER_LNG, DemoSize
from pingan.regions.models import RegionLevel

PROVINCE = ("99", "示范省")
CITY = ("9901", "示范市")
COUNTY = ("990101", "示范县")

# First three-digit number of each kind (national statistical division code rules).
FIRST_NUMBER = {"street": 1, "town": 101, "township": 201, "community": 1, "village": 201}


@dataclass
class PlannedRegion:
    code: str
    name: str
    level: str
    kind: str  # province/city/county, street/town/township, community/village, grid, microgrid
    polygon: Polygon | None = None
    residents: int = 0  # villages only: share of DemoSize.target_residents
    children: list[PlannedRegion] = field(default_factory=list, repr=False)

    @property
    def parent_code(self) -> str | None:
        lengths = (2, 4, 6, 9, 12, 15, 18)
        index = lengths.index(len(self.code))
        return self.code[: lengths[index - 1]] if index else None


def plan_regions(size: DemoSize, seed: int) -> list[PlannedRegion]:
    """Every region of the demo county, parents before children, with snapped polygons."""
    names = NamePool(seed)
    county_rng = geo.rng_for(seed, COUNTY[0])
    outline = geo.county_outline(county_rng, size.radius_km)
    towns = _plan_towns(size, seed, outline, names)
    projection = geo.Projection(CENTER_LNG, CENTER_LAT)
    leaves: dict[str, Polygon] = {}  # finest cells (km plane → WGS84), snapped together below
    showcase: PlannedRegion | None = None  # the first urban 社区 gets micro-grids
    for town, town_cell in towns:
        for village, village_cell in _plan_villages(size, seed, town, town_cell, names):
            if showcase is None and village.kind == "community":
                showcase = village
            for code, cell in _plan_grids(size, seed, village, village_cell, village is showcase):
                leaves[code] = projection.to_wgs84(cell)
    polygons = geo.snap_hierarchy(leaves, prefix_lengths=(2, 4, 6, 9, 12, 15))
    regions = _flatten([town for town, _cell in towns])
    _distribute_residents(size, seed, [r for r in regions if r.level == RegionLevel.VILLAGE])
    top = [
        PlannedRegion(PROVINCE[0], PROVINCE[1], RegionLevel.PROVINCE, "province"),
        PlannedRegion(CITY[0], CITY[1], RegionLevel.CITY, "city"),
        PlannedRegion(COUNTY[0], COUNTY[1], RegionLevel.COUNTY, "county"),
    ]
    for region in top + regions:
        region.polygon = polygons[region.code]
    return top + regions


def _plan_towns(
    size: DemoSize, seed: int, outline: Polygon, names: NamePool
) -> list[tuple[PlannedRegion, Polygon]]:
    """街道 packed around the county seat, 镇 nearer to it than the remote 乡."""
    rng = geo.rng_for(seed, COUNTY[0], "towns")
    radius = size.radius_km
    seat = (rng.uniform(-0.2, 0.2) * radius, rng.uniform(-0.2, 0.2) * radius)
    # The county seat's built-up area is split into 街道; the countryside into 镇 and 乡.
    urban = shapely.affinity.translate(geo.county_outline(rng, radius / 6), *seat)
    urban = urban.intersection(outline)
    rural = outline.difference(urban)
    rural_seeds = geo.sample_seeds(rng, rural, size.towns + size.townships)
    # 镇 lie nearer the seat than the remote 乡.
    rural_seeds.sort(key=lambda p: math.hypot(p[0] - seat[0], p[1] - seat[1]))
    rural_cells = geo.voronoi_split(rural, rural_seeds)
    cells = {
        "street": geo.relaxed_split(rng, urban, size.streets),
        "town": rural_cells[: size.towns],
        "township": rural_cells[size.towns :],
    }
    planned: list[tuple[PlannedRegion, Polygon]] = []
    for kind in ("street", "town", "township"):
        for offset, cell in enumerate(geo.order_cells(cells[kind])):
            name = {"street": names.street, "town": names.town, "township": names.township}[kind]()
            town = PlannedRegion(
                code=f"{COUNTY[0]}{FIRST_NUMBER[kind] + offset:03d}",
                name=name,
                level=RegionLevel.TOWN,
                kind=kind,
            )
            planned.append((town, cell))
    return planned


def _plan_villages(
    size: DemoSize, seed: int, town: PlannedRegion, cell: Polygon, names: NamePool
) -> list[tuple[PlannedRegion, Polygon]]:
    """社区 and 村 of one town. A 镇's 社区 are the cells nearest its centre (the town seat)."""
    rng = geo.rng_for(seed, town.code)
    if town.kind == "street":
        communities, villages = int(rng.integers(*_inclusive(size.street_communities))), 0
    elif town.kind == "town":
        communities = size.town_communities
        villages = int(rng.integers(*_inclusive(size.town_villages)))
    else:
        communities, villages = 0, int(rng.integers(*_inclusive(size.township_villages)))
    cells = geo.relaxed_split(rng, cell, communities + villages)
    centre = cell.centroid
    by_distance = sorted(range(len(cells)), key=lambda i: cells[i].centroid.distance(centre))
    urban = set(by_distance[:communities])
    planned: list[tuple[PlannedRegion, Polygon]] = []
    counters = {"community": FIRST_NUMBER["community"], "village": FIRST_NUMBER["village"]}
    for index, village_cell in enumerate(cells):  # already in map-reading order
        kind = "community" if index in urban else "village"
        village = PlannedRegion(
            code=f"{town.code}{counters[kind]:03d}",
            name=names.community() if kind == "community" else names.village(),
            level=RegionLevel.VILLAGE,
            kind=kind,
        )
        counters[kind] += 1
        town.children.append(village)
        planned.append((village, village_cell))
    town.children.sort(key=lambda village: village.code)
    return planned


def _plan_grids(
    size: DemoSize, seed: int, village: PlannedRegion, cell: Polygon, with_micro: bool
) -> list[tuple[str, Polygon]]:
    """Grids of one village (and their micro-grids); returns the finest (code, cell) pairs."""
    rng = geo.rng_for(seed, village.code)
    low, high = size.community_grids if village.kind == "community" else size.village_grids
    leaves: list[tuple[str, Polygon]] = []
    for number, grid_cell in enumerate(
        geo.relaxed_split(rng, cell, int(rng.integers(low, high + 1))), 1
    ):
        grid = PlannedRegion(
            code=f"{village.code}{number:03d}",
            name=grid_name(village.name, number),
            level=RegionLevel.GRID,
            kind="grid",
        )
        village.children.append(grid)
        if not with_micro:
            leaves.append((grid.code, grid_cell))
            continue
        count = int(rng.integers(size.microgrids[0], size.microgrids[1] + 1))
        for sub, sub_cell in enumerate(geo.relaxed_split(rng, grid_cell, count), 1):
            micro = PlannedRegion(
                code=f"{grid.code}{sub:03d}",
                name=microgrid_name(grid.name, sub),
                level=RegionLevel.MICROGRID,
                kind="microgrid",
            )
            grid.children.append(micro)
            leaves.append((micro.code, sub_cell))
    return leaves


def _inclusive(bounds: tuple[int, int]) -> tuple[int, int]:
    return bounds[0], bounds[1] + 1


def _flatten(regions: list[PlannedRegion]) -> list[PlannedRegion]:
    flat: list[PlannedRegion] = []
    for region in regions:
        flat.append(region)
        flat.extend(_flatten(region.children))
    return sorted(flat, key=lambda r: (len(r.code), r.code))


def _distribute_residents(size: DemoSize, seed: int, villages: list[PlannedRegion]) -> None:
    """Split the target population over villages: 社区 are denser than 村."""
    rng = geo.rng_for(seed, COUNTY[0], "residents")
    weights = [
        (3.0 if village.kind == "community" else 1.0) * rng.uniform(0.6, 1.4)
        for village in villages
    ]
    total = sum(weights)
    shares = [int(size.target_residents * weight / total) for weight in weights]
    for index in range(size.target_residents - sum(shares)):  # hand out the rounding rest
        shares[index % len(shares)] += 1
    for village, share in zip(villages, shares, strict=True):
        village.residents = share
