"""An in-memory mirror of the case engine, for building thousands of demo events fast.

`pingan.flow.services.case_act` costs a row lock, several queries and an audit record per
step; 3,000 events × ~7 steps that way take minutes. `CaseSim` applies the same rules to an
unsaved `Case` and collects the rows the services would write (the case with its clock,
`CaseAction` history, `Supervision` cards, `ClockAlert` rows of the deadline scan) so the
builder can bulk-insert them. It covers the actions the demo scripts use (no 协办) and
refuses a step whose state does not allow it. `tests/demo/test_events.py` runs every demo
path through the real services and through this mirror and compares the rows field by field:
change the engine, and that test says what to change here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings

from pingan.accounts.models import Position
from pingan.flow import clocks
from pingan.flow.actions import (
    DEFAULT_SUPERVISION_POINTS,
    DEFAULT_SUPERVISION_RESPONSE_HOURS,
)
from pingan.flow.context import DEFAULT_LIMITS
from pingan.flow.models import (
    SUPERVISION_RANK,
    AlertLevel,
    Case,
    CaseAction,
    ClockAlert,
    HolderKind,
    Supervision,
)
from pingan.flow.services import NON_RESPONSE_ACTIONS
from pingan.flow.types import CaseType
from pingan.flow.units import is_above, parent_command_unit, unit_kind

LimitFn = Callable[[str, str, str], tuple[Any, str] | None]


class CaseSim:
    """One case being played forward in memory. `limit` answers (category, urgency, kind)."""

    def __init__(self, case_type: CaseType, limit: LimitFn) -> None:
        self.case_type = case_type
        self.limit = limit
        self.case: Case | None = None
        self.actions: list[CaseAction] = []
        self.supervisions: list[Supervision] = []
        self.alerts: list[ClockAlert] = []

    # --- helpers mirroring pingan.flow.context ---------------------------------------------
    def _start_clock(self, kind: str, now: dt.datetime) -> None:
        case = self.case
        amount, unit = self.limit(case.category_code, case.urgency, kind) or DEFAULT_LIMITS[kind]
        clocks.clock_start(case, kind=kind, start=now, amount=Decimal(amount), unit=unit)

    def _previous_holder(self) -> str:
        holder = self.case.holder_code
        for row in reversed(self.actions):
            if row.to_holder == holder and row.from_holder not in ("", holder):
                return row.from_holder
        return ""

    def _last_feedback_unit(self) -> str:
        for row in reversed(self.actions):
            if row.action == "feedback" and row.to_holder and row.from_holder:
                return row.from_holder
        return self.case.command_code or self.case.holder_code

    def _verifier(self, handler: str) -> str:
        case = self.case
        grid = case.region_code[:15] if len(case.region_code) >= 15 else ""
        for candidate in (grid, case.origin_code, case.command_code):
            if candidate and candidate != handler:
                return candidate
        return case.command_code or handler

    def _history(self, position: Position, action: str, before: tuple, note: str, payload, now):
        case = self.case
        self.actions.append(
            CaseAction(
                seq=len(self.actions) + 1,
                action=action,
                actor_id=position.user_id,
                position_id=position.pk,
                unit_code=position.unit_code,
                role=position.role,
                from_state=before[0],
                to_state=case.state,
                from_holder=before[1],
                to_holder=case.holder_code,
                note=note,
                payload=payload,
                created_at=now,
            )
        )

    # --- the two service entry points ------------------------------------------------------
    def open(self, *, case: Case, position: Position, note: str, payload: dict, now) -> Case:
        """Mirror of `case_open` (the number is assigned by the caller)."""
        case.case_type = self.case_type.code
        case.state = self.case_type.initial_state
        case.holder_kind = unit_kind(case.holder_code)
        case.reporter_id = position.user_id
        case.created_at = case.updated_at = now
        self.case = case
        self._start_clock("accept", now)
        self._history(position, "report", ("", ""), note, payload, now)
        return case

    def act(self, position: Position, action: str, now: dt.datetime, note: str = "", **params):
        """Mirror of `case_act` for one step; raises ValueError when the state forbids it."""
        case = self.case
        spec = self.case_type.actions[action]
        if case.state not in spec.from_states:
            raise ValueError(f"{case.number}: {action} not allowed in {case.state}")
        seq = len(self.actions) + 1
        before = (case.state, case.holder_code)
        responding = position.unit_code == case.holder_code and action not in NON_RESPONSE_ACTIONS
        to_state, to_holder, clock, payload = getattr(self, f"_do_{action}")(
            position, now, note, seq, params
        )
        case.state = to_state or spec.to_state or case.state
        if to_holder and to_holder != case.holder_code:
            case.holder_code = to_holder
            case.holder_kind = unit_kind(to_holder)
        effect = clock or spec.clock
        if effect in ("accept", "handle", "verify"):
            self._start_clock(effect, now)
        elif effect == "stop":
            clocks.clock_stop(case)
        elif effect == "pause":
            clocks.clock_pause(case, now=now)
        elif effect == "resume":
            clocks.clock_resume(case, now=now)
        case.version += 1
        case.updated_at = now
        self._history(position, action, before, note, payload, now)
        if responding:
            for card in self.supervisions:
                if card.target_code == before[1] and card.responded_at is None:
                    card.responded_at, card.response_seq = now, seq
        return case

    def scan(self, now: dt.datetime) -> None:
        """Mirror of `flow.deadlines.scan_deadlines(now=now)` for this case's main clock."""
        case = self.case
        if not case.clock_kind or case.clock_paused_at is not None:
            return
        for level, point, flag in (
            (AlertLevel.WARN, "warn_at", "is_warned"),
            (AlertLevel.DUE, "due_at", "is_overdue"),
        ):
            at = getattr(case, point)
            if at is not None and at <= now and not getattr(case, flag):
                setattr(case, flag, True)
                self.alerts.append(
                    ClockAlert(
                        assist_unit="",
                        clock_seq=case.clock_seq,
                        clock_kind=case.clock_kind,
                        level=level,
                        holder_code=case.holder_code,
                        point_at=at,
                        created_at=now,
                    )
                )

    # --- handlers mirroring pingan.flow.actions (state, holder, clock, payload) ------------
    def _do_accept(self, position, now, note, seq, params):
        case = self.case
        case.is_returned = False
        if case.holder_kind == HolderKind.REGION and (
            not case.command_code or not case.holder_code.startswith(case.command_code)
        ):
            case.command_code = case.holder_code
        return None, None, None, {}

    def _do_handle_locally(self, position, now, note, seq, params):
        case = self.case
        case.command_code = case.command_code or case.holder_code
        case.closed_at = now
        return None, None, None, {"result": note}

    def _do_escalate(self, position, now, note, seq, params):
        return None, parent_command_unit(self.case.holder_code), None, {}

    def _do_dispatch(self, position, now, note, seq, params):
        code = params["department"]
        return None, code, None, {"department": code, "assist": []}

    def _do_return(self, position, now, note, seq, params):
        case = self.case
        target = self._previous_holder()
        if case.holder_kind == HolderKind.REGION and is_above(case.holder_code, target):
            return "handling", target, "handle", {"direction": "down", "unit": target}
        case.is_returned = True
        payload = {"direction": "up", "unit": target, "needs_approval": True}
        return "pending_accept", target, "accept", payload

    def _do_request_extension(self, position, now, note, seq, params):
        case = self.case
        due = params["due_at"]
        holder = case.holder_code
        approver = case.command_code if case.command_code and case.command_code != holder else ""
        approver = approver or parent_command_unit(holder) or holder
        case.pending_extension = {
            "due_at": due.isoformat(),
            "requested_by": holder,
            "user_id": position.user_id,
            "reason": note,
            "seq": seq,
        }
        case.pending_approver_code = approver
        return None, None, None, {"due_at": due.isoformat(), "approver": approver}

    def _do_approve_extension(self, position, now, note, seq, params):
        case = self.case
        due = dt.datetime.fromisoformat(case.pending_extension["due_at"])
        previous = case.due_at
        clocks.clock_extend(case, now=now, due_at=due)
        case.pending_extension, case.pending_approver_code = None, ""
        return (
            None,
            None,
            None,
            {"due_at": due.isoformat(), "previous_due_at": previous.isoformat()},
        )

    def _do_deny_extension(self, position, now, note, seq, params):
        case = self.case
        requested = case.pending_extension["due_at"]
        case.pending_extension, case.pending_approver_code = None, ""
        return None, None, None, {"due_at": requested}

    def _do_suspend(self, position, now, note, seq, params):
        self.case.suspended_from_state = self.case.state
        return None, None, None, {}

    def _do_resume(self, position, now, note, seq, params):
        case = self.case
        to_state = case.suspended_from_state or "handling"
        case.suspended_from_state = ""
        return to_state, None, None, {}

    def _do_feedback(self, position, now, note, seq, params):
        verifier = self._verifier(self.case.holder_code)
        return None, verifier, None, {"result": note, "verifier": verifier}

    def _do_verify_pass(self, position, now, note, seq, params):
        case = self.case
        return None, case.command_code or self._last_feedback_unit(), None, {}

    def _do_verify_fail(self, position, now, note, seq, params):
        case = self.case
        case.rework_count += 1
        return None, self._last_feedback_unit(), None, {"rework": case.rework_count}

    def _do_close(self, position, now, note, seq, params):
        self.case.closed_at = now
        return None, None, None, {}

    def _do_callback(self, position, now, note, seq, params):
        case = self.case
        satisfaction = params["satisfaction"]
        case.satisfaction = satisfaction
        if satisfaction == "unsatisfied" and getattr(
            settings, "PINGAN_REOPEN_ON_UNSATISFIED", True
        ):
            case.reopen_count += 1
            case.closed_at = None
            payload = {"satisfaction": satisfaction, "reopened": True}
            return "handling", case.command_code, "handle", payload
        return None, None, None, {"satisfaction": satisfaction, "reopened": False}

    def _do_supervise(self, position, now, note, seq, params):
        case = self.case
        level = params["level"]
        points = getattr(settings, "PINGAN_SUPERVISION_POINTS", DEFAULT_SUPERVISION_POINTS)[level]
        hours = getattr(
            settings, "PINGAN_SUPERVISION_RESPONSE_HOURS", DEFAULT_SUPERVISION_RESPONSE_HOURS
        )[level]
        due = now + dt.timedelta(hours=hours)
        if SUPERVISION_RANK[level] > SUPERVISION_RANK[case.supervision_level]:
            case.supervision_level = level
        self.supervisions.append(
            Supervision(
                level=level,
                penalty_points=points,
                target_code=case.holder_code,
                issuer_code=position.unit_code,
                issued_by_id=position.user_id,
                note=note,
                response_due_at=due,
                action_seq=seq,
                created_at=now,
            )
        )
        payload = {"level": level, "penalty_points": points, "response_due_at": due.isoformat()}
        return None, None, None, payload
