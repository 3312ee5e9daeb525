"""Rate limits of the portal, counted in the database (`RateCounter`).

Fixed windows: a request counts in the window its time falls in (e.g. 10:00–11:00 for a
one-hour window). The count goes up with one UPDATE … SET count = count + 1, or an INSERT
for the first request of a window, so concurrent requests in several processes never lose
a count. Sources are stored as keyed hashes, never as the IP or phone itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pingan.core.crypto import blind_index
from pingan.public.portal.models import RateCounter

PURPOSE = "public.portal.ratelimit"
UNITS = {"s": 1, "m": 60, "h": 3600}
_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smh])\s*$")
# Counters of windows older than this are removed when a new window starts.
KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_limit(text: str) -> Limit:
    """ "5/1h" → 5 per 3600 s ("5/h" means one hour too)."""
    match = _LIMIT.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ImproperlyConfigured(f"portal rate limit {text!r}: expected e.g. '5/1h' or '3/10m'")
    amount = int(match.group(2) or 1)
    return Limit(int(match.group(1)), amount * UNITS[match.group(3)])


def limit_for(scope: str) -> Limit:
    try:
        return parse_limit(settings.PINGAN_PORTAL_RATE_LIMITS[scope])
    except KeyError:
        raise ImproperlyConfigured(f"no portal rate limit for {scope!r}") from None


def source_key(value: str) -> str:
    return blind_index(value or "-", PURPOSE)


def window_start(now: dt.datetime, seconds: int) -> dt.datetime:
    stamp = int(now.timestamp())
    return dt.datetime.fromtimestamp(stamp - stamp % seconds, tz=dt.UTC)


def rate_hit(scope: str, value: str, *, now: dt.datetime | None = None) -> bool:
    """Count one request of `scope` from `value` (an IP or a phone); False when this request
    is over the limit (it is still counted, so a flood stays refused)."""
    limit = limit_for(scope)
    now = now or timezone.now()
    return count_in_window(scope, value, window_start(now, limit.seconds), now) <= limit.count


def count_in_window(scope: str, value: str, start: dt.datetime, now: dt.datetime) -> int:
    """Add one to the counter of (`scope`, `value`) for the window opening at `start`;
    returns the new count. One UPDATE (or INSERT for a window's first request), so every
    process sees the same count; shared by the portal and the SMS/voice webhooks."""
    rows = RateCounter.objects.filter(scope=scope, key=source_key(value), window_start=start)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        scope=scope, key=source_key(value), window_start=start, count=1
                    )
            except IntegrityError:
                # Another process created this window's row a moment ago.
                rows.update(count=F("count") + 1)
            else:
                # First request of a window: a cheap moment to drop counters nobody needs.
                RateCounter.objects.filter(window_start__lt=now - KEEP).delete()
        return rows.values_list("count", flat=True).first() or 0


def rate_count(scope: str, value: str, *, now: dt.datetime | None = None) -> int:
    """Requests counted so far in the current window (for tests and the admin)."""
    limit = limit_for(scope)
    start = window_start(now or timezone.now(), limit.seconds)
    row = RateCounter.objects.filter(scope=scope, key=source_key(value), window_start=start)
    return row.values_list("count", flat=True).first() or 0
