"""Changing the registry's configuration data: code tables and visit rules (admin screens)."""

from __future__ import annotations

from django.db import models, transaction

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.registry.models import CodeTable, CodeValue, VisitRule


def _save(actor: Actor, obj: models.Model, action: str, object_id: str, detail: dict):
    with transaction.atomic():
        obj.save()
        audit_log(
            actor=actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=object_id or str(obj.pk),
            detail=detail,
        )
    return obj


def code_table_save(*, actor: Actor, table: CodeTable) -> CodeTable:
    """Create or change a code table (name, official flag, source). Permission: a writing
    position (the admin screen itself is for system administrators). Audited."""
    require_write(actor)
    detail = {"name": table.name, "official": table.official}
    return _save(actor, table, "registry.code_table.save", table.code, detail)


def code_value_save(*, actor: Actor, value: CodeValue) -> CodeValue:
    """Create or change one code value. Values are never deleted (records keep their codes);
    disable one with `active=False`. Audited."""
    require_write(actor)
    detail = {"table": value.table_id, "code": value.code, "label": value.label}
    detail["active"] = value.active
    return _save(actor, value, "registry.code_value.save", f"{value.table_id}:{value.code}", detail)


def visit_rule_save(*, actor: Actor, rule: VisitRule) -> VisitRule:
    """Create or change a visit rule. New intervals apply from each card's next visit or
    change of risk level; scheduled dates are not rewritten. Audited."""
    require_write(actor)
    detail = {
        "kind": rule.kind,
        "risk_min": rule.risk_min,
        "risk_max": rule.risk_max,
        "interval_days": rule.interval_days,
        "active": rule.active,
    }
    return _save(actor, rule, "registry.visit_rule.save", "", detail)
