"""Reads of the audit log for the audit page and export (auditor only).

The audit log is installation-wide: the audit admin (三员分立) reviews every record,
whatever region it concerns, so there is no region scoping here, only the role check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pingan.accounts.models import Position
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.models import AuditRecord
from pingan.audit.services import audit_log

PAGE_SIZE = 50
AUDIT_OBJECT = "audit_log"


def can_read_audit(actor: Actor | None) -> bool:
    return bool(actor and actor.position is not None and actor.role == Role.AUDITOR)


def require_auditor(actor: Actor, *, page: str) -> None:
    """PermissionDenied unless the actor acts as audit admin; the denial is audited as
    ``scope.denied``. Call outside a transaction so the record survives the exception."""
    if can_read_audit(actor):
        return
    audit_log(
        actor=actor,
        action="scope.denied",
        object_type=AUDIT_OBJECT,
        outcome="denied",
        detail={"page": page, "role": actor.role or ""},
    )
    raise PermissionDenied(_("只有审计管理员可以查看审计日志。"))


@dataclass(frozen=True)
class AuditFilters:
    actor_username: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""  # prefix: "auth." matches every auth action
    outcome: str = ""
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def as_detail(self) -> dict:
        """The filters that were set, for the audit record of a view or export."""
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in self.__dict__.items()
            if value not in ("", None)
        }


def audit_records(actor: Actor, filters: AuditFilters) -> QuerySet[AuditRecord]:
    """Records matching `filters`, for an auditor (raises PermissionDenied otherwise)."""
    if not can_read_audit(actor):
        raise PermissionDenied(_("只有审计管理员可以查看审计日志。"))
    rows = AuditRecord.objects.all()
    if filters.actor_username:
        rows = rows.filter(actor_username=filters.actor_username)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.object_id:
        rows = rows.filter(object_id=filters.object_id)
    if filters.action:
        rows = rows.filter(action__startswith=filters.action)
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    if filters.since:
        rows = rows.filter(created_at__gte=filters.since)
    if filters.until:
        rows = rows.filter(created_at__lt=filters.until)
    return rows


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRecord]
    newer_than: int | None  # pass as ?after= for the newer page
    older_than: int | None  # pass as ?before= for the older page


def page_of(
    rows: QuerySet[AuditRecord],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """Newest first, by seq (keyset paging: no COUNT over a table of millions, and pages
    do not shift while new records arrive)."""
    if after is not None:
        chunk = list(rows.filter(seq__gt=after).order_by("seq")[: size + 1])
        more_newer = len(chunk) > size
        page = list(reversed(chunk[:size]))
        return AuditPage(
            rows=page,
            newer_than=page[0].seq if page and more_newer else None,
            older_than=page[-1].seq if page else after + 1,
        )
    if before is not None:
        rows = rows.filter(seq__lt=before)
    chunk = list(rows.order_by("-seq")[: size + 1])
    page = chunk[:size]
    return AuditPage(
        rows=page,
        newer_than=(page[0].seq if page else before - 1) if before is not None else None,
        older_than=page[-1].seq if len(chunk) > size else None,
    )


def position_labels(rows: list[AuditRecord]) -> dict[int, str]:
    """ "unit · role" for the positions named on a page (one query)."""
    ids = {row.position_id for row in rows if row.position_id}
    positions = Position.objects.filter(id__in=ids).select_related("region", "department")
    return {p.id: str(p) for p in positions}


def latest_verifications(limit: int = 20) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action="audit.verify").order_by("-seq")[:limit])


def iter_records(rows: QuerySet[AuditRecord], *, batch_size: int = 2000) -> Iterator[AuditRecord]:
    """All of `rows`, newest first, in keyset batches (constant memory for big exports)."""
    cursor = None
    while True:
        chunk = rows if cursor is None else rows.filter(seq__lt=cursor)
        batch = list(chunk.order_by("-seq")[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        cursor = batch[-1].seq
