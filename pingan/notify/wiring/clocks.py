"""Deadline alerts (`flow.ClockAlert`, written by the deadline scan) → the unit on the clock.

The scan hands the ids of each batch's new alerts to `on_clock_alerts` after the batch
commits; that enqueues one task, which calls `notify_clock_alerts`. A main-clock alert goes
to the holding unit, a 协办 alert to the assisting unit: `case.clock_warn` at the warn point,
`case.clock_due` at the due point. An alert whose clock has moved on by the time the task
runs (the unit acted, the deadline was extended, the clock was paused or stopped) is stale
and tells nobody. Key: `case.clock_<level>:a<alert id>`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from pingan.flow.models import AlertLevel, CaseAssist, ClockAlert, ClockKind
from pingan.notify.models import Notification
from pingan.notify.wiring.common import UnitMembers, local_time, tell_unit


def _current_clock(alert: ClockAlert):
    """The case or 协办 row whose clock raised `alert`, or None when that clock is gone."""
    case = alert.case
    if alert.assist_unit:
        clock = CaseAssist.objects.filter(
            case=case, unit_code=alert.assist_unit, done_at__isnull=True
        ).first()
    else:
        clock = case if case.holder_code == alert.holder_code else None
    if (
        clock is None
        or clock.clock_seq != alert.clock_seq
        or clock.clock_kind != alert.clock_kind
        or clock.clock_paused_at is not None
    ):
        return None
    return clock


def notify_clock_alerts(alert_ids: list[int]) -> list[Notification]:
    """Tell the unit of each alert's clock (idempotent per alert); returns the messages."""
    members = UnitMembers()
    sent: list[Notification] = []
    alerts = ClockAlert.objects.select_related("case").filter(pk__in=list(alert_ids))
    for alert in alerts.order_by("pk"):
        clock = _current_clock(alert)
        if clock is None:
            continue
        label = str(ClockKind(alert.clock_kind).label)
        if alert.assist_unit:
            label = _("%(clock)s（协办）") % {"clock": label}
        due = alert.point_at if alert.level == AlertLevel.DUE else clock.due_at
        case = alert.case
        sent += tell_unit(
            members,
            alert.holder_code,
            topic=f"case.clock_{alert.level}",
            key=f"case.clock_{alert.level}:a{alert.pk}",
            context={
                "number": case.number,
                "title": case.title,
                "clock": label,
                "due": local_time(due),
            },
            case=case,
        )
    return sent
