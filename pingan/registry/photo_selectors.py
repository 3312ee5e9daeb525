"""Scoped reads of visits and their photos (DESIGN §4.2).

A visit, and each of its photos, is visible to whoever may read the visit's card
(`selectors.visible_cards`: region positions by prefix, department positions through a gate
that opens the card's kind). Missing and out-of-scope rows are the same 404, the second
audited.
"""

from __future__ import annotations

from django.db.models import QuerySet

from pingan.accounts.scope import Actor, get_in_scope_or_404
from pingan.registry.models import Visit, VisitPhoto
from pingan.registry.selectors import visible_cards


def visible_visits(actor: Actor) -> QuerySet[Visit]:
    return Visit.objects.filter(card__in=visible_cards(actor))


def access_visit(actor: Actor, visit_id: int | str) -> Visit:
    """One visit whose card the actor may read, or Http404 (audited when it exists)."""
    return get_in_scope_or_404(
        actor,
        visible_visits(actor).select_related("card"),
        object_type="registry.visit",
        pk=visit_id,
    )


def access_visit_photo(actor: Actor, photo_id: int | str) -> VisitPhoto:
    """One photo of a visit whose card the actor may read, or Http404 (audited when it
    exists elsewhere)."""
    photos = VisitPhoto.objects.filter(visit__card__in=visible_cards(actor))
    return get_in_scope_or_404(
        actor, photos.select_related("visit"), object_type="registry.visit_photo", pk=photo_id
    )


def visit_photo_rows(visit: Visit) -> QuerySet[VisitPhoto]:
    """Photos of a visit the caller already obtained through `access_visit`, oldest first."""
    return VisitPhoto.objects.filter(visit=visit).order_by("id")


def photo_ids(visit_ids: list[int]) -> dict[int, list[int]]:
    """Photo ids per visit, for visits the caller already may read."""
    ids: dict[int, list[int]] = {}
    rows = VisitPhoto.objects.filter(visit_id__in=visit_ids).order_by("id")
    for visit_id, photo_id in rows.values_list("visit_id", "id"):
        ids.setdefault(visit_id, []).append(photo_id)
    return ids
