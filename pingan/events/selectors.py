"""Reads for events: the category list and the event part of a case's detail."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

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


# --- per-process cache of the category table (read on every report) -----------------------
# A small admin-edited code table: read once per process instead of twice per report. Saves
# through `category_save` and direct ORM saves/deletes (model signals) clear it at once in
# this process; other processes see a change after at most PINGAN_CATALOGUE_CACHE_SECONDS
# (as the workday calendar and the matter catalogue do).
_cache_lock = threading.Lock()
_categories: dict[str, EventCategory] = {}
_loaded_at = float("-inf")


def reset_category_cache(**_: Any) -> None:
    """Forget the cached categories; the next lookup reloads them."""
    global _categories, _loaded_at
    with _cache_lock:
        # Replaced, not cleared: a reader may still hold the old table.
        _categories = {}
        _loaded_at = float("-inf")


def _category_table() -> dict[str, EventCategory]:
    global _categories, _loaded_at
    ttl = settings.PINGAN_CATALOGUE_CACHE_SECONDS
    now = time.monotonic()
    with _cache_lock:
        if now - _loaded_at < ttl:
            return _categories
    rows = {c.code: c for c in EventCategory.objects.all()}
    for category in rows.values():
        # Link parents within the loaded table so `chain()` needs no further query.
        if category.parent_id in rows:
            category.parent = rows[category.parent_id]
    with _cache_lock:
        _categories = rows
        _loaded_at = now
        return _categories


def active_category(code: str) -> EventCategory | None:
    """The active category with this code, or None (cached; treat the instance as read-only)."""
    category = _category_table().get(code)
    return category if category is not None and category.active else None


post_save.connect(reset_category_cache, sender=EventCategory, dispatch_uid="events.cat.save")
post_delete.connect(reset_category_cache, sender=EventCategory, dispatch_uid="events.cat.del")
