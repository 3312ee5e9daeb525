"""Hashing rules of the audit chain, shared by append and verify."""

import hashlib
import json

GENESIS_HASH = "0" * 64


def record_payload(
    *,
    seq: int,
    created_at: str,
    actor_username: str,
    position_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    region_code: str,
    ip: str | None,
    outcome: str,
    detail: dict,
) -> bytes:
    body = {
        "seq": seq,
        "at": created_at,
        "actor": actor_username,
        "position": position_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "region": region_code,
        "ip": ip,
        "outcome": outcome,
        "detail": detail,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + payload).hexdigest()


def hash_of(record) -> str:
    """Recompute a stored AuditRecord's hash from its columns."""
    payload = record_payload(
        seq=record.seq,
        created_at=record.created_at.isoformat(),
        actor_username=record.actor_username,
        position_id=record.position_id,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        region_code=record.region_code,
        ip=record.ip,
        outcome=record.outcome,
        detail=record.detail,
    )
    return chain_hash(record.prev_hash, payload)
