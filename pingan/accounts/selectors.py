"""Reads about accounts. Scoped reads of other people's accounts go through `scope`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from pingan.accounts.models import LoginLock, Position, User
from pingan.accounts.roles import ADMIN_ROLES, TOTP_REQUIRED_ROLES


def active_positions(user: User) -> QuerySet[Position]:
    """The user's active positions, oldest first (the first is the default position).

    Runs on every request: region boundaries (large GeoJSON) are deferred, they are read only
    where a page draws them.
    """
    return (
        Position.objects.filter(user=user, active=True)
        .select_related("region", "department", "department__type", "department__region")
        .defer("region__geometry", "department__region__geometry")
        .order_by("id")
    )


def active_roles(user: User) -> set[str]:
    return set(
        Position.objects.filter(user=user, active=True).values_list("role", flat=True).distinct()
    )


def holds_admin_role(roles: set[str]) -> bool:
    return bool(roles & ADMIN_ROLES)


def requires_totp(roles: set[str]) -> bool:
    return bool(roles & TOTP_REQUIRED_ROLES)


def login_counters(now: datetime | None = None) -> list[LoginLock]:
    """Locks in force and running failure counts (newest first), for the security admin."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.PINGAN_LOCKOUT_SECONDS)
    return list(
        LoginLock.objects.filter(
            Q(locked_until__gt=now) | Q(failures__gt=0, last_failure_at__gt=now - window)
        ).order_by("-last_failure_at")
    )
