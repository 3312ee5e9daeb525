"""Helpers for audit tests: records at chosen times, direct tampering, the chain head."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

from django.db import connection

from pingan.audit.models import AuditChainHead, AuditRecord
from pingan.audit.services import audit_log

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def append_at(moment: datetime, **kwargs) -> AuditRecord:
    """`audit_log` as if called at `moment` (the hash covers the time, so this is a real,
    valid record of that time)."""
    kwargs.setdefault("actor", None)
    kwargs.setdefault("action", "test.event")
    with mock.patch("pingan.audit.services.timezone.now", return_value=moment):
        return audit_log(**kwargs)


def make_chain(count: int, *, start: datetime | None = None, step=timedelta(hours=1)) -> list:
    start = start or NOW - timedelta(days=30)
    return [
        append_at(
            start + i * step,
            action=f"test.event{i % 3}",
            username=f"user{i % 4}",
            object_type="thing",
            object_id=str(i),
            region_code="990101",
            detail={"n": i, "note": "记录"},
        )
        for i in range(count)
    ]


def head() -> AuditChainHead:
    return AuditChainHead.objects.get(id=1)


def table() -> str:
    return connection.ops.quote_name(AuditRecord._meta.db_table)


def raw_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", table()), params)
