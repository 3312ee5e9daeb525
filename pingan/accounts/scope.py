"""Data scope: who may see which rows (DESIGN §4.2). All scoping lives here.

An `Actor` is a user acting through one position. A position in region R sees rows whose
`region_code` starts with R. A department position sees what it holds or held (modules with
cases add that) plus record kinds opened to its department type by a gate (`gates.py`).
Views never fetch scoped rows by primary key; they call `access_<thing>(actor, id)`, which
raises `Http404` both for "not found" and "not yours" (and audits the second as
``scope.denied``). Writes check `require_write(actor)`; DRF views use `ActorRequired` and
`ReadOnlyForLeaders`.

Denials are audited *before* raising. Call `access_*` and `require_write` before opening a
write transaction: an audit record written inside a transaction that the raised exception
rolls back would be lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from pingan.accounts import gates, sessions
from pingan.accounts.models import Position, User
from pingan.accounts.roles import READ_ONLY_ROLES, Role
from pingan.accounts.selectors import active_positions
from pingan.audit.services import audit_log
from pingan.core.http import client_ip
from pingan.regions.models import Region

POSITION_HEADER = "HTTP_X_PINGAN_POSITION"
# Admins who manage accounts see every user; everyone else sees users of their own scope.
USER_MANAGER_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})


@dataclass(frozen=True)
class Actor:
    """The user and the position they act through. Passed explicitly to services.

    `ip` is the client address when the actor comes from a request (for audit records).
    """

    user: User
    position: Position | None
    ip: str | None = None

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
    def is_department(self) -> bool:
        return bool(self.position and self.position.department_id)

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


# --- Resolving the actor of a request ------------------------------------------------------


def actor_for_request(request: HttpRequest) -> Actor:
    """The actor behind a request (Django or DRF), resolved once per request.

    Position choice: the ``X-Pingan-Position: <id>`` header when sent (API clients), else the
    position stored in the web session by the position switcher, else the user's first active
    position. A header naming a position that is not the user's active position is a 403
    (audited); a stale session value (position since revoked) falls back to the default.
    """
    base = getattr(request, "_request", request)  # DRF Request wraps the HttpRequest
    cached = getattr(base, "_pingan_actor", None)
    if cached is not None and cached.user == request.user:
        return cached
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied(_("请先登录。"))
    ip = client_ip(base)
    positions = list(active_positions(user))
    by_id = {p.pk: p for p in positions}
    header = base.META.get(POSITION_HEADER)
    if header is not None:
        position = by_id.get(int(header)) if header.strip().isdigit() else None
        if position is None:
            audit_log(
                actor=Actor(user=user, position=None, ip=ip),
                action="permission.denied",
                object_type="position",
                object_id=header[:64],
                ip=ip,
                outcome="denied",
                detail={"reason": "position_not_held"},
            )
            raise PermissionDenied(_("岗位不存在或不属于当前用户。"))
    else:
        position = by_id.get(sessions.session_position_id(base))
        if position is None and positions:
            position = positions[0]
    actor = Actor(user=user, position=position, ip=ip)
    base._pingan_actor = actor
    base._pingan_positions = positions
    return actor


def request_positions(request: HttpRequest) -> list[Position]:
    """The user's active positions as `actor_for_request` read them (no second query)."""
    actor_for_request(request)
    positions = getattr(getattr(request, "_request", request), "_pingan_positions", None)
    return list(active_positions(request.user)) if positions is None else positions


# --- Region scope ---------------------------------------------------------------------------


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


def scope_by_gate(
    actor: Actor, record_kind: str, queryset: QuerySet, field: str = "region_code"
) -> QuerySet:
    """Rows of a gated record kind a department may read: those in its department's region,
    when a gate opens `record_kind` to its department type; otherwise none. Which *fields*
    it may see is `gates.gated_fields(actor, record_kind)`."""
    if not gates.gate_allows(actor, record_kind):
        return queryset.none()
    return queryset.filter(Q(**{f"{field}__startswith": actor.scope_code}))


