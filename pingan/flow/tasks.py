"""Periodic work of the case engine (Huey; the consumer runs it, tests call it directly)."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from pingan.flow.deadlines import scan_deadlines
from pingan.flow.hooks import run_step_listeners


def scan_period_seconds() -> int:
    """Seconds between deadline scans: the minute split into PINGAN_DEADLINE_SCANS_PER_MINUTE."""
    return 60 // settings.PINGAN_DEADLINE_SCANS_PER_MINUTE


@db_task()
@lock_task("flow-deadline-scan")
def deadline_scan_once() -> dict:
    """One scan: mark warn/due crossings of running clocks (idempotent, see deadlines.py).

    The Huey lock keeps one scan at a time per queue even with several consumers; the
    database row locks and the alert unique key keep it safe if that lock is ever lost.
    """
    result = scan_deadlines()
    return {"warn": result.warn, "due": result.due}


@db_periodic_task(crontab(minute="*"))
def deadline_scan() -> None:
    """Every minute: scan now and schedule the minute's remaining scans, so a crossing waits at
    most one scan period (30 s by default) plus the scan itself before it is marked."""
    period = scan_period_seconds()
    deadline_scan_once()
    for delay in range(period, 60, period):
        deadline_scan_once.schedule(delay=delay)


@db_task()
def case_step_listeners(case_id: int, seq: int) -> None:
    """Everything that follows one committed case step (staff and citizen messages)."""
    run_step_listeners(case_id, seq)
