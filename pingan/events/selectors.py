"""Reads for events: the category list and the event part of a case's detail."""

from __future__ import annotations

from django.db.models import QuerySet

from pingan.events.models import EventCategory, EventDetail
from pingan.flow.models import Case


def active_categories() -> QuerySet[EventCategory]:
    """Every active category (not scoped: the code table is public to signed-in users)."""
    return EventCategory.objects.filter(active=True).order_by("sort", "code")


def event_detail_data(case: Case) -> dict:
    """The typed detail row as plain data for the case detail API and pages."""
    from pingan.events.duplicates import merge_data

    detail = EventDetail.objects.select_related("category").filter(case=case).first()
    if detail is None:
        return {}
    return {
        "category": detail.category_id,
        "category_name": detail.category.name,
        "description": detail.description,
        "address": detail.address,
        "lng": detail.lng,
        "lat": detail.lat,
        "grid_code": detail.grid_code,
        "outside_grid": detail.outside_grid,
        "reporter_kind": detail.reporter_kind,
        # Duplicate links: the parent (and its state, shown to the reporter) or the children.
        **merge_data(case),
    }
