"""Who answers for a place (*180 "reach my grid worker"): the grid's on-duty grid workers,
the village staff as fallback, and the town 综治 centre when neither has anyone.

"On duty" is an active position held by an active user: the system keeps no duty roster.
Phones are the staff members' work numbers (`User.phone`, encrypted). They are decrypted
only by `contacts_for` and handed out only through `services.grid_contact_lookup`, which
writes the audit record first.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan.accounts.models import Position
from pingan.accounts.roles import Role
from pingan.public.hotline.places import Place


@dataclass(frozen=True)
class Contact:
    user_id: int
    name: str
    role: str
    role_label: str
    unit_code: str
    unit_name: str
    phone: str
    # True for the village staff and town operators offered when the grid has no one.
    fallback: bool

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "role_label": self.role_label,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "phone": self.phone,
            "fallback": self.fallback,
        }


def _positions(**lookup) -> list[Position]:
    return list(
        Position.objects.filter(active=True, user__is_active=True, **lookup)
        .select_related("user", "region")
        .order_by("region_id", "user__username", "id")
    )


def _contact(position: Position, *, fallback: bool) -> Contact:
    user = position.user
    return Contact(
        user_id=user.pk,
        name=user.full_name or user.username,
        role=position.role,
        role_label=str(position.get_role_display()),
        unit_code=position.region_id,
        unit_name=position.region.name,
        phone=user.phone or "",
        fallback=fallback,
    )


def contacts_for(place: Place) -> list[Contact]:
    """The people to call for `place`, best first, each person once.

    A grid: its grid workers (those of the caller's micro-grid first, then the grid's own,
    then the other micro-grids inside it), then the village staff (fallback). A village:
    its staff. When that finds nobody, the town's operators (fallback).
    """
    if not place.found:
        return []
    found: list[Contact] = []
    if place.grid is not None:
        workers = _positions(role=Role.GRID_WORKER, region__code__startswith=place.grid.code)
        micro = place.microgrid.code if place.microgrid else None
        rank = {micro: 0, place.grid.code: 1}
        workers.sort(key=lambda p: rank.get(p.region_id, 2))
        found += [_contact(p, fallback=False) for p in workers]
    if place.village is not None:
        fallback = place.grid is not None
        staff = _positions(role=Role.VILLAGE_STAFF, region_id=place.village.code)
        found += [_contact(p, fallback=fallback) for p in staff]
    if not found and place.town is not None:
        operators = _positions(role=Role.TOWN_OPERATOR, region_id=place.town.code)
        found += [_contact(p, fallback=place.village is not None) for p in operators]
    seen: set[int] = set()
    unique = []
    for contact in found:
        if contact.user_id not in seen:
            seen.add(contact.user_id)
            unique.append(contact)
    return unique
