"""Units that hold cases: region units (by code = path) and departments.

A case is held by one unit code. Region codes are digit paths (DESIGN §4.1); department
codes are `<region>-<type>`, so the kind of a unit is visible from its code. Which positions
act for a unit depends on the unit's level: grid workers for grids, village staff for
villages, operators for towns and counties, handlers for departments.
"""

from __future__ import annotations

from collections.abc import Iterable

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.flow.models import HolderKind
from pingan.regions.models import LEVEL_BY_CODE_LENGTH, Department, Region, RegionLevel

ROLES_BY_LEVEL: dict[str, frozenset[str]] = {
    RegionLevel.GRID: frozenset({Role.GRID_WORKER}),
    RegionLevel.MICROGRID: frozenset({Role.GRID_WORKER}),
    RegionLevel.VILLAGE: frozenset({Role.VILLAGE_STAFF}),
    RegionLevel.TOWN: frozenset({Role.TOWN_OPERATOR}),
    RegionLevel.COUNTY: frozenset({Role.COUNTY_OPERATOR, Role.COUNTY_COMMANDER}),
}
DEPARTMENT_HOLDER_ROLES = frozenset({Role.DEPARTMENT_HANDLER})
# Region levels that run a 综治 centre and may supervise, dispatch and approve.
COMMAND_LEVELS = (RegionLevel.TOWN, RegionLevel.COUNTY)
COMMAND_ROLES = frozenset({Role.TOWN_OPERATOR, Role.COUNTY_OPERATOR, Role.COUNTY_COMMANDER})


def unit_kind(code: str) -> str:
    return HolderKind.REGION if code.isdigit() else HolderKind.DEPARTMENT


def region_level(code: str) -> str | None:
    return LEVEL_BY_CODE_LENGTH.get(len(code)) if code.isdigit() else None


def department_region(code: str) -> str:
    """Region code a department sits in (`<region>-<type>`)."""
    return code.split("-", 1)[0]


def unit_region(code: str) -> str:
    """The region a unit belongs to: itself for regions, the seat for departments."""
    return code if code.isdigit() else department_region(code)


def parent_command_unit(code: str) -> str | None:
    """The next unit up that receives escalations: grid → village → town → county."""
    level = region_level(code)
    if level in (RegionLevel.GRID, RegionLevel.MICROGRID):
        return code[:12]
    if level == RegionLevel.VILLAGE:
        return code[:9]
    if level == RegionLevel.TOWN:
        return code[:6]
    return None


def is_above(upper: str, lower: str) -> bool:
    """True when unit `upper` is a strictly higher level than `lower` in the same subtree.

    A department counts as sitting just below its region's centre, so a county centre is
    above a county department, and a town centre above the town's 派出所.
    """
    if not upper.isdigit():
        return False
    lower_region = unit_region(lower)
    if lower.isdigit():
        return len(lower_region) > len(upper) and lower_region.startswith(upper)
    return lower_region.startswith(upper)


def roles_for_unit(code: str) -> frozenset[str]:
    if unit_kind(code) == HolderKind.DEPARTMENT:
        return DEPARTMENT_HOLDER_ROLES
    return ROLES_BY_LEVEL.get(region_level(code) or "", frozenset())


def acts_for(actor: Actor, code: str) -> bool:
    """True when the actor's position is a working role in unit `code` itself."""
    position = actor.position
    if position is None or actor.is_read_only or not code:
        return False
    return position.unit_code == code and position.role in roles_for_unit(code)


def actor_unit(actor: Actor) -> str:
    return actor.position.unit_code if actor.position else ""


def unit_exists(code: str) -> bool:
    if unit_kind(code) == HolderKind.REGION:
        return Region.objects.filter(code=code).exists()
    return Department.objects.filter(code=code, active=True).exists()


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    """Names for a batch of unit codes in two queries (list endpoints stay constant)."""
    codes = {c for c in codes if c}
    regions = [c for c in codes if c.isdigit()]
    departments = [c for c in codes if not c.isdigit()]
    names: dict[str, str] = {}
    if regions:
        names.update(Region.objects.filter(code__in=regions).values_list("code", "name"))
    if departments:
        names.update(Department.objects.filter(code__in=departments).values_list("code", "name"))
    return names
