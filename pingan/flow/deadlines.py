"""Batch work over running clocks: the deadline scan and provisional-deadline recompute.

The scan finds running clocks (cases and 协办 units) whose warn or due point has passed and
that are not yet marked, records one `ClockAlert` per clock and level (unique key), sets the
`is_warned` / `is_overdue` flag and writes one audit record per batch. Marked clocks are not
selected again and the unique key backs that up, so running the scan twice alerts once.
Rows are taken with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL) so two consumers never
fight over a batch; SQLite serialises writers anyway.

Delivery to people (in-app, SMS) comes with the `notify` app, which will read new alerts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from pingan.audit.services import audit_log
from pingan.flow import clocks
from pingan.flow.models import AlertLevel, Case, CaseAssist, ClockAlert

BATCH_SIZE = 1000
# warn before due, so a case found late gets its alerts in order.
PASSES = (
    (AlertLevel.WARN, "warn_at", "is_warned"),
    (AlertLevel.DUE, "due_at", "is_overdue"),
)


@dataclass
class ScanResult:
    warn: int = 0
    due: int = 0
    numbers: dict[str, list[str]] = field(default_factory=lambda: {"warn": [], "due": []})


def _candidates(model, point: str, flag: str, now: dt.datetime):
    return (
        model.objects.filter(**{f"{point}__lte": now, flag: False, "clock_paused_at__isnull": True})
        .exclude(clock_kind="")
        .order_by(point, "pk")
    )


def _scan_batch(model, level: str, point: str, flag: str, now: dt.datetime, size: int) -> list:
    """Mark one batch; returns the rows marked (empty when nothing is left)."""
    with transaction.atomic():
        qs = _candidates(model, point, flag, now).select_for_update(skip_locked=True)
        if model is CaseAssist:
            qs = qs.select_related("case")
        rows = list(qs[:size])
        if not rows:
            return []
        alerts = []
        for row in rows:
            case = row.case if model is CaseAssist else row
            alerts.append(
                ClockAlert(
                    case_id=case.pk,
                    assist_unit=row.unit_code if model is CaseAssist else "",
                    clock_seq=row.clock_seq,
                    clock_kind=row.clock_kind,
                    level=level,
                    holder_code=row.unit_code if model is CaseAssist else case.holder_code,
                    point_at=getattr(row, point),
                    created_at=now,
                )
            )
        ClockAlert.objects.bulk_create(alerts, ignore_conflicts=True)
        model.objects.filter(pk__in=[row.pk for row in rows]).update(**{flag: True})
        numbers = [(row.case if model is CaseAssist else row).number for row in rows]
        audit_log(
            actor=None,
            action=f"flow.deadline_{level}",
            object_type="flow.case",
            username="system",
            detail={"count": len(rows), "assist": model is CaseAssist, "numbers": numbers},
        )
        return numbers


def scan_deadlines(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> ScanResult:
    """Mark every warn/due crossing up to `now` (default: the current time). Idempotent."""
    now = now or timezone.now()
    result = ScanResult()
    for level, point, flag in PASSES:
        for model in (Case, CaseAssist):
            while True:
                numbers = _scan_batch(model, level, point, flag, now, batch_size)
                if not numbers:
                    break
                setattr(result, level, getattr(result, level) + len(numbers))
                result.numbers[level].extend(numbers)
    return result


def recompute_provisional_clocks(year: int) -> int:
    """Recompute running clocks that were provisional (registered with the calendar).

    Called after a year's holiday schedule is entered; `year` is informative only, every
    provisional clock is recomputed because one may span several years. Idempotent.
    """
    changed = 0
    for model in (Case, CaseAssist):
        ids = list(
            model.objects.filter(clock_provisional=True, clock_paused_at__isnull=True)
            .exclude(clock_kind="")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), BATCH_SIZE):
            with transaction.atomic():
                for row in model.objects.select_for_update().filter(
                    pk__in=ids[start : start + BATCH_SIZE]
                ):
                    if clocks.clock_recompute(row):
                        row.save(
                            update_fields=[
                                "due_at",
                                "warn_at",
                                "clock_provisional",
                                "clock_total_seconds",
                                "clock_remaining_seconds",
                            ]
                        )
                        changed += 1
    if changed:
        audit_log(
            actor=None,
            action="flow.deadline_recompute",
            object_type="flow.case",
            username="system",
            detail={"year": year, "changed": changed},
        )
    return changed
