"""Writing to the audit log. Every service write, login, denial, reveal and export calls this.

Also the two writes the audit app makes itself: the retention purge (`purge_audit`) and the
record of a chain verification (`record_verification`).
"""

from __future__ import annotations

import ipaddress
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.audit.chain import chain_hash, hash_of, record_payload
from pingan.audit.models import AuditChainHead, AuditRecord

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor
    from pingan.audit.verify import VerifyResult

# 等级保护: audit records are kept at least 180 days, whatever the settings say.
MIN_RETENTION_DAYS = 180
PURGE_BATCH = 5000


def _text(value: object, limit: int) -> str:
    # PostgreSQL refuses NUL in text and over-long values; an audit write must not fail
    # (and take the audited action down with it) because a client sent a strange username.
    return ("" if value is None else str(value)).replace("\x00", "")[:limit]


def _json_safe(value: Any) -> Any:
    """A JSON value that reads back from SQLite and PostgreSQL (jsonb) exactly as written,
    so the hash computed now is the hash `verify` recomputes from the stored row."""
    if isinstance(value, dict):
        return {_text(k, 1000): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)  # NaN/Infinity are not JSON; jsonb rejects them
        if value == 0:
            return 0.0  # jsonb has no negative zero
        if value.is_integer() and abs(value) >= 1e16:
            return int(value)  # "1e+16" comes back from jsonb as an integer
        return value
    if isinstance(value, str):
        return value.replace("\x00", "")
    return _json_safe(str(value))  # dates, decimals, UUIDs, model instances


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


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
    `ip` defaults to the actor's request address. Values are made storable rather than
    refused (NUL removed, over-long text cut, an unparseable IP kept in `detail`).
    """
    detail = dict(detail or {})
    if ip is None and actor is not None:
        ip = getattr(actor, "ip", None)
    clean_ip = _ip(ip)
    if ip and clean_ip is None:
        detail.setdefault("ip_raw", _text(ip, 100))
    # No savepoint of its own: inside a service's transaction a failure here must roll the
    # audited write back too (and does: the outer block is marked for rollback), and the
    # SAVEPOINT/RELEASE pair was two more round trips while the chain head is locked.
    with transaction.atomic(savepoint=False):
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        # Stored at microsecond precision so the hash recomputes identically from the DB.
        now = timezone.now()
        user = actor.user if actor else None
        position_id = actor.position.id if actor and actor.position else None
        record = AuditRecord(
            seq=head.last_seq + 1,
            created_at=now,
            actor=user,
            actor_username=_text(user.username if user else username, 150),
            position_id=position_id,
            action=_text(action, 64),
            object_type=_text(object_type, 64),
            object_id=_text(object_id, 64),
            region_code=_text(region_code, 18),
            ip=clean_ip,
            outcome=_text(outcome, 16),
            # JSON round-trip so the hashed value equals what the database gives back.
            detail=json.loads(json.dumps(_json_safe(detail), ensure_ascii=False)),
            prev_hash=head.last_hash,
        )
        payload = record_payload(
            seq=record.seq,
            created_at=now.isoformat(),
            actor_username=record.actor_username,
            position_id=position_id,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            region_code=record.region_code,
            ip=record.ip,
            outcome=record.outcome,
            detail=record.detail,
        )
        record.hash = chain_hash(record.prev_hash, payload)
        record.save(force_insert=True)
        head.last_seq, head.last_hash = record.seq, record.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return record


# --- Retention purge ----------------------------------------------------------------------


class AuditChainBroken(Exception):  # noqa: N818 - a state, not an "error" of the caller
    """The chain is broken where a purge would delete; nothing there was deleted."""

    def __init__(self, seq: int, message: str):
        super().__init__(message)
        self.seq = seq


@dataclass(frozen=True)
class PurgeResult:
    before: datetime
    deleted: int
    first_seq: int | None  # range of deleted records
    last_seq: int | None
    anchor_seq: int
    anchor_hash: str
    record: AuditRecord  # the audit record of this purge


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(settings.PINGAN_AUDIT_RETENTION_DAYS))


def purge_cutoff(now: datetime | None = None) -> datetime:
    """The newest `before` a purge may use now: records younger than this are kept."""
    return (now or timezone.now()) - timedelta(days=retention_days())


def purge_candidates(before: datetime) -> tuple[int, int | None, int | None]:
    """(count, first seq, last seq) of what `purge_audit(before=…)` would delete now."""
    head = AuditChainHead.objects.filter(id=1).first()
    anchor = head.anchor_seq if head else 0
    rows = AuditRecord.objects.filter(seq__gt=anchor)
    first_young = rows.filter(created_at__gte=before).aggregate(m=Min("seq"))["m"]
    if first_young is not None:
        rows = rows.filter(seq__lt=first_young)
    span = rows.aggregate(first=Min("seq"), last=Max("seq"))
    return rows.count(), span["first"], span["last"]


def _purge_batch(before: datetime, boundary: int | None, batch_size: int) -> list[AuditRecord]:
    """Delete the next run of oldest records (one transaction, chain head locked) and move
    the anchor past them. Each record is checked against the anchor first, so a purge never
    destroys the evidence of a broken chain."""
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        upto = head.anchor_seq + batch_size
        if boundary is not None:
            upto = min(upto, boundary - 1)
        rows = list(
            AuditRecord.objects.filter(seq__gt=head.anchor_seq, seq__lte=upto).order_by("seq")
        )
        expected, prev, batch = head.anchor_seq + 1, head.anchor_hash, []
        for row in rows:
            if row.created_at >= before:
                break  # appended while we purge: never delete younger rows
            if row.seq != expected or row.prev_hash != prev or hash_of(row) != row.hash:
                raise AuditChainBroken(
                    expected,
                    _("审计链在第 %(seq)d 条记录处断裂，已停止清理。请先运行 pingan audit verify。")
                    % {"seq": expected},
                )
            batch.append(row)
            expected, prev = row.seq + 1, row.hash
        if batch:
            AuditRecord.objects.filter(seq__gt=head.anchor_seq, seq__lte=batch[-1].seq).delete()
            head.anchor_seq, head.anchor_hash = batch[-1].seq, batch[-1].hash
            head.save(update_fields=["anchor_seq", "anchor_hash"])
        return batch


def purge_audit(
    *,
    actor: Actor | None,
    before: datetime,
    username: str = "",
    batch_size: int = PURGE_BATCH,
) -> PurgeResult:
    """Delete the audit records created before `before`, oldest first, and audit the purge.

    Permission: not reachable from the web; the nightly task and `pingan audit purge` (an
    operator on the server) call it. `before` may not be later than now minus the retention
    (settings.PINGAN_AUDIT_RETENTION_DAYS, never under 180 days): a `ValidationError` in
    Chinese says so and nothing is deleted.

    Only a prefix of the chain goes: the records before the first one created at or after
    `before`, so the rest stays one unbroken chain. The chain head's anchor (seq and hash of
    the last deleted record) moves with every batch, so `verify_chain` passes at every
    moment. Deleted records are verified first; on a broken link `AuditChainBroken` is raised
    (and audited) and the broken part is kept. Side effect: one ``audit.purge`` record.
    """
    if timezone.is_naive(before):
        before = timezone.make_aware(before)
    limit = purge_cutoff()
    if before > limit:
        raise ValidationError(
            _("审计记录至少保留 %(days)d 天：清理截止时间不能晚于 %(limit)s。"),
            code="retention",
            params={
                "days": retention_days(),
                "limit": timezone.localtime(limit).strftime("%Y-%m-%d %H:%M"),
            },
        )
    first_young = AuditRecord.objects.filter(created_at__gte=before).aggregate(m=Min("seq"))["m"]
    deleted, first_seq, last_seq = 0, None, None
    detail: dict[str, Any] = {"before": before.isoformat(), "retention_days": retention_days()}
    try:
        while True:
            batch = _purge_batch(before, first_young, batch_size)
            if batch:
                deleted += len(batch)
                first_seq = first_seq or batch[0].seq
                last_seq = batch[-1].seq
            if len(batch) < batch_size:
                break
    except AuditChainBroken as exc:
        detail.update(deleted=deleted, broken_seq=exc.seq)
        audit_log(
            actor=actor, username=username, action="audit.purge", outcome="failed", detail=detail
        )
        raise
    head = AuditChainHead.objects.get(id=1)
    detail.update(
        deleted=deleted,
        first_seq=first_seq,
        last_seq=last_seq,
        anchor_seq=head.anchor_seq,
        anchor_hash=head.anchor_hash,
    )
    record = audit_log(actor=actor, username=username, action="audit.purge", detail=detail)
    return PurgeResult(
        before=before,
        deleted=deleted,
        first_seq=first_seq,
        last_seq=last_seq,
        anchor_seq=head.anchor_seq,
        anchor_hash=head.anchor_hash,
        record=record,
    )


# --- Verification record ------------------------------------------------------------------


def record_verification(
    result: VerifyResult, *, actor: Actor | None, username: str = ""
) -> AuditRecord:
    """Append the outcome of a chain verification (``audit.verify``) to the chain itself, so
    the history of checks is as tamper-evident as what they checked."""
    return audit_log(
        actor=actor,
        username=username,
        action="audit.verify",
        outcome="ok" if result.ok else "failed",
        detail=result.as_detail(),
    )