def get_or_404(queryset: QuerySet, **lookup):
    """Fetch one row from an already-scoped queryset; missing and out-of-scope look alike."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_in_scope_or_404(
    actor: Actor, scoped: QuerySet, *, object_type: str, **lookup: Any
) -> Model:
    """Like `get_or_404`, and when the row exists outside the actor's scope, audit a
    ``scope.denied`` record. The 404 raised is the same in both cases."""
    try:
        return scoped.get(**lookup)
    except (scoped.model.DoesNotExist, ValueError, TypeError):
        pass
    try:
        row = scoped.model._default_manager.filter(**lookup).first()
    except (ValueError, TypeError):
        row = None
    if row is not None:
        audit_denied(actor, object_type=object_type, object_id=str(row.pk), row=row)
    raise Http404


def audit_denied(actor: Actor, *, object_type: str, object_id: str, row: Any = None) -> None:
    """Audit an attempt to reach a row outside the actor's scope."""
    audit_log(
        actor=actor,
        action="scope.denied",
        object_type=object_type,
        object_id=object_id,
        region_code=_row_region(row),
        ip=actor.ip,
        outcome="denied",
        detail={"scope": actor.scope_code or "", "role": actor.role or ""},
    )


def _row_region(row: Any) -> str:
    if row is None:
        return ""
    if isinstance(row, Region):
        return row.code
    return str(getattr(row, "region_code", "") or "")


def access_region(actor: Actor, code: str) -> Region:
    """A region (grids included) the actor may open on operational pages.

    Region positions: the region must lie inside their scope (their own region or below).
    Department positions: inside their department's region. 404 otherwise, audited.
    """
    prefix = actor.scope_code
    scoped = Region.objects.filter(code__startswith=prefix) if prefix else Region.objects.none()
    return get_in_scope_or_404(actor, scoped, object_type="region", code=str(code))


def scope_users(actor: Actor, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """Users the actor may see.

    System and security admins: everyone (they manage accounts). Department positions: people
    holding a position in the same department. Region positions: people holding an active
    position in a region, or a department, inside the actor's region prefix.
    """
    queryset = User.objects.all() if queryset is None else queryset
    if actor.position is None:
        return queryset.none()
    if actor.role in USER_MANAGER_ROLES:
        return queryset
    if actor.is_department:
        return queryset.filter(
            positions__active=True, positions__department_id=actor.position.department_id
        ).distinct()
    prefix = actor.scope_code
    return queryset.filter(
        Q(positions__active=True)
        & (
            Q(positions__region__code__startswith=prefix)
            | Q(positions__department__region__code__startswith=prefix)
        )
    ).distinct()


def access_user(actor: Actor, user_id: int | str) -> User:
    """A user account the actor may open (see `scope_users`). 404 otherwise, audited."""
    return get_in_scope_or_404(actor, scope_users(actor), object_type="user", pk=user_id)


# --- Writes ---------------------------------------------------------------------------------


def _audit_write_denied(actor: Actor, reason: str) -> None:
    audit_log(
        actor=actor,
        action="permission.denied",
        ip=actor.ip,
        outcome="denied",
        detail={"reason": reason, "role": actor.role or ""},
    )


def require_write(actor: Actor) -> None:
    """Raise PermissionDenied (audited) unless the actor's position may change data.

    Leaders and auditors are read-only; an actor without a position may do nothing.
    """
    if actor.position is None:
        _audit_write_denied(actor, "no_position")
        raise PermissionDenied(_("当前账户没有有效岗位，不能修改数据。"))
    if actor.is_read_only:
        _audit_write_denied(actor, "read_only_role")
        raise PermissionDenied(_("只读岗位不能修改数据。"))


# --- DRF permission classes -----------------------------------------------------------------


class ActorRequired(BasePermission):
    """Signed in and acting through an active position; sets `request.actor`."""

    message = gettext_lazy("当前账户没有有效岗位。")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        actor = actor_for_request(request)
        request.actor = actor
        return actor.position is not None


class ReadOnlyForLeaders(BasePermission):
    """Read-only roles (leader, auditor) may use safe methods only; other methods are 403
    and audited. Put after `ActorRequired`."""

    message = gettext_lazy("只读岗位不能修改数据。")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        actor = getattr(request, "actor", None) or actor_for_request(request)
        if actor.is_read_only:
            _audit_write_denied(actor, "read_only_role")
            return False
        return True
