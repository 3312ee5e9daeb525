"""The dispute steps of the in-memory case mirror: mediation attempts, the agreement, its
司法确认 and the reminder before the 司法确认 window ends.

Mirrors `pingan.events.disputes` (`mediation_record`, `agreement_record`,
`agreement_confirm`, `scan_agreement_reminders`) the way `eventsim.CaseSim` mirrors the
engine; `tests/demo/test_events.py` compares the rows of both field by field.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pingan.accounts.models import Position
from pingan.demo.eventsim import CaseSim
from pingan.events.casetype import HANDLING
from pingan.events.disputes import CONFIRMATION_DAYS, REMINDER_DAYS_BEFORE
from pingan.events.models_extra import (
    AgreementReminder,
    MediationAgreement,
    MediationAttempt,
    MediationResult,
)
from pingan.flow.models import CaseAction

DISPUTE_STEPS = frozenset({"mediation", "agreement", "agreement_confirm"})
# The hourly reminder scan runs at minute 7 (`events.tasks.agreement_reminders`).
SCAN_MINUTE = 7


def reminder_scan_at(agreed_on: dt.date) -> dt.datetime:
    """When the hourly scan first sees this agreement's window ending within 7 days."""
    deadline = agreed_on + dt.timedelta(days=CONFIRMATION_DAYS)
    day = deadline - dt.timedelta(days=REMINDER_DAYS_BEFORE)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, SCAN_MINUTE))).astimezone(dt.UTC)


class DisputeSim(CaseSim):
    """`CaseSim` plus the dispute steps; the rows to insert are collected as attributes."""

    def __init__(self, case_type, limit) -> None:
        super().__init__(case_type, limit)
        self.mediations: list[tuple[MediationAttempt, CaseAction]] = []
        self.agreement: MediationAgreement | None = None
        self.reminders: list[AgreementReminder] = []
        self.reminder_due: dt.datetime | None = None

    def _append_step(self, position: Position, action: str, note: str, payload, now):
        """Mirror of `disputes._append_step`: a history row, version +1, state unchanged."""
        case = self.case
        before = (case.state, case.holder_code)
        case.version += 1
        case.updated_at = now
        self._history(position, action, before, note, payload, now)
        return self.actions[-1]

    def _check_handler(self, position: Position, action: str) -> None:
        case = self.case
        if case.state != HANDLING or position.unit_code != case.holder_code:
            raise ValueError(f"{case.number}: {action} needs the holder while handling")

    def step(self, position: Position, action: str, now: dt.datetime, note: str, **params):
        """Play one dispute step (`mediation`, `agreement` or `agreement_confirm`)."""
        if action == "mediation":
            self.mediate(position, now, notes=note, **params)
        elif action == "agreement":
            self.agree(position, now, content=note)
        elif action == "agreement_confirm":
            self.confirm(position, now)
        else:
            raise ValueError(action)

    def mediate(self, position, now, *, method, organisation, mediator, result, notes):
        """Mirror of `mediation_record` (mediated the day it is recorded)."""
        self._check_handler(position, "mediation")
        attempt = MediationAttempt(
            mediated_on=timezone.localdate(now),
            method=method,
            organisation=organisation,
            mediator=mediator,
            result=result,
            notes=notes,
            recorded_by_id=position.user_id,
            created_at=now,
        )
        # The attempt's id goes into the payload once it is inserted (`events._insert`).
        payload = {"mediation": None, "method": method, "result": result}
        row = self._append_step(position, "mediation", notes, payload, now)
        self.mediations.append((attempt, row))

    def agree(self, position, now, *, content: str) -> None:
        """Mirror of `agreement_record` (agreed the day it is recorded, not yet confirmed)."""
        self._check_handler(position, "agreement")
        good = {MediationResult.SUCCESS, MediationResult.PARTIAL}
        if self.agreement is not None or not any(a.result in good for a, _ in self.mediations):
            raise ValueError(f"{self.case.number}: agreement without a successful mediation")
        agreed_on = timezone.localdate(now)
        deadline = agreed_on + dt.timedelta(days=CONFIRMATION_DAYS)
        self.agreement = MediationAgreement(
            agreed_on=agreed_on,
            content=content,
            judicial_confirmation_deadline=deadline,
            confirmed=False,
            recorded_by_id=position.user_id,
            created_at=now,
        )
        payload = {
            "agreed_on": agreed_on.isoformat(),
            "deadline": deadline.isoformat(),
            "confirmed": False,
        }
        self._append_step(position, "agreement", content, payload, now)
        self.reminder_due = reminder_scan_at(agreed_on)

    def confirm(self, position, now) -> None:
        """Mirror of `agreement_confirm` (by the holding or the command unit)."""
        case = self.case
        if position.unit_code not in (case.holder_code, case.command_code):
            raise ValueError(f"{case.number}: agreement_confirm by {position.unit_code}")
        if self.agreement is None or self.agreement.confirmed:
            raise ValueError(f"{case.number}: nothing to confirm")
        self.agreement.confirmed = True
        self._append_step(position, "agreement_confirm", "", {"confirmed": True}, now)

    def remind_before(self, at: dt.datetime, *, inclusive: bool = False) -> None:
        """Mirror of `scan_agreement_reminders(now=due)` for this case, when the scan time
        `due` falls before `at` (the next step) or, inclusive, at it (the build time)."""
        due = self.reminder_due
        if due is None or due > at or (due == at and not inclusive):
            return
        self.reminder_due = None
        agreement = self.agreement
        if agreement.confirmed:
            return
        self.reminders.append(
            AgreementReminder(
                holder_code=self.case.holder_code,
                deadline=agreement.judicial_confirmation_deadline,
                created_at=due,
            )
        )
