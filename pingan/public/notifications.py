"""Telling citizens about their case: every public-visible step sends the reporter an SMS
(when they left a mobile number and did not opt out of updates)."""

from __future__ import annotations

from pingan.flow.models import CaseAction
from pingan.flow.units import unit_names
from pingan.notify.models import Channel
from pingan.notify.services import notify_send
from pingan.public.models import PublicReport
from pingan.public.portal.access import survey_url
from pingan.public.selectors import PUBLIC_STEPS, step_text
from pingan.public.services import portal_url

# The report itself is answered by the "received" message with the query code.
SILENT_STEPS = frozenset({"report"})


def on_case_step(case_id: int, seq: int) -> None:
    """Flow step listener (registered in apps.ready; runs in the step's task)."""
    public_step_notify(case_id, seq)


def public_step_notify(case_id: int, seq: int) -> str:
    """Send the step's SMS once (the key is case number + seq); returns the status or ""."""
    report = PublicReport.objects.select_related("case").filter(case_id=case_id).first()
    if report is None or not report.phone or not report.wants_updates:
        return ""
    row = CaseAction.objects.filter(case_id=case_id, seq=seq).first()
    if row is None or row.action not in PUBLIC_STEPS or row.action in SILENT_STEPS:
        return ""
    case = report.case
    names = unit_names({code for code in (row.unit_code, row.to_holder) if code})
    # Closing (by `close` or on the spot) asks for the rating; every other step informs.
    topic = "public.survey" if row.to_state == "closed" else "public.step"
    note = notify_send(
        topic=topic,
        key=f"{topic}:{case.number}:{seq}",
        channel=Channel.SMS,
        phone=report.phone,
        context={
            "number": case.number,
            "step": step_text(row, names),
            # The closing SMS links straight to the rating form (signed, per case).
            "url": survey_url(case.number) if topic == "public.survey" else portal_url("track/"),
        },
        case_number=case.number,
        region_code=case.region_code,
    )
    return note.status
