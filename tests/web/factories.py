"""Region trees and signed-in clients for the page-shell tests."""

from __future__ import annotations

import time

from pingan.accounts import sessions
from pingan.accounts.scope import Actor
from pingan.regions.models import Region
from tests.factories import RegionFactory, region_chain, square

COUNTY = "990101"
TOWN_A = "990101001"
TOWN_B = "990101002"
VILLAGE_A1 = "990101001001"
VILLAGE_A2 = "990101001002"
VILLAGE_B1 = "990101002001"
GRIDS_A1 = ["990101001001001", "990101001001002", "990101001001003"]
GRIDS_A2 = ["990101001002001", "990101001002002"]
GRIDS_B1 = ["990101002001001"]


def area(code: str, name: str, lng: float, lat: float, size: float) -> Region:
    """A region with a square polygon, its ancestors created as needed."""
    parent = region_chain(code[:-3] if len(code) > 6 else code[:-2]) if len(code) > 2 else None
    return RegionFactory(code=code, name=name, parent=parent, geometry=square(lng, lat, size))


def build_county() -> dict[str, Region]:
    """County 990101 with two towns: A (villages A1: 3 grids, A2: 2 grids) and B (B1: 1 grid).

    Squares nest: each village sits inside its town, each grid inside its village.
    """
    regions = {
        COUNTY: area(COUNTY, "示范县", 100.0, 25.0, 1.0),
        TOWN_A: area(TOWN_A, "甲镇", 100.0, 25.0, 0.4),
        TOWN_B: area(TOWN_B, "乙镇", 100.5, 25.0, 0.4),
        VILLAGE_A1: area(VILLAGE_A1, "甲一村", 100.0, 25.0, 0.1),
        VILLAGE_A2: area(VILLAGE_A2, "甲二社区", 100.2, 25.0, 0.1),
        VILLAGE_B1: area(VILLAGE_B1, "乙一村", 100.5, 25.0, 0.1),
    }
    for village, codes, lng in ((VILLAGE_A1, GRIDS_A1, 100.0), (VILLAGE_A2, GRIDS_A2, 100.2)):
        for i, code in enumerate(codes):
            name = f"{regions[village].name}第{i + 1}网格"
            regions[code] = area(code, name, lng + i * 0.02, 25.0, 0.01)
    regions[GRIDS_B1[0]] = area(GRIDS_B1[0], "乙一村第1网格", 100.5, 25.0, 0.01)
    return regions


def sign_in(client, actor: Actor) -> None:
    """A fully signed-in session acting through `actor.position` (second factor passed)."""
    client.force_login(actor.user)
    session = client.session
    now = time.time()
    session[sessions.AUTH_AT] = now
    session[sessions.LAST_SEEN] = now
    session[sessions.TWO_FACTOR_OK] = True
    if actor.position is not None:
        session[sessions.POSITION] = actor.position.pk
    session.save()
