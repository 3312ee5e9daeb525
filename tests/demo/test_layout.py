"""The demo county's geometry and codes, without a database: tiling, determinism, rules."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import pytest
import shapely
from shapely.geometry import Polygon, box

from pingan.demo import geometry as geo
from pingan.demo.layout import plan_regions
from pingan.demo.sizes import SIZES
from pingan.regions.models import LEVEL_BY_CODE_LENGTH, RegionLevel
from pingan.regions.validation import RegionRow, validate_rows
from tests.demo.factories import TINY

SEED = 20261121


@pytest.fixture(scope="module")
def small():
    return plan_regions(SIZES["small"], SEED)


def fingerprint(regions) -> list[tuple[str, str, str]]:
    return [
        (r.code, r.name, hashlib.sha256(shapely.to_wkb(r.polygon)).hexdigest()) for r in regions
    ]


def test_small_size_has_the_promised_counts(small):
    levels = defaultdict(int)
    for region in small:
        levels[region.level] += 1
    assert levels[RegionLevel.PROVINCE] == levels[RegionLevel.CITY] == 1
    assert levels[RegionLevel.COUNTY] == 1
    assert levels[RegionLevel.TOWN] >= 12
    assert levels[RegionLevel.VILLAGE] >= 150
    assert levels[RegionLevel.GRID] >= 600
    assert 0 < levels[RegionLevel.MICROGRID] <= 30
    # The minimums hold for every seed, not just this one.
    assert SIZES["small"].minimum_villages >= 150
    assert SIZES["small"].minimum_grids >= 600


def test_codes_follow_the_statistical_code_rules(small):
    by_code = {r.code: r for r in small}
    assert [r.code for r in small[:3]] == ["99", "9901", "990101"]
    assert [r.name for r in small[:3]] == ["示范省", "示范市", "示范县"]
    for region in small:
        assert LEVEL_BY_CODE_LENGTH[len(region.code)] == region.level
        assert region.code.isdigit()
        if region.parent_code:
            assert region.parent_code in by_code
            assert region.code.startswith(region.parent_code)
    towns = [r for r in small if r.level == RegionLevel.TOWN]
    suffix = {"street": "街道", "town": "镇", "township": "乡"}
    ranges = {"street": (1, 99), "town": (100, 199), "township": (200, 399)}
    for town in towns:
        assert town.name.endswith(suffix[town.kind])
        low, high = ranges[town.kind]
        assert low <= int(town.code[-3:]) <= high
    assert {t.kind for t in towns} == {"street", "town", "township"}
    assert towns[0].code == "990101001"
    for village in (r for r in small if r.level == RegionLevel.VILLAGE):
        number = int(village.code[-3:])
        if village.kind == "community":
            assert village.name.endswith("社区")
            assert 1 <= number <= 199
        else:
            assert village.name.endswith("村")
            assert 200 <= number <= 399
    names = [r.name for r in small if r.level in (RegionLevel.TOWN, RegionLevel.VILLAGE)]
    assert len(names) == len(set(names))


def test_every_level_tiles_its_parent_exactly(small):
    by_code = {r.code: r for r in small}
    children = defaultdict(list)
    for region in small:
        assert region.polygon.geom_type == "Polygon"
        assert region.polygon.is_valid
        if region.parent_code and len(region.code) > 6:
            children[region.parent_code].append(region.polygon)
    assert len(children) > 150
    for parent_code, parts in children.items():
        parent = by_code[parent_code].polygon
        union = shapely.union_all(parts)
        assert union.area / parent.area > 0.999
        assert union.symmetric_difference(parent).area < 1e-12, parent_code
        assert shapely.coverage_is_valid(shapely.GeometryCollection(parts)), parent_code
        assert interior_overlaps(parts) == [], parent_code
    # The towns tile the county too, and province/city carry the county outline.
    towns = [r.polygon for r in small if r.level == RegionLevel.TOWN]
    assert shapely.union_all(towns).symmetric_difference(by_code["990101"].polygon).area < 1e-12
    assert by_code["99"].polygon.equals(by_code["990101"].polygon)


def interior_overlaps(polygons: list[Polygon]) -> list[tuple[int, int]]:
    """Pairs whose interiors intersect (sharing an edge or a vertex is fine)."""
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    return [
        (int(a), int(b))
        for a, b in zip(left, right, strict=True)
        if a < b and shapely.relate_pattern(polygons[a], polygons[b], "T********")
    ]


def test_coordinates_are_stored_at_six_decimals(small):
    for region in small[:200]:
        coords = shapely.get_coordinates(region.polygon)
        assert (abs(coords * 1e6 - (coords * 1e6).round()) < 1e-6).all()
        geojson = geo.to_geojson(region.polygon)
        assert geojson["type"] == "Polygon"
        ring = geojson["coordinates"][0]
        assert ring[0] == ring[-1]
        assert all(len(str(value).split(".")[-1]) <= 6 for point in ring for value in point)


def test_the_county_sits_at_its_fictional_location(small):
    county = small[2].polygon
    centre = county.centroid
    assert abs(centre.x - 104.0) < 0.1
    assert abs(centre.y - 27.3) < 0.1
    min_x, min_y, max_x, max_y = county.bounds
    width_km = (max_x - min_x) * 111.32 * 0.888  # cos(27.3°)
    height_km = (max_y - min_y) * 110.57
    assert 40 < width_km < 65
    assert 40 < height_km < 65


def test_same_seed_same_county_other_seed_other_shapes():
    first = fingerprint(plan_regions(TINY, 7))
    again = fingerprint(plan_regions(TINY, 7))
    other = fingerprint(plan_regions(TINY, 8))
    assert first == again
    assert first[2][2] != other[2][2]  # the county outline differs
    shared = {code for code, _n, _h in first} & {code for code, _n, _h in other}
    first_hashes = {code: h for code, _n, h in first}
    other_hashes = {code: h for code, _n, h in other}
    assert all(first_hashes[c] != other_hashes[c] for c in shared if len(c) >= 6)


def test_voronoi_split_of_a_concave_parent_gives_whole_cells():
    # A U shape: Voronoi cells spanning both arms would fall apart without the repair.
    u_shape = box(0, 0, 10, 10).difference(box(3, 3, 7, 10))
    seeds = [(1.5, 8), (8.5, 8), (5, 1.5), (1.5, 2), (8.5, 2), (5, 2.5)]
    cells = geo.voronoi_split(u_shape, seeds)
    assert len(cells) == len(seeds)
    assert all(cell.geom_type == "Polygon" for cell in cells)
    assert abs(shapely.union_all(cells).area - u_shape.area) < 1e-9
    assert interior_overlaps(cells) == []


def test_snap_hierarchy_builds_parents_from_shared_faces():
    # Two grids whose shared edge carries a vertex only on one side before snapping.
    left = Polygon([(0, 0), (0.5, 0), (0.5, 0.25), (0.5, 1), (0, 1)])
    right = Polygon([(0.5, 0), (1, 0), (1, 1), (0.5, 1)])
    snapped = geo.snap_hierarchy(
        {"990101001001001": left, "990101001001002": right}, prefix_lengths=(9, 12)
    )
    assert set(snapped) == {"990101001", "990101001001", "990101001001001", "990101001001002"}
    assert snapped["990101001001"].equals(box(0, 0, 1, 1))
    assert interior_overlaps([snapped["990101001001001"], snapped["990101001001002"]]) == []


def test_the_regions_validator_accepts_the_demo_county(small, db):
    rows = [
        RegionRow(
            label=r.code,
            code=r.code,
            name=r.name,
            level=r.level,
            parent=r.parent_code,
            geometry=geo.to_geojson(r.polygon),
        )
        for r in small
    ]
    result = validate_rows(rows)
    assert result.errors == []
    assert result.warnings == []
    assert len(result.rows) == len(small)
