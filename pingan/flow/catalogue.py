"""Writes to the matter catalogue (事项目录) — used by the admin screens."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.flow.models import LimitUnit, MatterLimit

KINDS = ("accept", "handle", "verify")


def check_matter_limit(limit: MatterLimit) -> None:
    """Day limits are whole days (the calendar counts whole days); all limits positive."""
    errors = {}
    for kind in KINDS:
        amount, unit = getattr(limit, f"{kind}_amount"), getattr(limit, f"{kind}_unit")
        if amount is None or amount <= 0:
            errors[f"{kind}_amount"] = _("时限必须大于 0。")
        elif unit != LimitUnit.HOURS and amount != int(amount):
            errors[f"{kind}_amount"] = _("以天计的时限必须是整数天；不足一天请用小时。")
    if errors:
        raise ValidationError(errors)


def matter_limit_save(*, actor: Actor, limit: MatterLimit) -> MatterLimit:
    """Create or change one catalogue row.

    Permission: any writing position that reaches the admin (the admin itself is limited to
    system administrators). New limits apply to clocks started afterwards; running clocks
    keep their deadlines. Side effects: one audit record with the limits.
    """
    require_write(actor)
    check_matter_limit(limit)
    created = limit.pk is None
    with transaction.atomic():
        limit.save()
        audit_log(
            actor=actor,
            action="flow.matter_limit_create" if created else "flow.matter_limit_change",
            object_type="flow.matterlimit",
            object_id=str(limit.pk),
            ip=actor.ip,
            detail={
                "key": str(limit),
                **{
                    f"{k}": f"{getattr(limit, k + '_amount')} {getattr(limit, k + '_unit')}"
                    for k in KINDS
                },
            },
        )
    return limit
