"""Point → grid: the index core, the per-process cache and its rebuild protocol."""

from unittest import mock

import numpy as np
import pytest
import shapely

from pingan.regions import lookup
from pingan.regions.gridindex import GridIndex
from pingan.regions.lookup import lookup_point, lookup_points
from pingan.regions.models import GridIndexVersion, Region
from pingan.regions.services import regions_import
from tests.regions.factories import (
    GRID_A,
    GRID_B,
    MICRO_A1,
    VILLAGE,
    box,
    build_base_tree,
    row,
)

# --- the index core (no database) ---------------------------------------------------------------


def test_index_finds_the_finest_polygon():
    grid = shapely.box(0, 0, 10, 10)
    micro = shapely.box(1, 1, 2, 2)
    index = GridIndex(["990101001001001", "990101001001001001"], [grid, micro])
    assert index.code(index.lookup(1.5, 1.5)) == "990101001001001001"
    assert index.code(index.lookup(5, 5)) == "990101001001001"
    assert index.lookup(11, 5) == -1


def test_holes_and_multipolygons():
    with_hole = shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6), (4, 6)]]
    )
    two_parts = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)])
    index = GridIndex(["990101001001001", "990101001001002"], [with_hole, two_parts])
    assert index.code(index.lookup(1, 1)) == "990101001001001"
    assert index.lookup(5, 5) == -1  # in the hole
    assert index.code(index.lookup(30.5, 0.5)) == "990101001001002"
    assert index.lookup(25, 0.5) == -1


def test_point_on_a_shared_edge_belongs_to_exactly_one_grid():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    index = GridIndex(["990101001001001", "990101001001002"], [left, right])
    ids = index.lookup_many(np.full(101, 1.0), np.linspace(0.001, 0.999, 101))
    assert set(ids.tolist()) <= {0, 1} and -1 not in ids.tolist()


def test_bulk_agrees_with_shapely_on_irregular_polygons():
    rng = np.random.default_rng(7)
    codes, polygons = [], []
    for k in range(400):
        cx, cy = 116 + (k % 20) * 0.01 + 0.005, 39 + (k // 20) * 0.01 + 0.005
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(20, 120)))
        radius = rng.uniform(0.002, 0.0049, len(angles))
        ring = np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])
        polygons.append(shapely.Polygon(np.round(ring, 7)))
        codes.append(f"990101001001{k:03d}")
    index = GridIndex(codes, polygons)
    x = rng.uniform(115.99, 116.21, 50_000)
    y = rng.uniform(38.99, 39.21, 50_000)
    got = index.lookup_many(x, y, workers=2)
    tree = shapely.STRtree(polygons)
    pts, hits = tree.query(shapely.points(x, y), predicate="intersects")
    expected = np.full(len(x), -1)
    expected[pts] = hits
    # Points within a few centimetres of an edge may differ by fixed-point rounding: skip them.
    edges = shapely.boundary(shapely.union_all(polygons))
    near_edge = shapely.distance(shapely.points(x, y), edges) < 1e-6
    mine = np.array([int(index.code(i)[12:]) if i >= 0 else -1 for i in got])
    assert (mine[~near_edge] == expected[~near_edge]).all()
    assert (expected >= 0).sum() > 10_000
    for i in range(200):  # the single-point path answers the same
        assert index.lookup(x[i], y[i]) == got[i]


