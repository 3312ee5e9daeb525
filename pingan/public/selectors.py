"""Reads of the public channels: finding a citizen's case, and its public timeline.

The public timeline says what was done and by which unit, never who did it, never the
internal notes, and never anything about other people. Lookups answer the same for an
unknown case number and a wrong code, so neither can be enumerated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pingan.flow.models import Case
from pingan.flow.public_text import PUBLIC_STEPS, step_text
from pingan.flow.units import unit_names
from pingan.public.codes import query_code_matches
from pingan.public.models import PublicReport


@dataclass(frozen=True)
class PublicStep:
    seq: int
    action: str
    at: dt.datetime
    text: str


def find_public_case(number: str, code: str) -> Case | None:
    """The case for a number + query code, or None (unknown number and wrong code alike)."""
    report = (
        PublicReport.objects.select_related("case")
        .filter(case__number=(number or "").strip().upper())
        .first()
    )
    if report is None or not query_code_matches(report.case.number, code, report.query_code_hash):
        return None
    return report.case


def public_steps(case: Case) -> list[PublicStep]:
    """The public-visible steps of a case, oldest first."""
    rows = list(case.actions.filter(action__in=list(PUBLIC_STEPS)).order_by("seq"))
    names = unit_names({code for row in rows for code in (row.unit_code, row.to_holder) if code})
    return [
        PublicStep(seq=row.seq, action=row.action, at=row.created_at, text=step_text(row, names))
        for row in rows
    ]
