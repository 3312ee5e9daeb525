"""Finding a citizen's case from what a phone can send: the SMS and voice channels.

A case number is a type prefix and digits (`SJ9901012026110200042`). A telephone keypad has
no letters, so the digits alone are accepted too: they are tried after every registered
case-type prefix (`SJ…`, `JF…`, …) and resolve only when exactly one case with a public
report has that number; two cases sharing the digits under different prefixes are treated
as not found. Full-width characters, lower case and spaces, `-`, `*` and `#` are ignored.

Whether the case may be shown is the caller's second question (`report_matches`): the query
code, or the phone the case was reported from. Callers answer a number that resolves to
nothing and a failed proof with the same words, so neither can be enumerated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pingan.core.phones import phone_hash
from pingan.events.models import EventDetail
from pingan.events.models_extra import CaseMerge
from pingan.flow.models import Case
from pingan.flow.types import case_types
from pingan.public.codes import query_code_matches
from pingan.public.models import PublicReport
from pingan.public.portal.selectors import open_public_actions, state_words
from pingan.public.selectors import PublicStep, public_steps

_SEPARATORS = re.compile(r"[\s\-*#]+")
_FULL = re.compile(r"^[A-Z]{1,4}\d{6,30}$")
_DIGITS = re.compile(r"^\d{6,30}$")


def clean_number(text: str) -> str:
    """The number as typed, folded: upper case ASCII without separators."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return _SEPARATORS.sub("", folded)


def number_candidates(text: str) -> list[str]:
    """The case numbers `text` may mean (empty when it cannot be a case number)."""
    value = clean_number(text)
    if _FULL.match(value):
        return [value]
    if _DIGITS.match(value):
        return sorted({case_type.prefix + value for case_type in case_types()})
    return []


def report_by_number(text: str) -> PublicReport | None:
    """The public report of the one case `text` names, or None (unknown or ambiguous)."""
    candidates = number_candidates(text)
    if not candidates:
        return None
    rows = list(PublicReport.objects.select_related("case").filter(case__number__in=candidates)[:2])
    return rows[0] if len(rows) == 1 else None


def report_matches(report: PublicReport | None, *, code: str = "", phone: str = "") -> bool:
    """True when the query code is right (with a code) or, without one, when `phone` is the
    number the case was reported from."""
    if report is None:
        return False
    if code:
        return query_code_matches(report.case.number, code, report.query_code_hash)
    return bool(phone) and bool(report.phone_hash) and report.phone_hash == phone_hash(phone)


@dataclass(frozen=True)
class CaseStatus:
    """What a phone channel tells about a case: the same facts as the portal's page, cut
    to a message (state in plain words, the latest public step, the merge, rating open).
    For a merged duplicate, `latest` is the parent's latest step."""

    number: str
    category: str
    state_text: str
    latest: PublicStep | None
    merged_into: str
    merged_state_text: str
    can_rate: bool


def case_status(case: Case) -> CaseStatus:
    category = (
        EventDetail.objects.filter(case=case).values_list("category__name", flat=True).first()
    )
    merge = CaseMerge.objects.select_related("parent").filter(child=case).first()
    # A merged duplicate is followed through its parent: the parent's state and steps.
    followed = merge.parent if merge else case
    steps = public_steps(followed)
    return CaseStatus(
        number=case.number,
        category=category or "",
        state_text=state_words(case.state),
        latest=steps[-1] if steps else None,
        merged_into=merge.parent.number if merge else "",
        merged_state_text=state_words(merge.parent.state) if merge else "",
        can_rate=merge is None and "callback" in open_public_actions(case),
    )
