"""What an actor is shown of people and cards: field selection per scope and gate, masking.

Region positions see every base field, ID numbers and phones masked, and of sensitive
kinds only the summary attributes (the rest through an audited reveal). Department
positions see only the fields their gate opens, masked the same way. Full values come only
from `reveal.py`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pingan.accounts import gates
from pingan.accounts.scope import Actor
from pingan.core.idnumber import Sex
from pingan.core.masking import mask_id_number, mask_phone, mask_point
from pingan.registry.attributes import display_attributes
from pingan.registry.codes import Labels, code_labels, label_of
from pingan.registry.kinds import SPECS, CardKind, code_tables_used
from pingan.registry.models import Card, House, Person, Visit
from pingan.registry.selectors import person_fields_for

CARD_TOP_FIELDS = (
    "risk_level",
    "attention",
    "status",
    "opened_on",
    "closed_on",
    "last_visit_at",
    "next_visit_on",
)


def labels_for_display() -> Labels:
    """Every code table a person or card page may need, in one query."""
    return code_labels(code_tables_used() | {"attention", "ethnicity", "visit_method"})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def person_base(actor: Actor, person: Person, labels: Labels) -> dict[str, Any]:
    """Base fields of a person, masked and limited to what the actor may see."""
    allowed = person_fields_for(actor)
    data = {
        "name": person.name,
        "sex": person.sex,
        "sex_label": str(Sex(person.sex).label) if person.sex else "",
        "birth_date": _iso(person.birth_date),
        "ethnicity": person.ethnicity,
        "ethnicity_label": label_of(labels, "ethnicity", person.ethnicity),
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "address": person.address,
        "region_code": person.region_code,
        "house_id": person.house_id,
        "version": person.version,
    }
    if allowed is not None:
        companions = {"sex": "sex_label"}
        keep = allowed | {companions[f] for f in allowed if f in companions}
        data = {k: v for k, v in data.items() if k in keep}
    return {"id": person.pk, **data}


def card_attribute_names(actor: Actor, card: Card) -> tuple[set[str] | None, bool]:
    """(attribute names the actor sees without a reveal — None for all, whether that is
    the complete set the card kind has)."""
    spec = SPECS[card.kind]
    if actor.is_department:
        opened = set(gates.gated_fields(actor, card.kind))
        return opened & set(spec.names), opened >= set(spec.names)
    if spec.sensitive:
        return {f.name for f in spec.fields if f.summary}, False
    return None, True


def card_data(actor: Actor, card: Card, labels: Labels) -> dict[str, Any]:
    """One card as the actor may see it (masked; sensitive attributes summarised)."""
    spec = SPECS[card.kind]
    names, complete = card_attribute_names(actor, card)
    risk = card.risk_level
    top = {
        "risk_level": risk,
        "risk_label": spec.risk_level_label(risk),
        "attention": card.attention,
        "attention_label": label_of(labels, "attention", card.attention),
        "status": card.status,
        "opened_on": _iso(card.opened_on),
        "closed_on": _iso(card.closed_on),
        "last_visit_at": _iso(card.last_visit_at),
        "next_visit_on": _iso(card.next_visit_on),
    }
    if actor.is_department:
        opened = set(gates.gated_fields(actor, card.kind))
        companions = {"risk_level": "risk_label", "attention": "attention_label"}
        keep = {f for f in CARD_TOP_FIELDS if f in opened}
        keep |= {companions[f] for f in keep if f in companions}
        top = {k: v for k, v in top.items() if k in keep}
    overdue = (
        card.status == "active"
        and card.next_visit_on is not None
        and card.next_visit_on < timezone.localdate()
    )
    return {
        "id": card.pk,
        "person_id": card.person_id,
        "kind": card.kind,
        "kind_label": str(CardKind(card.kind).label),
        "region_code": card.region_code,
        **top,
        "overdue": overdue if "next_visit_on" in top else None,
        "attributes": display_attributes(spec, card.attribute_values(), labels, names=names),
        "attributes_complete": complete,
    }


def card_brief(card: Card) -> dict[str, Any]:
    return {
        "id": card.pk,
        "kind": card.kind,
        "kind_label": str(CardKind(card.kind).label),
        "status": card.status,
    }


def person_list_item(actor: Actor, person: Person, labels: Labels) -> dict[str, Any]:
    data = person_base(actor, person, labels)
    data["cards"] = [card_brief(c) for c in person.visible_cards]
    return data


def person_detail_data(actor: Actor, person: Person, labels: Labels) -> dict[str, Any]:
    data = person_base(actor, person, labels)
    data["cards"] = [card_data(actor, c, labels) for c in person.visible_cards]
    return data


def visit_data(actor: Actor, visit: Visit, labels: Labels) -> dict[str, Any]:
    """A visit record. Notes (free text, may hold health or conduct details) are shown to
    region positions that work the case, not to leaders or departments."""
    data = {
        "id": visit.pk,
        "visited_at": _iso(visit.visited_at),
        "method": visit.method,
        "method_label": label_of(labels, "visit_method", visit.method),
        "place": visit.place,
        "risk_level_before": visit.risk_level_before,
        "risk_level_after": visit.risk_level_after,
        "visitor": str(visit.visitor),
        "next_visit_on": _iso(visit.next_visit_on),
    }
    if not actor.is_department and not actor.is_read_only:
        data["notes"] = visit.notes
    return data


def house_data(house: House, occupants: int | None = None) -> dict[str, Any]:
    point = mask_point(house.lng, house.lat)
    data = {
        "id": house.pk,
        "address": house.address,
        "region_code": house.region_code,
        "is_rental": house.is_rental,
        "owner_id": house.owner_id,
        "point": list(point) if point else None,
    }
    if occupants is not None:
        data["occupants"] = occupants
    return data
