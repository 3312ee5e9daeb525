"""Fixed one-minute windows counted in the Django cache (Redis in production, so every
worker shares the counts; the in-process cache on a single-process laptop install).

POSTs count per client key (`PINGAN_OPEN311_POST_PER_MINUTE`) and per IP (against floods of
bad keys); GETs per IP (`PINGAN_OPEN311_GET_PER_MINUTE`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

WINDOW_SECONDS = 60


def now() -> float:
    return time.time()


@dataclass(frozen=True)
class Verdict:
    count: int
    limit: int
    retry_after: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def first_refusal(self) -> bool:
        """The first request over the limit in this window (audited once per window)."""
        return self.count == self.limit + 1


def hit(bucket: str, ident: str, limit: int) -> Verdict:
    """Count one request for (bucket, ident) and say whether it is within `limit`."""
    moment = now()
    window = int(moment // WINDOW_SECONDS)
    key = f"open311:{bucket}:{ident}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - moment))
    return Verdict(count=count, limit=limit, retry_after=retry_after)
