"""The demo scripts played through the real services, step by step with their timestamps.

The demo itself is written by the in-memory mirror (`events.simulate`, bulk inserts);
`tests/demo/test_events.py` plays the same scripts through `case_open`/`case_act` and the
dispute services here and checks that both write the same rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from pingan.accounts.scope import Actor
from pingan.demo.disputesim import DISPUTE_STEPS, reminder_scan_at
from pingan.demo.eventplan import DemoUnits, Script, category_names
from pingan.demo.events import _detail_rows, _report_payload, _title, step_params
from pingan.flow.models import Case


def play_with_services(script: Script, units: DemoUnits, now: dt.datetime) -> Case:
    """Play one script through `case_open` / `case_act` (with the steps' timestamps).

    Used by the tests to check the bulk mirror; writes an audit record per step. Dispute
    steps go through `pingan.events.disputes`, and the reminder scan runs at the moment the
    hourly scan would first have seen the agreement's window ending.
    """
    from pingan.events import disputes
    from pingan.flow.deadlines import scan_deadlines
    from pingan.flow.services import case_act, case_open

    names = category_names(script.case_type)
    reporter = units.positions[script.reporter_unit]
    with transaction.atomic():
        case = case_open(
            actor=Actor(reporter.user, reporter),
            case_type=script.case_type,
            region_code=script.grid,
            holder_code=script.holder,
            title=_title(script, names),
            category_code=script.category,
            urgency=script.urgency,
            origin_code=script.reporter_unit,
            note=script.description,
            payload=_report_payload(script),
            now=script.reported_at,
        )
        for row in _detail_rows(script, case, reporter.user_id):
            row.save(force_insert=True)
    scan_at = None
    for step in script.steps:
        if scan_at is not None and scan_at < step.at:
            disputes.scan_agreement_reminders(now=scan_at)
            scan_at = None
        position = units.positions[step.unit]
        actor = Actor(position.user, position)
        if step.action not in DISPUTE_STEPS:
            case = case_act(
                actor=actor,
                case=case,
                action=step.action,
                note=step.note,
                now=step.at,
                **step_params(step, case, step.at),
            )
            continue
        day = timezone.localdate(step.at)
        if step.action == "mediation":
            disputes.mediation_record(
                actor=actor, case=case, now=step.at, mediated_on=day, notes=step.note, **step.params
            )
        elif step.action == "agreement":
            disputes.agreement_record(
                actor=actor, case=case, now=step.at, agreed_on=day, content=step.note
            )
            scan_at = reminder_scan_at(day)
        else:
            disputes.agreement_confirm(actor=actor, case=case, now=step.at)
        case = Case.objects.get(pk=case.pk)  # the step moved the version on
    if scan_at is not None and scan_at <= now:
        disputes.scan_agreement_reminders(now=scan_at)
    scan_deadlines(now=now)
    return Case.objects.get(pk=case.pk)
