"""Delivering recorded messages: claim, send, record the outcome, back off on failure.

A worker claims a row with a conditional UPDATE (pending → sending, with a lease, attempts
+1), so two workers never send the same row at once on either database. A worker that dies
mid-send leaves the row `sending`; when the lease runs out the retry scan sends it again.
That is at-least-once delivery; the idempotency key sent with it lets the gateway drop the
repeat. The attempt is counted when it is claimed, so a send that keeps crashing its worker
still ends `failed` after PINGAN_NOTIFY_MAX_ATTEMPTS claims.

Schedule: attempt n+1 waits `backoff(n)` = base × 2^(n−1) seconds after attempt n fails
(base PINGAN_NOTIFY_RETRY_BASE_SECONDS, at most an hour): 30 s, 60 s, 120 s … by default.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from pingan.notify.backends import PermanentError, RetryableError, backend_for
from pingan.notify.models import Notification, Status

log = logging.getLogger("pingan.notify")

LEASE = dt.timedelta(minutes=2)
MAX_BACKOFF_SECONDS = 3600


def backoff(attempts: int) -> dt.timedelta:
    """Delay before attempt `attempts + 1`: base × 2^(attempts − 1), at most an hour."""
    base = settings.PINGAN_NOTIFY_RETRY_BASE_SECONDS
    return dt.timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1)))


def _ready(now: dt.datetime) -> Q:
    """Claimable: pending and due, or sending with an expired lease (its worker died)."""
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )


def _claim(notification_id: int, now: dt.datetime) -> bool:
    return bool(
        Notification.objects.filter(_ready(now), pk=notification_id).update(
            status=Status.SENDING, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
    )


def deliver(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Try to send one message now; returns its status afterwards ("" when not claimable:
    already sent, failed, skipped, not due yet, or being sent by another worker)."""
    now = now or timezone.now()
    if not _claim(notification_id, now):
        return ""
    note = Notification.objects.select_related("user").get(pk=notification_id)
    fields = ["status", "lease_until", "backend", "last_error", "next_attempt_at"]
    limit = settings.PINGAN_NOTIFY_MAX_ATTEMPTS
    if note.attempts > limit:
        # Claimed again after the lease of the last allowed attempt ran out.
        note.status, note.next_attempt_at = Status.FAILED, None
        note.last_error = f"no answer after {limit} attempts"[:300]
        note.lease_until = None
        note.save(update_fields=fields)
        return note.status
    try:
        backend = backend_for(note.channel)
        note.backend = backend.name
        note.provider_id = backend.send(note)
    except PermanentError as exc:
        note.status, note.next_attempt_at, note.last_error = Status.FAILED, None, str(exc)[:300]
    except Exception as exc:  # any other failure (a bug, a network oddity) is worth a retry
        if not isinstance(exc, RetryableError):
            log.exception("notification %s: unexpected error from the backend", note.pk)
        note.last_error = str(exc)[:300] or type(exc).__name__
        if note.attempts >= limit:
            note.status, note.next_attempt_at = Status.FAILED, None
        else:
            note.status, note.next_attempt_at = Status.PENDING, now + backoff(note.attempts)
    else:
        note.status, note.sent_at, note.next_attempt_at = Status.SENT, timezone.now(), None
        note.last_error = ""
        fields += ["sent_at", "provider_id"]
    note.lease_until = None
    note.save(update_fields=fields)
    return note.status


def due_ids(now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Messages waiting for a (re)try: pending and due, or sending with an expired lease."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(_ready(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(now: dt.datetime | None = None) -> int:
    """Send everything due now; returns how many were attempted."""
    now = now or timezone.now()
    ids = due_ids(now)
    for pk in ids:
        deliver(pk, now=now)
    return len(ids)
