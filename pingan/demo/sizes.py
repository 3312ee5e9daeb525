"""How big each demo county is. Counts are ranges drawn per parent from the seed."""

from __future__ import annotations

from dataclasses import dataclass

# Fictional location (no real region uses code 99): a hilly county seat in the south-west.
CENTER_LNG = 104.0
CENTER_LAT = 27.3


@dataclass(frozen=True)
class DemoSize:
    """Shape of one demo county. `*_villages` and `*_grids` are inclusive (low, high) ranges.

    Code rules follow the national statistical division codes: 街道 001–099, 镇 100–199,
    乡 200–399 at town level; 社区 (居委会) 001–199, 村 (村委会) 200–399 at village level.
    """

    name: str
    streets: int  # 街道: urban, clustered around the county seat, all villages are 社区
    towns: int  # 镇: a few 社区 at the town seat, the rest 村
    townships: int  # 乡: remote, all 村
    street_communities: tuple[int, int]
    town_communities: int
    town_villages: tuple[int, int]  # 村 per 镇, on top of its 社区
    township_villages: tuple[int, int]
    community_grids: tuple[int, int]
    village_grids: tuple[int, int]
    microgrids: tuple[int, int]  # per grid of the one showcase 社区 that has micro-grids
    radius_km: float
    target_residents: int  # recorded for later modules that add people to the demo

    @property
    def town_count(self) -> int:
        return self.streets + self.towns + self.townships

    @property
    def minimum_villages(self) -> int:
        return (
            self.streets * self.street_communities[0]
            + self.towns * (self.town_communities + self.town_villages[0])
            + self.townships * self.township_villages[0]
        )

    @property
    def minimum_grids(self) -> int:
        communities = self.streets * self.street_communities[0] + self.towns * self.town_communities
        villages = self.towns * self.town_villages[0] + self.townships * self.township_villages[0]
        return communities * self.community_grids[0] + villages * self.village_grids[0]


SIZES: dict[str, DemoSize] = {
    # The default: everything a reviewer needs to click through, built in seconds.
    "small": DemoSize(
        name="small",
        streets=3,
        towns=8,
        townships=3,
        street_communities=(8, 10),
        town_communities=2,
        town_villages=(10, 13),
        township_villages=(10, 12),
        community_grids=(5, 6),
        village_grids=(4, 5),
        microgrids=(3, 4),
        radius_km=25.0,
        target_residents=20_000,
    ),
    # Benchmarks: a 500,000-resident county (people and cases come with later modules).
    "county": DemoSize(
        name="county",
        streets=4,
        towns=12,
        townships=4,
        street_communities=(11, 13),
        town_communities=2,
        town_villages=(13, 15),
        township_villages=(14, 16),
        community_grids=(3, 5),
        village_grids=(1, 3),
        microgrids=(3, 4),
        radius_km=32.0,
        target_residents=500_000,
    ),
}
