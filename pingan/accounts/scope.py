"""Data scope: who may see which rows (DESIGN §4.2). All scoping lives here.

An `Actor` is a user acting through one position. A position in region R sees rows whose
`region_code` starts with R. A department position sees what it holds or held (modules with
cases add that) plus record kinds opened to its department type by a gate (`gates.py`).
Views never fetch scoped rows by primary key; they call `access_<thing>(actor, id)`, which
raises `Http404` both for "not found" and "not yours".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from pingan.accounts.models import Position, User
from pingan.accounts.roles import READ_ONLY_ROLES, Role


@dataclass(frozen=True)
class Actor:
    """The user and the position they act through. Passed explicitly to services."""

    user: User
    position: Position | None

    @property
    def role(self) -> str | None:
        return self.position.role if self.position else None

    @property
    def scope_code(self) -> str | None:
        """Region prefix of this actor's scope, or None when it has no position."""
        return self.position.scope_code if self.position else None

    @property
    def department_type(self) -> str | None:
        if self.position and self.position.department_id:
            return self.position.department.type_id
        return None

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def in_region_scope(actor: Actor, region_code: str) -> bool:
    """True when `region_code` lies inside the actor's region prefix."""
    prefix = actor.scope_code
    if prefix is None or actor.role == Role.DEPARTMENT_HANDLER:
        return False
    return region_code.startswith(prefix)


def scope_by_region(actor: Actor, queryset: QuerySet, field: str = "region_code") -> QuerySet:
    """Rows of `queryset` whose `field` starts with the actor's region prefix.

    Department positions get nothing here: they see rows only through what they hold or
    through gates, which the owning module adds explicitly.
    """
    prefix = actor.scope_code
    if prefix is None or actor.role == Role.DEPARTMENT_HANDLER:
        return queryset.none()
    return queryset.filter(Q(**{f"{field}__startswith": prefix}))


def get_or_404(queryset: QuerySet, **lookup):
    """Fetch one row from an already-scoped queryset; missing and out-of-scope look alike."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
