"""Audited reveal of full values: a person's ID number and phone, a card's attributes.

Thin wrappers over `pingan.core.reveal.reveal_field`, which checks the role, the scope (or,
for departments, the gate's fields) and the reason, and writes one ``sensitive.reveal``
audit record per field, denied attempts included. Callers fetch the row with
`access_person` / `access_card` first, so out-of-scope rows are a 404 before this runs.
Several fields are revealed in an order that puts any field the actor may not see first:
the request then fails on its first field and no value is released or recorded as shown.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pingan.accounts import gates
from pingan.accounts.scope import Actor
from pingan.core.reveal import reveal_field
from pingan.registry.attributes import display_attributes
from pingan.registry.codes import Labels
from pingan.registry.kinds import SPECS
from pingan.registry.models import Card, House, Person
from pingan.registry.selectors import visible_cards

PERSON_FIELDS = ("id_number", "phone")


def _fields(requested: Any, allowed: tuple[str, ...] | set[str]) -> list[str]:
    if not isinstance(requested, list | tuple) or not requested:
        raise ValidationError({"fields": [_("请选择要查看的字段。")]})
    unknown = [str(f) for f in requested if f not in allowed]
    if unknown:
        raise ValidationError(
            {"fields": [_("不能查看的字段：%(names)s。") % {"names": "、".join(unknown)}]}
        )
    return list(dict.fromkeys(requested))


def _gate_kind(actor: Actor, kinds: list[str], field: str) -> str | None:
    """The record kind whose gate opens `field` to the actor, else any of `kinds` (the
    reveal is then denied and audited under that kind)."""
    for kind in kinds:
        if field in gates.gated_fields(actor, kind):
            return kind
    return kinds[0] if kinds else None


def person_reveal(
    *, actor: Actor, person: Person, fields: list[str], reason: str
) -> dict[str, str]:
    """Full ID number and/or phone of a person: {field: value}. Region positions in scope
    with a non-read-only role; departments only fields a gate of one of the person's
    visible cards opens (the seeded gates open neither). Raises `PermissionDenied`
    (audited) or `ValidationError` (no reason, unknown field)."""
    names = _fields(fields, PERSON_FIELDS)
    kinds: list[str] = []
    if actor.is_department:
        kinds = sorted(
            set(visible_cards(actor).filter(person=person).values_list("kind", flat=True))
        )
    record_kind = {name: _gate_kind(actor, kinds, name) for name in names}
    if actor.is_department:
        names.sort(key=lambda n: n in gates.gated_fields(actor, record_kind[n] or ""))
    return {
        name: reveal_field(
            actor=actor, obj=person, field=name, reason=reason, record_kind=record_kind[name]
        )
        for name in names
    }


def card_reveal(
    *, actor: Actor, card: Card, fields: list[str] | None, reason: str, labels: Labels
) -> list[dict[str, Any]]:
    """Full attributes of a card, as display rows. `fields` None or empty: every attribute
    the actor may reveal (region positions: all; departments: the gate's). Region
    positions in scope with a non-read-only role; departments only their gate's fields."""
    spec = SPECS[card.kind]
    values = card.attribute_values()
    if actor.is_department:
        revealable = set(gates.gated_fields(actor, card.kind)) & set(spec.names)
    else:
        revealable = set(spec.names)
    everything = [n for n in spec.names if n in revealable]
    names = _fields(fields, spec.names) if fields else everything
    names = [n for n in names if n in values]
    names.sort(key=lambda n: n in revealable)
    for name in names:
        reveal_field(actor=actor, obj=card, field=name, reason=reason)
    return display_attributes(
        spec, {n: values[n] for n in names}, labels, names=set(names), masked=False
    )


def house_reveal(*, actor: Actor, house: House, reason: str) -> dict[str, float | None]:
    """The precise point of a house (lists show it rounded to 0.01°). Region positions in
    scope with a non-read-only role; audited per coordinate."""
    values: dict[str, float | None] = {}
    for name in ("lng", "lat"):
        reveal_field(actor=actor, obj=house, field=name, reason=reason)
        values[name] = getattr(house, name)
    return values
