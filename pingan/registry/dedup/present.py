"""What the API and the page show of a candidate pair: both people masked as in people
lists (`present.person_base`: ID number and phone masked), the cards the actor may see,
the score and the reasons in words."""

from __future__ import annotations

from typing import Any

from pingan.accounts.scope import Actor
from pingan.registry.dedup.selectors import PairView
from pingan.registry.dedup.similarity import REASON_LABELS
from pingan.registry.kinds import CardKind
from pingan.registry.models import Person
from pingan.registry.present import labels_for_display, person_base
from pingan.registry.selectors import visible_cards


def reasons_data(codes: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"code": code, "label": str(REASON_LABELS[code])} for code in codes]


def person_cards(actor: Actor, ids: set[int]) -> dict[int, list[dict[str, str]]]:
    """The card kinds (and statuses) the actor may see of each person in `ids`: one query."""
    cards: dict[int, list[dict[str, str]]] = {}
    rows = (
        visible_cards(actor)
        .filter(person_id__in=ids)
        .order_by("person_id", "kind", "id")
        .values_list("person_id", "kind", "status")
    )
    for person_id, kind, status in rows:
        cards.setdefault(person_id, []).append(
            {"kind": kind, "label": str(CardKind(kind).label), "status": status}
        )
    return cards


def people_data(actor: Actor, people: list[Person]) -> dict[int, dict[str, Any]]:
    """{id: masked base fields + `cards`}; two queries in all (code labels, cards)."""
    labels = labels_for_display()
    cards = person_cards(actor, {p.pk for p in people})
    return {p.pk: {**person_base(actor, p, labels), "cards": cards.get(p.pk, [])} for p in people}


def pairs_data(actor: Actor, pairs: list[PairView]) -> list[dict[str, Any]]:
    """One dict per pair; two queries in all, whatever the page size."""
    shown = people_data(actor, [p for pair in pairs for p in (pair.left, pair.right)])
    return [
        {
            "score": pair.candidate.score,
            "reasons": reasons_data(pair.candidate.reasons),
            "left": dict(shown[pair.left.pk]),
            "right": dict(shown[pair.right.pk]),
        }
        for pair in pairs
    ]
