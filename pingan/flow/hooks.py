"""Listeners told after case work commits (notifications, public progress messages).

An explicit registry rather than Django signals (DESIGN §8): apps register in `ready()`.
`case_open`/`case_act` (and the events app's merge) call `step_committed` through
`transaction.on_commit`, so a listener only ever sees committed history; the deadline scan
calls `alerts_committed` with the ids of the `ClockAlert` rows a batch created, after that
batch commits.

Step listeners run inside one task per step (`flow.tasks.case_step_listeners`), not in the
request: one queue write per step however many apps listen, and a slow listener never delays
the person acting. Alert listeners are called directly and should enqueue their own task.
"""

from __future__ import annotations

from collections.abc import Callable

StepListener = Callable[[int, int], None]  # (case id, history seq)
AlertListener = Callable[[list[int]], None]  # (new ClockAlert ids)

_listeners: list[StepListener] = []
_alert_listeners: list[AlertListener] = []


def register_step_listener(listener: StepListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def step_committed(case_id: int, seq: int) -> None:
    """Queue the step's listeners (one task); called on commit."""
    if _listeners:
        from pingan.flow.tasks import case_step_listeners

        case_step_listeners(case_id, seq)


def run_step_listeners(case_id: int, seq: int) -> None:
    """Run every step listener now (in the task)."""
    for listener in _listeners:
        listener(case_id, seq)


def register_alert_listener(listener: AlertListener) -> None:
    if listener not in _alert_listeners:
        _alert_listeners.append(listener)


def has_alert_listeners() -> bool:
    """Whether anyone wants new alert ids (the scan skips looking them up otherwise)."""
    return bool(_alert_listeners)


def alerts_committed(alert_ids: list[int]) -> None:
    for listener in _alert_listeners:
        listener(alert_ids)
