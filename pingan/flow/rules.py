"""Who may act on a case: the rules named in `ActionSpec.who`.

Every rule takes the actor and the (locked) case and answers yes or no. Read-only roles
(leaders, auditors) never satisfy any rule. "Acting for a unit" means holding a working role
of that unit's level in that very unit (see `units.acts_for`).
"""

from __future__ import annotations

from collections.abc import Callable

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.flow.models import Case, HolderKind
from pingan.flow.units import (
    COMMAND_LEVELS,
    COMMAND_ROLES,
    actor_unit,
    acts_for,
    is_above,
    region_level,
)
from pingan.regions.models import RegionLevel

Rule = Callable[[Actor, Case], bool]


def holder(actor: Actor, case: Case) -> bool:
    """The actor works in the unit holding the case."""
    return acts_for(actor, case.holder_code)


def region_holder(actor: Actor, case: Case) -> bool:
    """The holder is a region unit (not a department) and the actor works in it."""
    return case.holder_kind == HolderKind.REGION and holder(actor, case)


def centre_holder(actor: Actor, case: Case) -> bool:
    """The holder is a town or county 综治 centre and the actor works in it."""
    return region_holder(actor, case) and region_level(case.holder_code) in COMMAND_LEVELS


def village_holder(actor: Actor, case: Case) -> bool:
    return region_holder(actor, case) and region_level(case.holder_code) == RegionLevel.VILLAGE


def case_grid_worker(actor: Actor, case: Case) -> bool:
    """The grid worker of the case's grid, while the case sits with the grid's village."""
    if not actor.has_role(Role.GRID_WORKER) or actor.is_read_only:
        return False
    grid = case.region_code[:15] if len(case.region_code) >= 15 else ""
    return bool(grid) and actor_unit(actor) == grid and case.holder_code == grid[:12]


def origin(actor: Actor, case: Case) -> bool:
    """The actor works in the unit that reported (opened) the case, e.g. to withdraw it."""
    return acts_for(actor, case.origin_code)


def command(actor: Actor, case: Case) -> bool:
    """The actor works in the case's command unit (the region unit answering for closure)."""
    return acts_for(actor, case.command_code)


def approver(actor: Actor, case: Case) -> bool:
    """The actor may decide the pending extension request.

    The approver is the unit that handed the case down; when the holder is itself the
    command unit the next level up decides, and at the county the commander decides on an
    operator's request (never on their own).
    """
    pending = case.pending_extension
    if not pending or not acts_for(actor, case.pending_approver_code):
        return False
    if case.pending_approver_code == case.holder_code:
        return actor.has_role(Role.COUNTY_COMMANDER) and actor.user.pk != pending.get("user_id")
    return True


def superior(actor: Actor, case: Case) -> bool:
    """A town/county centre above the holding unit (督办, 批示, 加急)."""
    position = actor.position
    if position is None or actor.is_read_only or position.role not in COMMAND_ROLES:
        return False
    unit = actor_unit(actor)
    if not acts_for(actor, unit):
        return False
    return is_above(unit, case.holder_code)


def command_or_superior(actor: Actor, case: Case) -> bool:
    if command(actor, case):
        return True
    position = actor.position
    if position is None or actor.is_read_only or position.role not in COMMAND_ROLES:
        return False
    unit = actor_unit(actor)
    return acts_for(actor, unit) and bool(case.command_code) and is_above(unit, case.command_code)


def assist(actor: Actor, case: Case) -> bool:
    """The actor works in a 协办 unit of the case that has not fed back yet."""
    unit = actor_unit(actor)
    if not unit or not acts_for(actor, unit):
        return False
    return case.assists.filter(unit_code=unit, done_at__isnull=True).exists()


RULES: dict[str, Rule] = {
    "holder": holder,
    "region_holder": region_holder,
    "centre_holder": centre_holder,
    "village_holder": village_holder,
    "case_grid_worker": case_grid_worker,
    "origin": origin,
    "command": command,
    "approver": approver,
    "superior": superior,
    "command_or_superior": command_or_superior,
    "assist": assist,
}


def satisfies(actor: Actor, case: Case, who: tuple[str, ...]) -> bool:
    return any(RULES[name](actor, case) for name in who)
