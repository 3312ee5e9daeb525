"""Permission and bookkeeping shared by the regions services."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.roles import Role
from pingan.audit.services import audit_log
from pingan.regions.lookup import mark_grid_index_stale
from pingan.regions.models import GridIndexVersion
from pingan.regions.rows import CODE_LENGTHS

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor

CLI_USERNAME = "cli"


def audit(actor: Actor | None, **kwargs) -> None:
    """`audit_log` with the actor's IP, or the username "cli" for the system (actor=None)."""
    audit_log(
        actor=actor,
        ip=getattr(actor, "ip", None),
        username="" if actor else CLI_USERNAME,
        **kwargs,
    )


def require_region_admin(actor: Actor | None, action: str) -> None:
    """System admins and the system itself (actor=None) may change base data; Django's
    superuser flag grants nothing (三员分立)."""
    if actor is None or actor.role == Role.SYSTEM_ADMIN:
        return
    # Audited before raising and outside any transaction, so the record survives.
    audit(
        actor,
        action="permission.denied",
        outcome="denied",
        detail={"reason": "not_region_admin", "attempted": action, "role": actor.role or ""},
    )
    raise PermissionDenied(_("只有系统管理员可以维护区划、网格和部门。"))


def grid_index_version_bump() -> None:
    """Record "grids changed" for every worker's point → grid index.

    Call inside the transaction that changes grids (or their ancestors' names); the new stamp
    becomes visible exactly when the change does. This process re-checks on commit.
    """
    now = timezone.now()
    stamp = uuid.uuid4().hex
    updated = GridIndexVersion.objects.filter(id=1).update(
        version=F("version") + 1, stamp=stamp, changed_at=now
    )
    if not updated:
        GridIndexVersion.objects.create(id=1, version=1, stamp=stamp, changed_at=now)
    transaction.on_commit(mark_grid_index_stale)


def common_code(codes: Sequence[str]) -> str:
    """Longest region code that is a prefix of all `codes` ('' when none)."""
    if not codes:
        return ""
    prefix = min(codes)
    last = max(codes)
    # The common prefix of the smallest and largest strings is the prefix of them all.
    while not last.startswith(prefix):
        prefix = prefix[:-1]
    fitting = [n for n in CODE_LENGTHS if n <= len(prefix)]
    return prefix[: fitting[-1]] if fitting else ""
