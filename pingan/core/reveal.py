"""Revealing a sensitive value in full (DESIGN §4.5): permission check, reason, audit record.

Lists and detail pages show masked values (`pingan.core.masking`). The full value comes only
from `reveal_field`, which every "show full number" button and `POST …/reveal/` endpoint
calls. Policy:

- the actor needs a position; read-only roles (leader, auditor) and the system and security
  admins (三员分立: they run the system, they do not read residents' data) may not reveal;
- region positions: the object must be in their scope, decided by the caller's
  `scope_check(actor, obj)` when given, otherwise by the object's `region_code`;
- department positions: only fields a gate opens to their department type for the object's
  record kind (`pingan.accounts.gates.gated_fields`), inside their department's region; or,
  for objects a department holds (cases), when the caller's `scope_check` says so;
- a reason is required.

Success and denial are both audited as ``sensitive.reveal`` (outcome ``ok`` / ``denied``).
The audit record is written before the value is returned: no record, no value. Call it
outside a transaction that a denial would roll back, or the denial record is lost with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from pingan.accounts import gates
from pingan.accounts.roles import ADMIN_ROLES, READ_ONLY_ROLES
from pingan.accounts.scope import Actor, in_region_scope
from pingan.audit.services import audit_log
from pingan.core.crypto import EncryptedTextField

ACTION = "sensitive.reveal"
NO_REVEAL_ROLES = READ_ONLY_ROLES | ADMIN_ROLES
MAX_REASON = 200

ScopeCheck = Callable[[Actor, Any], bool]


def revealable_fields(model: type[models.Model]) -> set[str]:
    """Encrypted fields, plus any a model lists in `REVEALABLE_FIELDS` (e.g. a precise
    location kept in plain numeric columns)."""
    names = {f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)}
    return names | set(getattr(model, "REVEALABLE_FIELDS", ()))


def _role_denial(actor: Actor) -> str | None:
    """Why the actor's position may not reveal anything, as a code; None when it may."""
    if actor.position is None:
        return "no_position"
    if actor.role in NO_REVEAL_ROLES:
        return "role"
    return None


def _allowed_by_scope(
    actor: Actor, obj: Any, field: str, scope_check: ScopeCheck | None, record_kind: str | None
) -> bool:
    region_code = str(getattr(obj, "region_code", "") or "")
    if actor.is_department:
        if record_kind and field in gates.gated_fields(actor, record_kind):
            return bool(region_code) and region_code.startswith(actor.scope_code or "\x00")
        return bool(scope_check and scope_check(actor, obj))
    if scope_check is not None:
        return bool(scope_check(actor, obj))
    return bool(region_code) and in_region_scope(actor, region_code)


def reveal_field(
    *,
    actor: Actor,
    obj: models.Model,
    field: str,
    reason: str,
    scope_check: ScopeCheck | None = None,
    record_kind: str | None = None,
) -> str:
    """Return the full value of `obj.<field>` after checking permission; audited.

    `record_kind` (or `obj.record_kind`) names the gated record kind for department
    positions. Raises `ValidationError` when the reason is empty (nothing audited: nothing
    was attempted), `PermissionDenied` when not allowed (audited as denied), `ValueError`
    when `field` is not a sensitive field of the model (a programming error).
    """
    model = type(obj)
    if field not in revealable_fields(model):
        raise ValueError(f"{model._meta.label}.{field} is not a revealable field")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写查看完整信息的原因。")}, code="required")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": _("原因不能超过 %(n)d 个字。") % {"n": MAX_REASON}}, code="max_length"
        )
    record_kind = record_kind or getattr(obj, "record_kind", None)
    object_type = model._meta.label_lower
    region_code = str(getattr(obj, "region_code", "") or "")
    detail = {"field": field, "reason": reason}
    code = _role_denial(actor)
    if code is None and not _allowed_by_scope(actor, obj, field, scope_check, record_kind):
        code = "scope"
    if code is not None:
        audit_log(
            actor=actor,
            action=ACTION,
            object_type=object_type,
            object_id=str(obj.pk),
            region_code=region_code,
            outcome="denied",
            detail={**detail, "denied": code, "role": actor.role or ""},
        )
        raise PermissionDenied(_("您当前的岗位无权查看该信息的完整内容。"))
    value = getattr(obj, field)
    audit_log(
        actor=actor,
        action=ACTION,
        object_type=object_type,
        object_id=str(obj.pk),
        region_code=region_code,
        detail=detail,
    )
    return "" if value is None else str(value)
