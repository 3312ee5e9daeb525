"""Scoped reads behind the registry's entry and correction forms: which grids a record may
be filed under, the house and owner pickers, who may be made responsible for a card, and
the organizations, places and lines a form corrects.

Everything starts from the actor's scope (`selectors.visible_*`, `scope_users`); the
services check again when the form is saved, so these lists only decide what is offered.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from pingan.accounts.models import User
from pingan.accounts.scope import Actor, get_in_scope_or_404, scope_users
from pingan.core.masking import mask_id_number
from pingan.regions.models import Region, RegionLevel
from pingan.registry.models import Card, CardStatus, House, Organization, Person, Place, Route
from pingan.registry.selectors import search_people, visible_houses, visible_units
from pingan.registry.services.common import PERSON_LEVELS

REGION_CHOICE_CAP = 3000
HOUSE_CHOICE_CAP = 200
PERSON_CHOICE_CAP = 20
STAFF_CHOICE_CAP = 200
# Code length of each level a region position may sit at (county … micro-grid).
PREFIX_LENGTHS = (6, 9, 12, 15, 18)


def filing_regions(actor: Actor) -> list[dict]:
    """Villages, grids and micro-grids in the actor's scope a record may be filed under,
    in code order, with the towns as unselectable headings: [{code, name, level,
    selectable}] (capped)."""
    prefix = actor.scope_code
    if not prefix:
        return []
    levels = (RegionLevel.TOWN, *PERSON_LEVELS)
    rows = (
        Region.objects.filter(code__startswith=prefix, level__in=levels)
        .only("code", "name", "level")
        .order_by("code")[:REGION_CHOICE_CAP]
    )
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "selectable": r.level in PERSON_LEVELS,
        }
        for r in rows
    ]


def house_choices(actor: Actor, region_code: str, q: str = "") -> list[House]:
    """Houses of exactly one grid (a person's house lies in their grid) that the actor may
    see, optionally whose address contains `q`; by address, capped."""
    if not region_code:
        return []
    houses = visible_houses(actor).filter(region_code=region_code)
    if q.strip():
        houses = houses.filter(address__contains=q.strip()[:100])
    return list(houses.order_by("address", "id")[:HOUSE_CHOICE_CAP])


def house_choice(actor: Actor, house_id: str | int | None) -> House | None:
    """The house a form names, when the actor may see it (else None: the service words the
    error)."""
    if not str(house_id or "").isdigit():
        return None
    return visible_houses(actor).filter(pk=house_id).first()


def person_choices(actor: Actor, q: str) -> list[dict]:
    """People matching `q` (the registry search) for the owner picker: {id, name, id_number
    masked}. A malformed query finds no one."""
    if not q.strip():
        return []
    try:
        people = list(search_people(actor, q)[:PERSON_CHOICE_CAP])
    except ValidationError:
        return []
    return [_person_choice(p) for p in people]


def _person_choice(person: Person) -> dict:
    return {"id": person.pk, "name": person.name, "id_number": mask_id_number(person.id_number)}


def owner_choices(actor: Actor, house: House | None, current_id: str | int | None) -> list[dict]:
    """What the owner picker offers before any search: the current owner and the house's
    registered occupants the actor may see."""
    people = search_people(actor)
    wanted = Q(house=house) if house is not None else Q(pk__in=[])
    if str(current_id or "").isdigit():
        wanted |= Q(pk=int(current_id))
    return [_person_choice(p) for p in people.filter(wanted)[:PERSON_CHOICE_CAP]]


def staff_choices(actor: Actor, region_code: str, keep: list[int] | None = None) -> list[User]:
    """Users who could be responsible for (or help with) a card filed in `region_code`: the
    active positions of that grid, its village, town and county, and the departments there
    — within the users the actor may see — plus the users in `keep` (the card's current
    ones) when visible. By name, capped."""
    prefixes = [region_code[:n] for n in PREFIX_LENGTHS if n <= len(region_code)]
    here = Q(positions__active=True) & (
        Q(positions__region__code__in=prefixes)
        | Q(positions__department__region__code__in=prefixes)
    )
    if keep:
        here |= Q(pk__in=keep)
    users = scope_users(actor).filter(here).distinct()
    return list(users.order_by("full_name", "username", "id")[:STAFF_CHOICE_CAP])


def active_kinds(person: Person) -> set[str]:
    """Kinds of the person's active cards (one active card per kind)."""
    cards = Card.objects.filter(person=person, status=CardStatus.ACTIVE)
    return set(cards.values_list("kind", flat=True))


UNIT_MODELS: dict[str, type[Organization | Place | Route]] = {
    "organizations": Organization,
    "places": Place,
    "routes": Route,
}


def access_unit(actor: Actor, which: str, unit_id: int | str) -> Organization | Place | Route:
    """One organization, place or line in the actor's region, or Http404 (audited when it
    exists elsewhere)."""
    model = UNIT_MODELS[which]
    return get_in_scope_or_404(
        actor, visible_units(actor, model), object_type=model._meta.label_lower, pk=unit_id
    )


def occupant_count(house: House) -> int:
    return Person.objects.filter(house=house).count()
