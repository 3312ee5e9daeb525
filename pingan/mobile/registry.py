"""Reads for the grid worker app's 我的人员 / 我的房屋 and the mini-map.

Everything is read per grid-worker position of the signed-in user through the registry's
and the case engine's own scope functions (`visible_people`, `visible_cards`,
`visible_houses`, `visible_cases`), and the per-position querysets are OR-ed: a worker with
two grids sees both, nothing else. What leaves here is what the phone may keep offline:
ID numbers and phones masked, house points rounded, no card attributes and no visit notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor, get_in_scope_or_404
from pingan.accounts.selectors import active_positions
from pingan.core.idnumber import Sex
from pingan.core.masking import mask_id_number, mask_phone, mask_point
from pingan.events.models import EventDetail
from pingan.flow.selectors import visible_cases
from pingan.flow.types import get_case_type
from pingan.regions.models import Region
from pingan.registry.codes import Labels, code_labels, label_of
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import Card, CardStatus, House, Person, Visit
from pingan.registry.photo_selectors import photo_ids
from pingan.registry.selectors import visible_cards, visible_houses, visible_people
from pingan.web.geojson import feature

# What one phone keeps offline: a grid has a few hundred to a few thousand residents.
MAX_PEOPLE = 5000
MAX_HOUSES = 3000
MAX_EVENTS = 300
VISITS_PER_CARD = 5
EVENT_CASE_TYPE = "event"


@dataclass(frozen=True)
class GridScope:
    """The user's grid-worker positions as actors, longest code first (for matching rows)."""

    actors: tuple[Actor, ...]

    @property
    def empty(self) -> bool:
        return not self.actors

    def position_for(self, region_code: str) -> int | None:
        """The position whose grid holds `region_code`: the one the phone acts as when it
        registers a person or records a visit there (`X-Pingan-Position`)."""
        for actor in self.actors:
            if region_code.startswith(actor.scope_code or "\0"):
                return actor.position.pk
        return None

    def union(self, read) -> QuerySet:
        """OR of `read(actor)` over the positions (each already scoped)."""
        return reduce(or_, (read(actor) for actor in self.actors))


def grid_scope(current: Actor) -> GridScope:
    """The active grid-worker positions of `current.user` (with the request's ip)."""
    positions = [
        p
        for p in active_positions(current.user)
        if p.role == Role.GRID_WORKER and p.region_id is not None
    ]
    positions.sort(key=lambda p: (-len(p.region_id), p.region_id))
    return GridScope(tuple(Actor(user=current.user, position=p, ip=current.ip) for p in positions))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def kinds_data() -> dict[str, dict]:
    """Card kind labels and risk scales, for the visit form offline."""
    return {
        spec.kind: {
            "label": str(CardKind(spec.kind).label),
            "risk_label": spec.risk_title,
            "risk_levels": [[k, v] for k, v in spec.risk_choices],
        }
        for spec in SPECS.values()
    }


def card_item(card: Card, labels: Labels, today: date) -> dict[str, Any]:
    spec = SPECS[card.kind]
    risk = card.risk_level
    return {
        "id": card.pk,
        "kind": card.kind,
        "kind_label": str(CardKind(card.kind).label),
        "risk_level": risk,
        "risk_label": spec.risk_level_label(risk),
        "attention_label": label_of(labels, "attention", card.attention),
        "opened_on": _iso(card.opened_on),
        "last_visit_at": _iso(card.last_visit_at),
        "next_visit_on": _iso(card.next_visit_on),
        "overdue": card.next_visit_on is not None and card.next_visit_on < today,
    }


def person_item(
    person: Person, cards: list[dict], scope: GridScope, labels: Labels
) -> dict[str, Any]:
    dates = [c["next_visit_on"] for c in cards if c["next_visit_on"]]
    return {
        "id": person.pk,
        "name": person.name,
        "py": person.name_pinyin,
        "pi": person.name_initials,
        "sex_label": str(Sex(person.sex).label) if person.sex else "",
        "birth_date": _iso(person.birth_date),
        "ethnicity_label": label_of(labels, "ethnicity", person.ethnicity),
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "address": person.address,
        "region_code": person.region_code,
        "position": scope.position_for(person.region_code),
        "house_id": person.house_id,
        "cards": cards,
        "next_visit_on": min(dates) if dates else None,
        "overdue": any(c["overdue"] for c in cards),
    }


def house_item(house: House, occupants: list[int], scope: GridScope) -> dict[str, Any]:
    point = mask_point(house.lng, house.lat)
    return {
        "id": house.pk,
        "address": house.address,
        "region_code": house.region_code,
        "position": scope.position_for(house.region_code),
        "is_rental": house.is_rental,
        "owner_id": house.owner_id,
        "point": list(point) if point else None,
        "occupants": occupants,
    }


def _active_cards(scope: GridScope) -> QuerySet[Card]:
    return (
        scope.union(visible_cards)
        .filter(status=CardStatus.ACTIVE)
        .order_by("person_id", "kind", "id")
    )


def _labels() -> Labels:
    return code_labels({"attention", "ethnicity", "visit_method"})


def _grids(scope: GridScope) -> list[dict[str, Any]]:
    codes = [a.scope_code for a in scope.actors]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [
        {"position": a.position.pk, "code": a.scope_code, "name": names.get(a.scope_code, "")}
        for a in scope.actors
    ]
    return sorted(rows, key=lambda r: r["code"])


