"""Internal event states → Open311 `status` (open/closed) and FixMyStreet extended statuses.

| state            | status | extended status                                        |
|------------------|--------|--------------------------------------------------------|
| pending_accept   | open   | OPEN                                                   |
| handling         | open   | IN_PROGRESS; REOPEN after a reopen or 不满意 callback  |
| suspended        | open   | ACTION_SCHEDULED                                       |
| verifying        | open   | INVESTIGATING (handled, checked on site)               |
| pending_close    | open   | FIXED (verified on site, closing)                      |
| closed           | closed | FIXED; DUPLICATE when merged into another case         |
| archived         | closed | CLOSED (closed and called back)                        |
"""

from __future__ import annotations

from pingan.events.casetype import (
    ARCHIVED,
    CLOSED,
    HANDLING,
    PENDING,
    PENDING_CLOSE,
    STATES,
    SUSPENDED,
    VERIFYING,
)

OPEN, CLOSED_STATUS = "open", "closed"
STATUSES = (OPEN, CLOSED_STATUS)
CLOSED_STATES = frozenset({CLOSED, ARCHIVED})
EXTENDED = {
    PENDING: "OPEN",
    HANDLING: "IN_PROGRESS",
    SUSPENDED: "ACTION_SCHEDULED",
    VERIFYING: "INVESTIGATING",
    PENDING_CLOSE: "FIXED",
    CLOSED: "FIXED",
    ARCHIVED: "CLOSED",
}
REOPENING_STEPS = frozenset({"reopen", "callback"})


def status_of(state: str) -> str:
    return CLOSED_STATUS if state in CLOSED_STATES else OPEN


def states_for(statuses: set[str]) -> set[str]:
    """Internal states whose Open311 status is in `statuses`."""
    return {state for state in STATES if status_of(state) in statuses}


def extended_status(state: str, last_public_action: str, *, merged: bool = False) -> str:
    if merged:
        return "DUPLICATE"
    if state == HANDLING and last_public_action in REOPENING_STEPS:
        return "REOPEN"
    return EXTENDED.get(state, "OPEN")


def state_label(state: str) -> str:
    return str(STATES.get(state, state))
