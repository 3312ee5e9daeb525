"""Declarative case types: states, actions (who, from which states, to which state, clock).

A module declares its case type once (e.g. `pingan/events/casetype.py`) and registers it at
start-up. The engine (`services.case_act`) reads the declaration; the behaviour of each action
code lives in the shared action library (`actions.py`), so every case type speaks the same
vocabulary and shares inbox, clocks, supervision and history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pingan.flow.models import Case

# The action vocabulary (API codes). Case types use a subset.
ACTION_CODES = (
    "report",
    "accept",
    "handle_locally",
    "escalate",
    "assign",
    "dispatch",
    "transfer",
    "add_assist",
    "return",
    "request_extension",
    "approve_extension",
    "deny_extension",
    "suspend",
    "resume",
    "feedback",
    "verify_pass",
    "verify_fail",
    "close",
    "callback",
    "reopen",
    "supervise",
    "instruct",
    "mark_urgent",
)

# Clock effects an action may declare.
CLOCK_EFFECTS = ("keep", "accept", "handle", "verify", "stop", "pause", "resume", "extend")


@dataclass(frozen=True)
class ActionSpec:
    """One action of a case type.

    `who` names rules in `rules.py`; the actor needs to satisfy at least one. `to_state` is
    the declared main outcome (None: the state does not change); a few actions pick another
    outcome from their parameters (a return upwards waits for the upper unit's approval, an
    unsatisfied callback reopens) and say so in `outcomes`. `needs_approval` marks actions
    whose effect waits for another unit's decision.
    """

    code: str
    label: str
    from_states: frozenset[str]
    to_state: str | None
    who: tuple[str, ...]
    clock: str = "keep"
    note_required: bool = False
    needs_approval: bool = False
    outcomes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in ACTION_CODES:
            raise ValueError(f"unknown action code {self.code!r}")
        if self.clock not in CLOCK_EFFECTS:
            raise ValueError(f"unknown clock effect {self.clock!r}")


def _single_category(case: Case) -> list[str]:
    return [case.category_code] if case.category_code else []


@dataclass(frozen=True)
class CaseType:
    """A kind of case. `prefix` starts its numbers (e.g. SJ990101202611020001)."""

    code: str
    label: str
    prefix: str
    states: dict[str, str]
    initial_state: str
    final_states: frozenset[str]
    actions: dict[str, ActionSpec]
    # Category codes for the matter catalogue, finest first (category, parent, …).
    category_chain: Callable[[Case], list[str]] = _single_category
    # Extra data for the case detail page/API (the typed detail row).
    detail: Callable[[Case], dict] | None = None
    settings: dict = field(default_factory=dict)
    # Type-specific behaviour for action codes whose shared handler (`actions.HANDLERS`) does
    # not fit, e.g. a hand-over whose accept moves a person (`actions.handler_for`).
    handlers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in self.actions.values():
            unknown = (spec.from_states | {spec.to_state or self.initial_state}) - set(self.states)
            if unknown:
                raise ValueError(f"{self.code}.{spec.code}: unknown states {sorted(unknown)}")

    @property
    def open_states(self) -> frozenset[str]:
        return frozenset(self.states) - self.final_states

    def state_label(self, state: str) -> str:
        return str(self.states.get(state, state))


_registry: dict[str, CaseType] = {}


def register_case_type(case_type: CaseType) -> CaseType:
    """Register (or re-register, e.g. on reload) a case type by code."""
    _registry[case_type.code] = case_type
    return case_type


def get_case_type(code: str) -> CaseType:
    try:
        return _registry[code]
    except KeyError:
        raise LookupError(f"case type {code!r} is not registered") from None


def case_types() -> tuple[CaseType, ...]:
    return tuple(_registry.values())
