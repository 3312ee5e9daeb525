"""Notify tasks (Huey). Tasks take ids and are safe to run twice (idempotency keys).

Delivery: `deliver_notification` per message on commit, `retry_notifications` every minute.
Wiring (see `pingan.notify.wiring`): `on_case_step` runs in the flow's task after every
committed case step; `on_clock_alerts` enqueues `clock_alerts_notify` after every deadline
scan that created alerts; two periodic tasks send 司法确认 reminders and the morning visit
digest.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from pingan.audit.tasks import local_crontab
from pingan.notify.delivery import deliver, deliver_due


@db_task()
def deliver_notification(notification_id: int) -> str:
    return deliver(notification_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-retry")
def retry_notifications() -> int:
    """Every minute: retry failed sends whose back-off has passed and expired leases."""
    return deliver_due()


@db_task()
def clock_alerts_notify(alert_ids: list[int]) -> int:
    """Tell the units on the clocks of one deadline-scan batch's new alerts."""
    from pingan.notify.wiring.clocks import notify_clock_alerts

    return len(notify_clock_alerts(alert_ids))


@db_periodic_task(crontab(minute="9"))
@lock_task("notify-agreement-reminders")
def agreement_reminders_notify() -> int:
    """Hourly, two minutes after the events app records 司法确认 reminders (minute 7)."""
    from pingan.notify.wiring.disputes import notify_agreement_reminders

    return len(notify_agreement_reminders())


@db_periodic_task(local_crontab(8, 0))
@lock_task("notify-visit-digest")
def visit_overdue_digest() -> int:
    """08:00 local time: one overdue-visit digest per person who should visit."""
    from pingan.notify.wiring.visits import notify_overdue_visits

    return len(notify_overdue_visits())


def on_case_step(case_id: int, seq: int) -> None:
    """Flow step listener (registered in apps.ready; runs in the step's task): the step's
    staff messages."""
    from pingan.notify.wiring.steps import notify_case_step

    notify_case_step(case_id, seq)


ALERTS_PER_TASK = 1000


def on_clock_alerts(alert_ids: list[int]) -> None:
    """Flow alert listener, once per deadline scan: one task (more after a long outage, 1000
    alerts each)."""
    ids = list(alert_ids)
    for start in range(0, len(ids), ALERTS_PER_TASK):
        clock_alerts_notify(ids[start : start + ALERTS_PER_TASK])
