"""The "dispute" case type (矛盾纠纷, prefix JF): the event loop plus mediation steps.

A dispute travels the same village → town → county loop as an event (accept, handle
locally, escalate, dispatch to 司法所 or another department with 协办, feedback,
verification, close, callback, and every side path), so it reuses the event's states and
action declarations. Mediation attempts and the agreement are recorded by
`pingan.events.disputes` as history rows of their own ("mediation", "agreement") while the
case is being handled; they do not move the state.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.accounts.scope import Actor
from pingan.events.casetype import ACTIONS, ARCHIVED, CLOSED, HANDLING, PENDING, STATES
from pingan.flow.models import Case
from pingan.flow.rules import satisfies
from pingan.flow.types import CaseType, register_case_type

CASE_TYPE = "dispute"
# Who may record each mediation step (rules of `flow.rules`) and in which states (None: any;
# 司法确认 often comes after the case is closed).
STEP_RULES: dict[str, tuple[tuple[str, ...], frozenset[str] | None]] = {
    "mediation": (("holder", "assist"), frozenset({HANDLING})),
    "agreement": (("holder", "assist"), frozenset({HANDLING})),
    "agreement_confirm": (("holder", "assist", "command"), None),
}


def step_allowed(actor: Actor, case: Case, step: str) -> bool:
    """May `actor` record mediation step `step` on `case` now? The one rule behind both the
    services (which refuse with `ActionNotAllowed`) and the forms the pages show."""
    rules, states = STEP_RULES[step]
    if case.case_type != CASE_TYPE or (states is not None and case.state not in states):
        return False
    return satisfies(actor, case, rules)


def dispute_detail(case: Case) -> dict:
    from pingan.events.disputes import dispute_detail_data

    return dispute_detail_data(case)


DISPUTE = register_case_type(
    CaseType(
        code=CASE_TYPE,
        label=_("矛盾纠纷"),
        prefix="JF",
        states=STATES,
        initial_state=PENDING,
        final_states=frozenset({CLOSED, ARCHIVED}),
        actions=ACTIONS,
        detail=dispute_detail,
    )
)
