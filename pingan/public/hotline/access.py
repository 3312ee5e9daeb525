"""Who may use the call-centre pages (hotline and callback queue): checked once per view."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor, actor_for_request
from pingan.audit.services import audit_log

# 综治中心 operators and commanders take hotline calls and may see grid workers' phones.
HOTLINE_ROLES = frozenset({Role.COUNTY_OPERATOR, Role.COUNTY_COMMANDER, Role.TOWN_OPERATOR})
# The callback queue adds village staff: a village that accepted and closed a case itself is
# its command unit, and the engine gives the callback step to the command unit.
CALLBACK_ROLES = HOTLINE_ROLES | {Role.VILLAGE_STAFF}


def role_refused(actor: Actor, roles: Iterable[str], page: str) -> bool:
    """True (and a ``permission.denied`` audit record) when the actor's role is not in
    `roles`; positionless and read-only actors are refused too."""
    if actor.position is not None and actor.role in roles and not actor.is_read_only:
        return False
    audit_log(
        actor=actor,
        action="permission.denied",
        object_type="page",
        object_id=page,
        ip=actor.ip,
        outcome="denied",
        detail={"role": actor.role or ""},
    )
    return True


def operator_page(roles: Iterable[str], page: str, message) -> Callable:
    """View decorator: signed in and acting through one of `roles`, else 403 (audited) with
    `message` (a lazy translation).
    The view is called as ``view(request, actor, *args)``."""
    roles = frozenset(roles)

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            actor = actor_for_request(request)
            if role_refused(actor, roles, page):
                raise PermissionDenied(str(message))
            return view(request, actor, *args, **kwargs)

        return wrapper

    return decorate


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
