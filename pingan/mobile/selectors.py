"""Reads for the grid worker app: the signed-in user's grids and their open tasks."""

from __future__ import annotations

from dataclasses import dataclass

from pingan.accounts.models import User
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.accounts.selectors import active_positions
from pingan.flow.selectors import inbox
from pingan.regions.models import Region

VILLAGE_CODE_LENGTH, TOWN_CODE_LENGTH = 12, 9


@dataclass(frozen=True)
class MyGrid:
    position_id: int
    code: str
    name: str
    village_code: str
    village_name: str
    town_code: str
    town_name: str
    open_tasks: int
    overdue_tasks: int
    current: bool


def my_grids(user: User, current: Actor) -> list[MyGrid]:
    """One row per active grid-worker position of `user`, with the todo inbox counted for
    that position (the same box `GET /api/v1/cases/?inbox=todo` returns when acting as it).

    Only the user's own positions are read, so no further scope check is needed.
    """
    positions = [
        p for p in active_positions(user) if p.role == Role.GRID_WORKER and p.region_id is not None
    ]
    parents = {
        code
        for p in positions
        for code in (p.region_id[:VILLAGE_CODE_LENGTH], p.region_id[:TOWN_CODE_LENGTH])
    }
    names = dict(Region.objects.filter(code__in=parents).values_list("code", "name"))
    rows = []
    for position in positions:
        todo = inbox(Actor(user=user, position=position), "todo")
        village = position.region_id[:VILLAGE_CODE_LENGTH]
        town = position.region_id[:TOWN_CODE_LENGTH]
        rows.append(
            MyGrid(
                position_id=position.pk,
                code=position.region_id,
                name=position.region.name,
                village_code=village,
                village_name=names.get(village, ""),
                town_code=town,
                town_name=names.get(town, ""),
                open_tasks=todo.count(),
                overdue_tasks=todo.filter(is_overdue=True).count(),
                current=current.position is not None and current.position.pk == position.pk,
            )
        )
    return rows


def receiving_units(grids: list[MyGrid]) -> list[tuple[str, str]]:
    """(code, name) of the villages and towns above the user's grids: the units a report
    made outside every grid may be sent to, nearest first."""
    seen: dict[str, str] = {}
    for grid in grids:
        seen.setdefault(grid.village_code, grid.village_name)
    for grid in grids:
        seen.setdefault(grid.town_code, grid.town_name)
    return list(seen.items())
