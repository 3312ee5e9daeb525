"""Writing to the audit log. Every service write, login, denial, reveal and export calls this."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from pingan.audit.chain import chain_hash, record_payload
from pingan.audit.models import AuditChainHead, AuditRecord

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor


def audit_log(
    *,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    region_code: str = "",
    ip: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditRecord:
    """Append one record to the hash chain.

    Runs inside the caller's transaction when there is one, so an audited write and its
    audit record commit or roll back together; call it last in a service to hold the chain
    lock briefly. `username` names the subject when there is no actor (failed logins).
    """
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        # Stored at microsecond precision so the hash recomputes identically from the DB.
        now = timezone.now()
        user = actor.user if actor else None
        position_id = actor.position.id if actor and actor.position else None
        record = AuditRecord(
            seq=head.last_seq + 1,
            created_at=now,
            actor=user,
            actor_username=user.username if user else username,
            position_id=position_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            region_code=region_code,
            ip=ip,
            outcome=outcome,
            # JSON round-trip so the hashed value equals what the database gives back.
            detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
            prev_hash=head.last_hash,
        )
        payload = record_payload(
            seq=record.seq,
            created_at=now.isoformat(),
            actor_username=record.actor_username,
            position_id=position_id,
            action=action,
            object_type=object_type,
            object_id=record.object_id,
            region_code=region_code,
            ip=ip,
            outcome=outcome,
            detail=record.detail,
        )
        record.hash = chain_hash(record.prev_hash, payload)
        record.save(force_insert=True)
        head.last_seq, head.last_hash = record.seq, record.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return record
