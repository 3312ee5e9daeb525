"""Login lockout: after N failures a username, and separately a client IP, is locked for a while.

State lives in `LoginLock` rows (one per username and one per IP) so all worker processes
share it. Counting rules:
- a failure older than the lock window is forgotten (the count restarts);
- the N-th failure sets `locked_until = now + window` and restarts the count;
- while locked, attempts are refused before the password is checked, so even the right
  password does not get in, and refused attempts do not extend the lock;
- a successful login clears the username's count (not the IP's: one good password from a
  shared office address must not wipe a guessing run from the same address).
Wrong second-factor codes count as failures of the same username and IP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.models import LockScope, LoginLock

KEY_MAX = 150


@dataclass(frozen=True)
class Lock:
    """An active lock: which scope, and until when."""

    scope: str
    key: str
    locked_until: datetime

    def minutes_left(self, now: datetime | None = None) -> int:
        seconds = (self.locked_until - (now or timezone.now())).total_seconds()
        return max(1, math.ceil(seconds / 60))

    def message(self, now: datetime | None = None) -> str:
        minutes = self.minutes_left(now)
        if self.scope == LockScope.IP:
            return _("该地址登录失败次数过多，已暂停登录，请 %(n)d 分钟后再试。") % {"n": minutes}
        return _("账户已锁定，请 %(n)d 分钟后再试。") % {"n": minutes}


def username_key(username: str) -> str:
    # Case-folded so "Admin" and "admin" share one counter: otherwise changing case would
    # give an attacker five more guesses per spelling.
    return (username or "").strip().casefold()[:KEY_MAX]


def _keys(username: str, ip: str | None) -> list[tuple[str, str]]:
    keys = [(LockScope.USERNAME.value, username_key(username))]
    if ip:
        keys.append((LockScope.IP.value, ip))
    return keys


def _threshold(scope: str) -> int:
    if scope == LockScope.IP:
        return getattr(settings, "PINGAN_LOCKOUT_IP_FAILURES", settings.PINGAN_LOCKOUT_FAILURES)
    return settings.PINGAN_LOCKOUT_FAILURES


def _window() -> timedelta:
    return timedelta(seconds=settings.PINGAN_LOCKOUT_SECONDS)


def active_lock(username: str, ip: str | None, now: datetime | None = None) -> Lock | None:
    """The lock in force for this username or IP (the one lasting longest), else None."""
    now = now or timezone.now()
    locks = [
        Lock(row.scope, row.key, row.locked_until)
        for row in LoginLock.objects.filter(locked_until__gt=now).filter(
            _key_filter(_keys(username, ip))
        )
    ]
    # Report the username lock first when both hold: it is the one the person can act on.
    locks.sort(key=lambda lock: (lock.scope != LockScope.USERNAME, -lock.locked_until.timestamp()))
    return locks[0] if locks else None


def _key_filter(keys: list[tuple[str, str]]) -> Q:
    query = Q(pk__in=[])
    for scope, key in keys:
        query |= Q(scope=scope, key=key)
    return query


def _row_for_update(scope: str, key: str) -> LoginLock:
    row = LoginLock.objects.select_for_update().filter(scope=scope, key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return LoginLock.objects.create(scope=scope, key=key)
    except IntegrityError:
        # Another process created it between our read and insert; take theirs.
        return LoginLock.objects.select_for_update().get(scope=scope, key=key)


def register_failure(username: str, ip: str | None, now: datetime | None = None) -> Lock | None:
    """Count one failure for the username and the IP; return the lock if this one set it."""
    now = now or timezone.now()
    window = _window()
    new_lock: Lock | None = None
    with transaction.atomic():
        for scope, key in _keys(username, ip):
            row = _row_for_update(scope, key)
            if row.last_failure_at is None or now - row.last_failure_at > window:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= _threshold(scope):
                row.locked_until = now + window
                row.failures = 0
                if new_lock is None or scope == LockScope.USERNAME:
                    new_lock = Lock(scope, key, row.locked_until)
            row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    return new_lock


def register_success(username: str) -> None:
    """A good login clears the username's failure count (an expired lock is cleared too)."""
    LoginLock.objects.filter(scope=LockScope.USERNAME, key=username_key(username)).update(
        failures=0, last_failure_at=None
    )


def clear_locks(*, username: str = "", ip: str = "") -> int:
    """Remove the counters and locks of a username and/or an IP. Returns rows removed."""
    keys = []
    if username:
        keys.append((LockScope.USERNAME.value, username_key(username)))
    if ip:
        keys.append((LockScope.IP.value, ip))
    if not keys:
        return 0
    deleted, _detail = LoginLock.objects.filter(_key_filter(keys)).delete()
    return deleted
