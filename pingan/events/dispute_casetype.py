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

from pingan.events.casetype import ACTIONS, ARCHIVED, CLOSED, PENDING, STATES
from pingan.flow.models import Case
from pingan.flow.types import CaseType, register_case_type

CASE_TYPE = "dispute"


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