def snapshot(current: Actor) -> dict[str, Any]:
    """Everything 我的人员 / 我的房屋 / 新增人员 / 走访 need offline, for all the user's grids.

    A fixed number of queries whatever the grid size: people, their active cards, houses,
    the occupants index, the code labels and the grid names.
    """
    scope = grid_scope(current)
    today = timezone.localdate()
    base = {
        "generated_at": timezone.now().isoformat(),
        "owner": current.user.pk,
        "kinds": kinds_data(),
        "visit_methods": [],
        "grids": [],
        "people": [],
        "houses": [],
        "truncated": False,
    }
    if scope.empty:
        return base
    labels = _labels()
    people = list(scope.union(visible_people).order_by("name_pinyin", "id")[: MAX_PEOPLE + 1])
    houses = list(scope.union(visible_houses).order_by("address", "id")[: MAX_HOUSES + 1])
    truncated = len(people) > MAX_PEOPLE or len(houses) > MAX_HOUSES
    people, houses = people[:MAX_PEOPLE], houses[:MAX_HOUSES]
    # Whole-grid reads filtered in Python: no IN list of thousands of ids.
    kept = {p.pk for p in people}
    cards: dict[int, list[dict]] = {}
    for card in _active_cards(scope):
        if card.person_id in kept:
            cards.setdefault(card.person_id, []).append(card_item(card, labels, today))
    occupants: dict[int, list[int]] = {h.pk: [] for h in houses}
    residents = scope.union(visible_people).filter(house_id__isnull=False).order_by("id")
    for person_id, house_id in residents.values_list("id", "house_id"):
        if house_id in occupants:
            occupants[house_id].append(person_id)
    methods = code_labels(["visit_method"], active_only=True).get("visit_method", {})
    return {
        **base,
        "visit_methods": [[code, label] for code, label in methods.items()],
        "grids": _grids(scope),
        "people": [person_item(p, cards.get(p.pk, []), scope, labels) for p in people],
        "houses": [house_item(h, occupants.get(h.pk, []), scope) for h in houses],
        "truncated": truncated,
    }


def access_grid_person(current: Actor, person_id: int | str, scope: GridScope) -> Person:
    """A person in one of the user's grids, or Http404 (audited when the person exists
    elsewhere). Users without a grid-worker position reach no one here."""
    people = scope.union(visible_people) if not scope.empty else Person.objects.none()
    return get_in_scope_or_404(current, people, object_type="registry.person", pk=person_id)


def person_detail(current: Actor, person_id: int | str) -> dict[str, Any]:
    """One person of the user's grids (snapshot shape), with the latest visits of each
    active card (no notes) and the ids of their photos."""
    scope = grid_scope(current)
    person = access_grid_person(current, person_id, scope)
    labels = _labels()
    today = timezone.localdate()
    cards = list(_active_cards(scope).filter(person=person))
    data = person_item(person, [card_item(c, labels, today) for c in cards], scope, labels)
    visits: dict[int, list[Visit]] = {}
    rows = Visit.objects.filter(card__in=cards).select_related("visitor")
    for visit in rows.order_by("card_id", "-visited_at", "-id"):
        bucket = visits.setdefault(visit.card_id, [])
        if len(bucket) < VISITS_PER_CARD:
            bucket.append(visit)
    photos = photo_ids([v.pk for bucket in visits.values() for v in bucket])
    for card in data["cards"]:
        card["visits"] = [
            {
                "id": v.pk,
                "visited_at": _iso(v.visited_at),
                "method_label": label_of(labels, "visit_method", v.method) or v.method,
                "place": v.place,
                "risk_level_after": v.risk_level_after,
                "visitor": str(v.visitor),
                "photos": [f"/api/v1/visit-photos/{pk}/" for pk in photos.get(v.pk, [])],
            }
            for v in visits.get(card["id"], [])
        ]
    if person.house_id is not None:
        house = scope.union(visible_houses).filter(pk=person.house_id).first()
        data["house_address"] = house.address if house else ""
    return data


def _cases_in_grid(actor: Actor) -> QuerySet:
    return visible_cases(actor).filter(region_code__startswith=actor.scope_code)


def map_data(current: Actor) -> dict[str, Any]:
    """GeoJSON FeatureCollection: the user's grid polygons, then the open events located in
    them as points (newest first, at most MAX_EVENTS)."""
    scope = grid_scope(current)
    features: list[dict] = []
    if scope.empty:
        return {"type": "FeatureCollection", "features": features, "truncated": False}
    codes = [a.scope_code for a in scope.actors]
    for region in Region.objects.filter(code__in=codes).order_by("code"):
        item = feature(region.code, region.name, "grid", region.geometry)
        item["properties"]["kind"] = "grid"
        features.append(item)
    case_type = get_case_type(EVENT_CASE_TYPE)
    cases = (
        scope.union(_cases_in_grid)
        .filter(case_type=EVENT_CASE_TYPE)
        .exclude(state__in=case_type.final_states)
        .order_by("-created_at", "-id")
    )
    rows = list(cases.values("id", "number", "title", "state", "is_overdue")[: MAX_EVENTS + 1])
    ids = [r["id"] for r in rows[:MAX_EVENTS]]
    points = {
        case_id: (lng, lat)
        for case_id, lng, lat in EventDetail.objects.filter(case_id__in=ids).values_list(
            "case_id", "lng", "lat"
        )
    }
    for row in rows[:MAX_EVENTS]:
        if row["id"] not in points:
            continue
        features.append(
            {
                "type": "Feature",
                "id": row["number"],
                "properties": {
                    "kind": "event",
                    "number": row["number"],
                    "title": row["title"],
                    "state_label": case_type.state_label(row["state"]),
                    "overdue": row["is_overdue"],
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(c, 6) for c in points[row["id"]]],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > MAX_EVENTS}
