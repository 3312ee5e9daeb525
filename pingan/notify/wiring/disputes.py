"""司法确认 reminders (`events.AgreementReminder`) → the dispute's holding unit.

The events app's hourly scan records one reminder per agreement 7 days before the window
ends; `notify_agreement_reminders` runs a little later each hour and tells the unit that held
the dispute when the reminder was recorded (`dispute.agreement_reminder`, key per reminder).
It looks back two days, so a missed hour or a stopped consumer is caught up, and skips
agreements confirmed meanwhile or whose window has already closed.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pingan.events.models import AgreementReminder
from pingan.notify.models import Notification
from pingan.notify.wiring.common import UnitMembers, tell_unit

LOOK_BACK = dt.timedelta(days=2)


def notify_agreement_reminders(*, now: dt.datetime | None = None) -> list[Notification]:
    """Tell holders about recent reminders (idempotent); returns the messages."""
    now = now or timezone.now()
    reminders = (
        AgreementReminder.objects.select_related("agreement__case")
        .filter(
            created_at__gte=now - LOOK_BACK,
            agreement__confirmed=False,
            deadline__gte=timezone.localdate(now),
        )
        .order_by("pk")
    )
    members = UnitMembers()
    sent: list[Notification] = []
    for reminder in reminders:
        case = reminder.agreement.case
        sent += tell_unit(
            members,
            reminder.holder_code,
            topic="dispute.agreement_reminder",
            key=f"dispute.agreement_reminder:r{reminder.pk}",
            context={
                "number": case.number,
                "title": case.title,
                "deadline": reminder.deadline.isoformat(),
            },
            case=case,
        )
    return sent
