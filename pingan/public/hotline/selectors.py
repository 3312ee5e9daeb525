"""Reads of the hotline page: duplicate hints while the operator types, and the caller's
earlier cases. Both are limited to what the operator's position may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from pingan.accounts.scope import Actor, scope_by_region
from pingan.core.masking import mask_name, mask_phone
from pingan.core.phones import normalize_phone, phone_hash
from pingan.events.duplicates import WINDOW, similar_open_events
from pingan.flow.models import Case
from pingan.flow.types import get_case_type
from pingan.flow.units import unit_names
from pingan.public.models import PublicChannel, PublicReport

HINTS_SHOWN = 5
# Open events looked at per hint request (the newest first): the neighbourhood of one grid
# over 7 days rarely has more; the cap keeps a busy area's typing fast.
HINT_SCAN_CAP = 300
HINT_MIN_CHARS = 4
HISTORY_SHOWN = 20


@dataclass(frozen=True)
class Hint:
    case: Case
    score: float
    state_label: str
    holder_name: str
    description: str


def duplicate_hints(
    actor: Actor, *, area: str, description: str, now: dt.datetime | None = None
) -> list[Hint]:
    """Open events the operator can see that may be what the caller reports: in the grid
    `area` or a neighbouring one (`events.duplicates.neighbour_grids`; for a village or
    town code found from an address, in that village or town), reported within the last
    7 days, whose text shares enough words (Jaccard ≥ 0.3 over jieba tokens, as at
    acceptance). Best first, at most 5. Nothing without an area or for a text shorter than
    4 characters."""
    text = (description or "").strip()
    if len(text) < HINT_MIN_CHARS or not area:
        return []
    found = similar_open_events(
        actor,
        area=area,
        text=text,
        since=(now or timezone.now()) - WINDOW,
        scan_cap=HINT_SCAN_CAP,
    )
    scored = [(c.case, c.score, c.case.event.description) for c in found[:HINTS_SHOWN]]
    names = unit_names({case.holder_code for case, _score, _text in scored})
    return [
        Hint(
            case=case,
            score=score,
            state_label=get_case_type(case.case_type).state_label(case.state),
            holder_name=names.get(case.holder_code, case.holder_code),
            description=text,
        )
        for case, score, text in scored
    ]


@dataclass(frozen=True)
class HistoryRow:
    number: str
    created_at: dt.datetime
    title: str
    state_label: str
    channel_label: str
    phone_masked: str
    name_masked: str


def caller_history(actor: Actor, phone: str) -> list[HistoryRow]:
    """Cases reported from `phone` (any public channel) that happened inside the operator's
    region scope, newest first, at most 20, contact details masked. Empty for a number that
    is not a valid phone number."""
    try:
        number = normalize_phone(phone)
    except ValidationError:
        return []
    if not number:
        return []
    reports = (
        scope_by_region(actor, PublicReport.objects.all(), field="case__region_code")
        .filter(phone_hash=phone_hash(number))
        .select_related("case")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN]
    )
    channels = dict(PublicChannel.choices)
    return [
        HistoryRow(
            number=report.case.number,
            created_at=report.created_at,
            title=report.case.title,
            state_label=get_case_type(report.case.case_type).state_label(report.case.state),
            channel_label=str(channels.get(report.channel, report.channel)),
            phone_masked=mask_phone(report.phone),
            name_masked=mask_name(report.name),
        )
        for report in reports
    ]


def grid_options(actor: Actor, limit: int = 3000) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grids of the operator's scope grouped by village, for the *180 grid picker."""
    from pingan.regions.models import Region, RegionLevel

    prefix = actor.scope_code or ""
    if not prefix or actor.is_department:
        return []
    rows = list(
        Region.objects.filter(
            code__startswith=prefix, level__in=(RegionLevel.VILLAGE, RegionLevel.GRID)
        )
        .order_by("code")
        .values_list("code", "name")[:limit]
    )
    villages = {code: name for code, name in rows if len(code) == 12}
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in rows:
        if len(code) == 15:
            groups.setdefault(code[:12], []).append((code, name))
    return [(villages.get(v, v), grids) for v, grids in groups.items()]
