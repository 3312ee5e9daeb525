"""Periodic work of the case engine (Huey; the consumer runs it, tests call it directly)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from pingan.flow.deadlines import scan_deadlines


@db_periodic_task(crontab(minute="*"))
@lock_task("flow-deadline-scan")
def deadline_scan() -> dict:
    """Every minute: mark warn/due crossings of running clocks (idempotent, see deadlines.py).

    The Huey lock keeps one scan at a time per queue even with several consumers; the
    database row locks and the alert unique key keep it safe if that lock is ever lost.
    """
    result = scan_deadlines()
    return {"warn": result.warn, "due": result.due}