def test_raster_shortcut_agrees_with_the_exact_path():
    rng = np.random.default_rng(11)
    polygons = [
        shapely.Polygon(
            np.round(
                np.column_stack(
                    [
                        (k % 10) * 0.01 + 0.005 + rng.uniform(0.002, 0.005, 60) * np.cos(t),
                        (k // 10) * 0.01 + 0.005 + rng.uniform(0.002, 0.005, 60) * np.sin(t),
                    ]
                ),
                7,
            )
        )
        for k in range(100)
        for t in [np.sort(rng.uniform(0, 2 * np.pi, 60))]
    ]
    index = GridIndex([f"990101001001{k:03d}" for k in range(100)], polygons)
    x, y = rng.uniform(-0.01, 0.11, 100_000), rng.uniform(-0.01, 0.11, 100_000)
    with_raster = index.lookup_many(x, y, workers=1)
    assert (index._raster.cells >= -1).mean() > 0.2  # the shortcut answers a real share
    index._raster = None
    assert (index.lookup_many(x, y, workers=1) == with_raster).all()


def test_empty_index_and_non_polygons_are_skipped():
    index = GridIndex(["990101001001001"], [shapely.Point(1, 1)])
    assert index.size == 0
    assert index.lookup(1, 1) == -1
    assert index.lookup_many(np.array([1.0]), np.array([1.0])).tolist() == [-1]


# --- the service ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lookup_inside_a_grid_reports_the_whole_chain():
    build_base_tree()
    result = lookup_point(116.015, 39.005)
    assert result.as_dict() == {
        "found": True,
        "lng": 116.015,
        "lat": 39.005,
        "code": GRID_B,
        "grid": {"code": GRID_B, "name": "东街第二网格"},
        "microgrid": None,
        "village": {"code": VILLAGE, "name": "东街社区"},
        "town": {"code": "990101001", "name": "城关镇"},
        "county": {"code": "990101", "name": "示范县"},
        "message": "",
    }


@pytest.mark.django_db
def test_micro_grid_is_preferred_over_its_grid():
    build_base_tree()
    result = lookup_point(116.002, 39.002)
    assert result.code == MICRO_A1
    assert result.microgrid.as_dict() == {"code": MICRO_A1, "name": "一号楼微网格"}
    assert result.grid.code == GRID_A
    assert lookup_point(116.005, 39.005).code == GRID_A


@pytest.mark.django_db
def test_outside_every_grid():
    build_base_tree()
    result = lookup_point(117.0, 40.0)
    assert (result.found, result.code, result.grid, result.message) == (
        False,
        None,
        None,
        "该位置不在任何网格内",
    )


@pytest.mark.django_db
def test_gcj02_points_are_converted_first():
    build_base_tree()
    from pingan.regions.coords import wgs84_to_gcj02

    gcj = wgs84_to_gcj02(116.015, 39.005)
    result = lookup_point(*gcj, crs="gcj02")
    assert result.code == GRID_B
    assert (result.lng, result.lat) == pytest.approx((116.015, 39.005), abs=1e-7)
    # The same numbers read as WGS84 land somewhere else.
    assert lookup_point(*gcj).code != GRID_B


@pytest.mark.django_db
def test_bulk_lookup_points():
    build_base_tree()
    codes = lookup_points(np.array([116.015, 116.002, 117.0]), np.array([39.005, 39.002, 40.0]))
    assert codes == [GRID_B, MICRO_A1, None]


@pytest.mark.django_db
def test_index_is_cached_between_lookups_within_the_check_interval(
    settings, django_assert_num_queries
):
    settings.PINGAN_GRID_INDEX_CHECK_SECONDS = 5
    build_base_tree()
    clock = mock.patch.object(lookup, "_now", return_value=1000.0)
    with clock:
        lookup_point(116.015, 39.005)  # builds
        with django_assert_num_queries(0):
            assert lookup_point(116.015, 39.005).code == GRID_B


@pytest.mark.django_db
def test_rebuild_when_another_process_changes_grids(settings):
    """Another worker changes a grid and bumps the stamp; this one notices within N seconds."""
    settings.PINGAN_GRID_INDEX_CHECK_SECONDS = 5
    build_base_tree()
    with mock.patch.object(lookup, "_now", return_value=1000.0):
        assert lookup_point(116.015, 39.005).code == GRID_B
    # "Another process": write the rows directly and bump the version, as its service would.
    Region.objects.filter(code=GRID_B).update(geometry=box(116.01, 39.0, 116.02, 39.004))
    Region.objects.create(
        code="990101001001003",
        name="东街第三网格",
        level="grid",
        parent_id=VILLAGE,
        geometry=box(116.01, 39.004, 116.02, 39.01),
    )
    GridIndexVersion.objects.filter(id=1).update(version=99, stamp="from-another-process")
    with mock.patch.object(lookup, "_now", return_value=1003.0):
        assert lookup_point(116.015, 39.005).code == GRID_B  # not checked yet: still cached
    with mock.patch.object(lookup, "_now", return_value=1005.0):
        result = lookup_point(116.015, 39.005)
    assert (result.code, result.grid.name) == ("990101001001003", "东街第三网格")


@pytest.mark.django_db
def test_a_change_in_this_process_is_seen_without_waiting(
    settings, django_capture_on_commit_callbacks
):
    settings.PINGAN_GRID_INDEX_CHECK_SECONDS = 3600
    build_base_tree()
    assert lookup_point(116.015, 39.0095).code == GRID_B
    with django_capture_on_commit_callbacks(execute=True):
        report = regions_import(
            actor=None,
            rows=[
                row(GRID_B, "东街第二网格", box(116.01, 39.0, 116.02, 39.009)),
                row("990101001001003", "东街第三网格", box(116.01, 39.009, 116.02, 39.01)),
            ],
        )
    assert report.ok
    assert lookup_point(116.015, 39.0095).code == "990101001001003"


@pytest.mark.django_db
def test_renaming_a_village_shows_in_results(django_capture_on_commit_callbacks):
    from pingan.regions.services import region_rename

    build_base_tree()
    assert lookup_point(116.015, 39.005).village.name == "东街社区"
    region_rename(actor=None, code=VILLAGE, name="东街新社区")
    assert lookup_point(116.015, 39.005).village.name == "东街新社区"


@pytest.mark.django_db
def test_broken_stored_geometry_does_not_break_lookups():
    build_base_tree()
    Region.objects.create(
        code="990101001001009",
        name="坏数据",
        level="grid",
        parent_id=VILLAGE,
        geometry={"type": "Polygon", "coordinates": "nonsense"},
    )
    GridIndexVersion.objects.filter(id=1).update(stamp="changed")
    assert lookup_point(116.015, 39.005).code == GRID_B


@pytest.mark.django_db
def test_no_grids_at_all():
    result = lookup_point(116.0, 39.0)
    assert (result.found, result.message) == (False, "该位置不在任何网格内")
