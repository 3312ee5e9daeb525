"""Batch work over running clocks: the deadline scan and provisional-deadline recompute.

The scan finds running clocks (cases and 协办 units) whose warn or due point has passed and
that are not yet marked, records one `ClockAlert` per clock and level (unique key), sets the
`is_warned` / `is_overdue` flag and writes one audit record per batch. Marked clocks are not
selected again and the unique key backs that up, so running the scan twice alerts once.
Rows are taken with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL) so two consumers never
fight over a batch; SQLite serialises writers anyway.

When the scan is done, the ids of the alerts it created go to the alert listeners
(`hooks.alerts_committed`, once per scan, also when a later batch failed): the notify app
enqueues one task that tells the holding units. Nothing about people is computed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from pingan.audit.services import audit_log
from pingan.flow import clocks, hooks
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


def _scan_batch(
    model, level: str, point: str, flag: str, now: dt.datetime, size: int, new_ids: list[int]
) -> list:
    """Mark one batch; returns the case numbers marked (empty when nothing is left) and adds
    the ids of the alerts it created to `new_ids` (only when someone listens)."""
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
        created = (
            _new_alert_ids(alerts, level, now, assist=model is CaseAssist)
            if hooks.has_alert_listeners()
            else []
        )
        model.objects.filter(pk__in=[row.pk for row in rows]).update(**{flag: True})
        numbers = [(row.case if model is CaseAssist else row).number for row in rows]
        audit_log(
            actor=None,
            action=f"flow.deadline_{level}",
            object_type="flow.case",
            username="system",
            detail={"count": len(rows), "assist": model is CaseAssist, "numbers": numbers},
        )
        new_ids += created  # a missing id (batch rolled back at commit) is skipped later
        return numbers


def _new_alert_ids(
    alerts: list[ClockAlert], level: str, now: dt.datetime, *, assist: bool
) -> list[int]:
    """Ids of the alerts a batch created.

    `bulk_create(ignore_conflicts=True)` returns no ids, so they are read back: one indexed
    query (this scan's `created_at`) per batch. A conflicting row kept its older
    `created_at` and is not announced again.
    """
    new = ClockAlert.objects.filter(
        created_at=now, level=level, case_id__in={alert.case_id for alert in alerts}
    )
    new = new.exclude(assist_unit="") if assist else new.filter(assist_unit="")
    return list(new.values_list("pk", flat=True))


def _announce(ids: list[int]) -> None:
    """Hand the new alert ids to the listeners once they are committed (one call per scan:
    with a task queue behind it, one enqueue instead of one per batch)."""
    if ids:
        transaction.on_commit(lambda: hooks.alerts_committed(ids))


def scan_deadlines(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> ScanResult:
    """Mark every warn/due crossing up to `now` (default: the current time). Idempotent."""
    now = now or timezone.now()
    result = ScanResult()
    new_ids: list[int] = []
    try:
        for level, point, flag in PASSES:
            for model in (Case, CaseAssist):
                while True:
                    numbers = _scan_batch(model, level, point, flag, now, batch_size, new_ids)
                    if not numbers:
                        break
                    setattr(result, level, getattr(result, level) + len(numbers))
                    result.numbers[level].extend(numbers)
    finally:
        # Batches commit one by one: what committed before a failure is still announced.
        _announce(new_ids)
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
