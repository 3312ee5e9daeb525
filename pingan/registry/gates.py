"""The registry's refinement of the seeded gates (`pingan.accounts.gates`).

The seeded gates name the person and attribute fields a department reads. The registry owns
these record kinds, so it adds the card fields it keeps outside the attributes: the risk or
management level (visits depend on it), attention level, status and dates, and the visit
schedule under the names this module uses. Nothing is removed from a seeded gate.
"""

from __future__ import annotations

from pingan.accounts import gates

CARD_FIELDS = (
    "risk_level",
    "attention",
    "status",
    "opened_on",
    "closed_on",
    "last_visit_at",
    "next_visit_on",
)


def refine_gates() -> None:
    """Extend each seeded gate with `CARD_FIELDS` (idempotent)."""
    for gate in gates.all_gates():
        extra = [f for f in CARD_FIELDS if f not in gate.fields]
        if extra:
            gates.register_gate(gate.department_type, gate.record_kind, [*gate.fields, *extra])
