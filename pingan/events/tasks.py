"""Periodic work of the events app (Huey; the consumer runs it, tests call the scan directly)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from pingan.events.disputes import scan_agreement_reminders


@db_periodic_task(crontab(minute="7"))
@lock_task("events-agreement-reminders")
def agreement_reminders() -> dict:
    """Hourly: remind of 调解协议 whose 30-day 司法确认 window ends within 7 days.

    Idempotent (one reminder per agreement), so an hourly run is plenty for a day-based rule.
    """
    return {"reminded": len(scan_agreement_reminders())}
