"""A tiny demo size so most demo tests build in well under a second."""

from pingan.demo.sizes import DemoSize

TINY = DemoSize(
    name="tiny",
    streets=1,
    towns=1,
    townships=1,
    street_communities=(2, 2),
    town_communities=1,
    town_villages=(2, 2),
    township_villages=(2, 2),
    community_grids=(2, 3),
    village_grids=(1, 2),
    microgrids=(2, 2),
    radius_km=8.0,
    target_residents=1_000,
)
