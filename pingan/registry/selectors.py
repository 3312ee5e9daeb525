"""Scoped reads of the registry (DESIGN §4.2).

- Region positions (grid worker … county): people, houses and cards whose `region_code`
  starts with their region; every field, sensitive ones masked.
- Department positions: only cards of kinds a gate opens to their department type, inside
  their department's region, and the people on those cards; only the gate's fields
  (`gates.gated_fields`). Other departments (民政 …) see no one.
- The three administrators (system, security, audit) run the system and read no residents'
  data (三员分立).

`access_*` raise `Http404` for missing and out-of-scope rows alike and audit the second.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from pingan.accounts import gates
from pingan.accounts.roles import ADMIN_ROLES
from pingan.accounts.scope import Actor, get_in_scope_or_404, scope_by_region
from pingan.registry.kinds import CardKind
from pingan.registry.models import (
    Card,
    CardStatus,
    House,
    Organization,
    Person,
    Place,
    Route,
    Visit,
)
from pingan.registry.search import query_q

# Gate field names for a person's base fields → the API's field names.
PERSON_GATE_FIELDS = {
    "person_name": "name",
    "id_number_masked": "id_number",
    "gender": "sex",
    "birth_date": "birth_date",
    "region_code": "region_code",
    "address": "address",
}
OVERDUE_LEVELS = {"grid": 15, "village": 12, "town": 9}


def _no_registry(actor: Actor) -> bool:
    return actor.position is None or actor.role in ADMIN_ROLES


def gated_kinds(actor: Actor) -> list[str]:
    """Card kinds a department position may read through gates ([] for region positions)."""
    if not actor.is_department or _no_registry(actor):
        return []
    return [kind for kind in CardKind.values if gates.gate_allows(actor, kind)]


def person_fields_for(actor: Actor) -> set[str] | None:
    """Base person fields the actor may see (API names); None means all of them."""
    if not actor.is_department:
        return None
    fields: set[str] = set()
    for kind in gated_kinds(actor):
        opened = gates.gated_fields(actor, kind)
        fields |= {PERSON_GATE_FIELDS[f] for f in opened if f in PERSON_GATE_FIELDS}
    return fields


def visible_cards(actor: Actor) -> QuerySet[Card]:
    """Every card (active or closed) the actor may read."""
    if _no_registry(actor):
        return Card.objects.none()
    if actor.is_department:
        kinds = gated_kinds(actor)
        if not kinds:
            return Card.objects.none()
        return Card.objects.filter(kind__in=kinds, region_code__startswith=actor.scope_code)
    return scope_by_region(actor, Card.objects.all())


def visible_people(actor: Actor) -> QuerySet[Person]:
    """Every person the actor may read."""
    if _no_registry(actor):
        return Person.objects.none()
    if actor.is_department:
        cards = visible_cards(actor).filter(person=OuterRef("pk"))
        return Person.objects.filter(Exists(cards))
    return scope_by_region(actor, Person.objects.all())


def visible_houses(actor: Actor) -> QuerySet[House]:
    """Houses the actor may read: region positions only (departments see people, not
    houses)."""
    if _no_registry(actor) or actor.is_department:
        return House.objects.none()
    return scope_by_region(actor, House.objects.all())


def visible_units(actor: Actor, model: type[Organization | Place | Route]) -> QuerySet:
    """Organizations, places or routes in the actor's region (region positions only; no
    gate opens them to departments)."""
    if _no_registry(actor) or actor.is_department:
        return model.objects.none()
    return scope_by_region(actor, model.objects.all()).order_by("region_code", "name", "id")


def access_person(actor: Actor, person_id: int | str) -> Person:
    """One person the actor may read, or Http404 (audited when it exists elsewhere)."""
    return get_in_scope_or_404(
        actor, visible_people(actor), object_type="registry.person", pk=person_id
    )


def access_card(actor: Actor, card_id: int | str) -> Card:
    """One card the actor may read, or Http404 (audited when it exists elsewhere)."""
    return get_in_scope_or_404(
        actor,
        visible_cards(actor).select_related("person"),
        object_type="registry.card",
        pk=card_id,
    )


def access_house(actor: Actor, house_id: int | str) -> House:
    """One house the actor may read, or Http404 (audited when it exists elsewhere)."""
    return get_in_scope_or_404(
        actor, visible_houses(actor), object_type="registry.house", pk=house_id
    )


def house_list(actor: Actor, address: str = "") -> QuerySet[House]:
    """Houses in scope with their number of registered occupants, optionally filtered by
    part of the address."""
    houses = visible_houses(actor).annotate(occupant_count=Count("occupants"))
    if address.strip():
        houses = houses.filter(address__contains=address.strip())
    return houses.order_by("region_code", "address", "id")


def _with_cards(actor: Actor, people: QuerySet[Person]) -> QuerySet[Person]:
    cards = visible_cards(actor).order_by("kind", "id")
    return people.prefetch_related(Prefetch("cards", queryset=cards, to_attr="visible_cards"))


def search_people(actor: Actor, q: str = "") -> QuerySet[Person]:
    """People in the actor's scope matching `q` (syntax: `search.py`), with the cards the
    actor may see prefetched as `visible_cards`. One query for the people plus one for
    their cards, whatever the page size. Departments cannot search by phone (their gates
    do not open it). Raises `ValidationError` ({"q": …}) for a
    malformed full ID number or an over-long query."""
    people = visible_people(actor)
    fields = person_fields_for(actor)
    condition = query_q(q, phone_allowed=fields is None or "phone" in fields)
    if condition is not None:
        people = people.filter(condition)
    return _with_cards(actor, people.order_by("name_pinyin", "id"))


def person_detail(actor: Actor, person_id: int | str) -> Person:
    """`access_person` with the visible cards (as `visible_cards`) and the house loaded."""
    person = access_person(actor, person_id)
    cards = list(visible_cards(actor).filter(person=person).order_by("kind", "id"))
    person.visible_cards = cards
    return person


def card_visits(actor: Actor, card: Card) -> QuerySet[Visit]:
    """Visits of a card the caller already obtained through `access_card`, newest first."""
    return Visit.objects.filter(card=card).select_related("visitor").order_by("-visited_at", "-id")


def overdue_cards(actor: Actor, *, today: date | None = None) -> QuerySet[Card]:
    """Active cards in scope whose next visit date has passed, most overdue first."""
    today = today or timezone.localdate()
    return (
        visible_cards(actor)
        .filter(status=CardStatus.ACTIVE, next_visit_on__lt=today)
        .select_related("person", "responsible")
        .order_by("next_visit_on", "id")
    )


def overdue_counts(actor: Actor, by: str, *, today: date | None = None) -> list[dict]:
    """Overdue card counts grouped by grid, village or town (`by`), or by responsible user
    (`by="responsible"`): [{"key": code or user id, "count": n}], largest first."""
    cards = overdue_cards(actor, today=today).select_related(None).order_by()
    if by == "responsible":
        rows = cards.values("responsible_id").annotate(count=Count("id"))
        return sorted(
            ({"key": r["responsible_id"], "count": r["count"]} for r in rows),
            key=lambda r: (-r["count"], str(r["key"])),
        )
    length = OVERDUE_LEVELS[by]
    rows = (
        cards.annotate(key=Substr("region_code", 1, length)).values("key").annotate(n=Count("id"))
    )
    return sorted(
        ({"key": r["key"], "count": r["n"]} for r in rows), key=lambda r: (-r["count"], r["key"])
    )
