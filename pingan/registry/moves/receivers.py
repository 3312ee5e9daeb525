"""Who receives a moved person, and whether a unit has anyone to act for it.

The receiving unit is the target grid (or village) when it has an active acting position
(a grid worker for a grid, village staff for a village); otherwise the finest unit above it
that has one (village → town → county). So every move lands with someone who can accept it;
`people_unmanaged` still flags a person whose own grid has nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from pingan.accounts.models import Position
from pingan.flow.units import roles_for_unit

# Region code lengths from the finest (micro-grid) to the county.
CHAIN_LENGTHS = (18, 15, 12, 9, 6)


def unit_chain(code: str) -> list[str]:
    """`code` and its ancestors down to the county, finest first."""
    return [code[:n] for n in CHAIN_LENGTHS if n <= len(code)]


def staffed_units(codes: Iterable[str]) -> set[str]:
    """The region units among `codes` with an active user holding a working role of the
    unit's own level there (one query)."""
    codes = [c for c in codes if c]
    rows = Position.objects.filter(
        active=True, user__is_active=True, region_id__in=codes
    ).values_list("region_id", "role")
    return {code for code, role in rows if role in roles_for_unit(code)}


def receiving_unit(to_region: str) -> str:
    """The unit that accepts a person moving to `to_region` (see the module docstring).

    When no unit from the target up to its county has anyone, the target itself: the move
    then waits, turns overdue and shows up as 漏管 until a position is staffed.
    """
    chain = unit_chain(to_region)
    staffed = staffed_units(chain)
    for code in chain:
        if code in staffed:
            return code
    return to_region
