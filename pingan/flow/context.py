"""What action handlers work with: the context, the outcome and shared helpers.

`Ctx` carries the actor, the locked case, its type and the action's spec and parameters;
`Outcome` is what a handler asks the engine to do (state, holder, clock, history payload,
rows to write once the history row exists). The helpers answer questions about the case's
history (who handed it over, who fed back, who verifies) and start clocks from the matter
catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.flow import clocks, params
from pingan.flow.models import Case, CaseAction, CaseAssist, HolderKind
from pingan.flow.types import ActionSpec, CaseType
from pingan.flow.units import unit_exists, unit_kind, unit_region
from pingan.regions.models import Region

# Fallback limits when the matter catalogue has no row for a case type at all.
DEFAULT_LIMITS = {
    "accept": ("1", "working_days"),
    "handle": ("5", "working_days"),
    "verify": ("2", "working_days"),
}


@dataclass
class Ctx:
    actor: Actor
    case: Case
    case_type: CaseType
    spec: ActionSpec
    now: dt.datetime
    params: dict[str, Any]
    note: str
    seq: int


@dataclass
class Outcome:
    to_state: str | None = None
    to_holder: str | None = None
    clock: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # Run after the history row exists (rows that point at the action's seq).
    after: list[Callable[[], None]] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------
def start_clock(case_type: CaseType, case: Case, clock, kind: str, now: dt.datetime) -> None:
    """Start clock `kind` on `clock` (the case or a CaseAssist) from the matter catalogue."""
    limit = clocks.limit_for(case.case_type, case_type.category_chain(case), case.urgency, kind)
    amount, unit = limit or DEFAULT_LIMITS[kind]
    clocks.clock_start(clock, kind=kind, start=now, amount=Decimal(amount), unit=unit)


def previous_holder(case: Case) -> str:
    """The unit that handed the case to its current holder ("" when it started there)."""
    row = (
        CaseAction.objects.filter(case=case, to_holder=case.holder_code)
        .exclude(from_holder__in=["", case.holder_code])
        .order_by("-seq")
        .values_list("from_holder", flat=True)
        .first()
    )
    return row or ""


def last_feedback_unit(case: Case) -> str:
    row = (
        CaseAction.objects.filter(case=case, action="feedback")
        .exclude(to_holder="")
        .exclude(from_holder="")
        .order_by("-seq")
        .values_list("from_holder", flat=True)
        .first()
    )
    return row or case.command_code or case.holder_code


def verifier_unit(case: Case, handler_code: str) -> str:
    """Who checks the result on site: the case's grid worker, else the reporting unit."""
    grid = case.region_code[:15] if len(case.region_code) >= 15 else ""
    for candidate in (grid, case.origin_code, case.command_code):
        if candidate and candidate != handler_code:
            return candidate
    return case.command_code or handler_code


def check_region_target(code: str, field_name: str) -> None:
    if not code.isdigit() or not Region.objects.filter(code=code).exists():
        raise params.fail(field_name, _("单位 %(code)s 不存在。") % {"code": code})


def check_assist_units(ctx: Ctx, codes: list[str], field_name: str) -> None:
    case = ctx.case
    scope = unit_region(case.command_code or case.holder_code)
    existing = set(case.assists.values_list("unit_code", flat=True))
    for code in codes:
        if code == case.holder_code:
            raise params.fail(
                field_name, _("主办单位不能同时作为协办单位：%(code)s。") % {"code": code}
            )
        if code in existing:
            raise params.fail(field_name, _("%(code)s 已是协办单位。") % {"code": code})
        if not unit_exists(code):
            raise params.fail(field_name, _("单位 %(code)s 不存在或已停用。") % {"code": code})
        if not unit_region(code).startswith(scope):
            raise params.fail(field_name, _("%(code)s 不在本案主责单位辖区内。") % {"code": code})


def add_assists(ctx: Ctx, codes: list[str]) -> Callable[[], None]:
    def create() -> None:
        for code in codes:
            assist = CaseAssist(
                case=ctx.case,
                unit_kind=unit_kind(code),
                unit_code=code,
                added_seq=ctx.seq,
                created_at=ctx.now,
            )
            start_clock(ctx.case_type, ctx.case, assist, "handle", ctx.now)
            assist.save()

    return create


def open_assists(case: Case):
    return case.assists.filter(done_at__isnull=True)


def set_command_on_accept(case: Case) -> None:
    """A region unit that accepts becomes the command unit unless it sits below it."""
    unit = case.holder_code
    if case.holder_kind != HolderKind.REGION:
        return
    if not case.command_code or not unit.startswith(case.command_code):
        case.command_code = unit
