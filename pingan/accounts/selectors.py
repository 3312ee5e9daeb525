"""Reads about accounts. Scoped reads of other people's accounts go through `scope`."""

from __future__ import annotations

from django.db.models import QuerySet

from pingan.accounts.models import Position, User
from pingan.accounts.roles import ADMIN_ROLES, TOTP_REQUIRED_ROLES


def active_positions(user: User) -> QuerySet[Position]:
    """The user's active positions, oldest first (the first is the default position)."""
    return (
        Position.objects.filter(user=user, active=True)
        .select_related("region", "department", "department__type", "department__region")
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
