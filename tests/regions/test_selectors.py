import pytest

from pingan.regions import selectors
from pingan.regions.services import regions_import
from tests.regions.factories import (
    GRID_A,
    GRID_B,
    MICRO_A1,
    TOWN,
    VILLAGE,
    box,
    build_base_tree,
    row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    build_base_tree()
    # A second village with one grid, and an empty third village.
    regions_import(
        actor=None,
        rows=[
            row("990101001002", "西街社区"),
            row("990101001002001", "西街网格", box(115.9, 39.0, 115.91, 39.01)),
            row("990101001003", "北街社区"),
        ],
    )


def test_region_subtree_and_grids_in(tree):
    assert list(selectors.region_subtree(VILLAGE).values_list("code", flat=True)) == [
        VILLAGE,
        GRID_A,
        MICRO_A1,
        GRID_B,
    ]
    assert list(selectors.grids_in(TOWN).values_list("code", flat=True)) == [
        GRID_A,
        GRID_B,
        "990101001002001",
    ]
    assert selectors.grids_in(TOWN, include_microgrids=True).count() == 4
    assert selectors.grid_count(GRID_A) == 1
    assert selectors.grid_count(MICRO_A1) == 0


def test_grid_counts_by_child_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = selectors.grid_counts_by_child(TOWN)
    assert counts == {VILLAGE: 2, "990101001002": 1}
    assert counts.get("990101001003", 0) == 0
    assert selectors.grid_counts_by_child("990101") == {TOWN: 3}
    assert selectors.grid_counts_by_child("") == {"99": 3}
    assert selectors.grid_counts_by_child(VILLAGE) == {GRID_A: 1, GRID_B: 1}
    assert selectors.grid_counts_by_child(GRID_A) == {}
    assert selectors.grid_counts_by_child(MICRO_A1) == {}


def test_region_children(tree):
    assert [r.code for r in selectors.region_children(TOWN)] == [
        VILLAGE,
        "990101001002",
        "990101001003",
    ]
    assert [r.code for r in selectors.region_children(None)] == ["99"]
