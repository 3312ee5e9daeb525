"""Writes to the matter catalogue (事项目录) — used by the admin screens."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.flow.models import LimitUnit, MatterLimit

KINDS = ("accept", "handle", "verify")


def check_matter_limit(limit: MatterLimit) -> None:
    """Day limits are whole days (the calendar counts whole days); all limits positive."""
    errors = {}
    for kind in KINDS:
        amount, unit = getattr(limit, f"{kind}_amount"), getattr(limit, f"{kind}_unit")
        if amount is None or amount <= 0:
            errors[f"{kind}_amount"] = _("时限必须大于 0。")
        elif unit != LimitUnit.HOURS and amount != int(amount):
            errors[f"{kind}_amount"] = _("以天计的时限必须是整数天；不足一天请用小时。")
    if errors:
        raise ValidationError(errors)


def matter_limit_save(*, actor: Actor, limit: MatterLimit) -> MatterLimit:
    """Create or change one catalogue row.

    Permission: any writing position that reaches the admin (the admin itself is limited to
    system administrators). New limits apply to clocks started afterwards; running clocks
    keep their deadlines. Side effects: one audit record with the limits.
    """
    require_write(actor)
    check_matter_limit(limit)
    created = limit.pk is None
    with transaction.atomic():
        limit.save()
        # Also after commit: a lookup inside this transaction may have cached the new row
        # before a rollback, or the old one before the save.
        transaction.on_commit(reset_limit_cache)
        audit_log(
            actor=actor,
            action="flow.matter_limit_create" if created else "flow.matter_limit_change",
            object_type="flow.matterlimit",
            object_id=str(limit.pk),
            ip=actor.ip,
            detail={
                "key": str(limit),
                **{
                    f"{k}": f"{getattr(limit, k + '_amount')} {getattr(limit, k + '_unit')}"
                    for k in KINDS
                },
            },
        )
    return limit


# --- per-process cache of the catalogue (read on every case opened) ------------------------
# The catalogue is a small admin-edited table; reading it once per process instead of once per
# report saves a query on the hot path. Changes made in this process (the admin saves through
# `matter_limit_save`; direct ORM saves and deletes fire the model signals) clear the cache at
# once; another process sees them after at most PINGAN_CATALOGUE_CACHE_SECONDS (like the
# workday calendar's cache).
_cache_lock = threading.Lock()
_rows: dict[str, list[tuple[str, str, dict[str, tuple[Any, str]]]]] = {}
_loaded_at = float("-inf")


def reset_limit_cache(**_: Any) -> None:
    """Forget the cached catalogue; the next lookup reloads it."""
    global _rows, _loaded_at
    with _cache_lock:
        # Replaced, not cleared: a reader may still hold the old table.
        _rows = {}
        _loaded_at = float("-inf")


def _catalogue() -> dict[str, list[tuple[str, str, dict[str, tuple[Any, str]]]]]:
    global _rows, _loaded_at
    ttl = settings.PINGAN_CATALOGUE_CACHE_SECONDS
    now = time.monotonic()
    with _cache_lock:
        if now - _loaded_at < ttl:
            return _rows
    rows: dict[str, list[tuple[str, str, dict[str, tuple[Any, str]]]]] = {}
    for limit in MatterLimit.objects.all():
        limits = {k: (getattr(limit, f"{k}_amount"), getattr(limit, f"{k}_unit")) for k in KINDS}
        rows.setdefault(limit.case_type, []).append((limit.category_code, limit.urgency, limits))
    with _cache_lock:
        _rows = rows
        _loaded_at = now
        return _rows


def cached_limit_for(case_type: str, category_codes: list[str], urgency: str, kind: str):
    """Same answer as `clocks.limit_for` (most specific row wins), from the cached catalogue."""
    order = {code: i for i, code in enumerate([*category_codes, ""])}
    candidates = [
        (order[code], level == "", limits[kind])
        for code, level, limits in _catalogue().get(case_type, [])
        if code in order and level in (urgency, "")
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


post_save.connect(reset_limit_cache, sender=MatterLimit, dispatch_uid="flow.limit_cache.save")
post_delete.connect(reset_limit_cache, sender=MatterLimit, dispatch_uid="flow.limit_cache.delete")
