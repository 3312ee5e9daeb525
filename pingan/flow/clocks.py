"""Clocks: warn and due points on the working-day calendar, pause, resume, extension.

A clock is stored as an anchor time plus the time remaining at the anchor, measured on a
basis: `natural` (wall-clock seconds; limits in hours or natural days) or `working` (office
time on working days, as `pingan.workdays.calendar` counts it; limits in working days).

- start: due = anchor + limit (calendar rules for days); the total is the time between them
  on the clock's basis; warn = the point where `PINGAN_CLOCK_WARN_RATIO` (default 0.8) of
  the total has elapsed.
- pause (挂起): remember the time left until due; the scan ignores paused clocks.
- resume: a new anchor at the resume time with the remembered time left; a warn point that
  had already passed stays passed.
- extend (approved 延期): due moves to the approved time; warn moves to the point where the
  ratio of the new total has elapsed (now, if that point already passed).

These functions only compute and assign fields; callers save the row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings

from pingan.flow.models import ClockBasis, ClockFields, LimitUnit, MatterLimit
from pingan.workdays import calendar
from pingan.workdays.hours import office_hours


def warn_ratio() -> float:
    ratio = float(getattr(settings, "PINGAN_CLOCK_WARN_RATIO", 0.8))
    return min(max(ratio, 0.0), 1.0)


def limit_for(case_type: str, category_codes: list[str], urgency: str, kind: str):
    """(amount, unit) for clock `kind` from the matter catalogue; most specific row wins.

    `category_codes` lists the category and its ancestors, finest first; an empty category
    row is the case type's default. Returns None when the catalogue has no row at all.
    """
    rows = MatterLimit.objects.filter(
        case_type=case_type, category_code__in=[*category_codes, ""], urgency__in=[urgency, ""]
    )
    order = {code: i for i, code in enumerate([*category_codes, ""])}
    best = min(rows, key=lambda r: (order[r.category_code], r.urgency == ""), default=None)
    if best is None:
        return None
    return getattr(best, f"{kind}_amount"), getattr(best, f"{kind}_unit")


def _add(basis: str, start: dt.datetime, seconds: float) -> tuple[dt.datetime, bool]:
    if basis == ClockBasis.NATURAL:
        return start + dt.timedelta(seconds=seconds), False
    deadline = calendar.add_working_hours(start, dt.timedelta(seconds=max(seconds, 0)))
    return deadline.due_at, deadline.provisional


def _between(basis: str, start: dt.datetime, end: dt.datetime) -> int:
    if basis == ClockBasis.NATURAL:
        return int((end - start).total_seconds())
    return int(calendar.working_time_between(start, end).total_seconds())


def _closing_to_end_of_day(due: dt.datetime) -> dt.datetime:
    """A working-basis due point at the day's last closing time means "end of that day".

    Working-day limits end at 23:59:59 (calendar convention); after a pause the remaining
    office time ends at a closing time, so keep the same convention.
    """
    local = due.astimezone(calendar.TZ)
    last_close = office_hours()[-1][1]
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=calendar.TZ)
    if local - midnight == last_close:
        return dt.datetime.combine(
            local.date(), calendar.END_OF_DAY, tzinfo=calendar.TZ
        ).astimezone(dt.UTC)
    return due


def _due_for_limit(start: dt.datetime, amount: Decimal, unit: str) -> tuple[str, dt.datetime, bool]:
    """(basis, due, provisional) for a limit counted from `start`."""
    if unit == LimitUnit.HOURS:
        return ClockBasis.NATURAL, start + dt.timedelta(hours=float(amount)), False
    if unit == LimitUnit.NATURAL_DAYS and amount == int(amount):
        deadline = calendar.add_natural_days(start, int(amount))
        return ClockBasis.NATURAL, deadline.due_at, deadline.provisional
    if unit == LimitUnit.NATURAL_DAYS:
        return ClockBasis.NATURAL, start + dt.timedelta(days=float(amount)), False
    if amount == int(amount):
        deadline = calendar.add_working_days(start, int(amount))
        return ClockBasis.WORKING, deadline.due_at, deadline.provisional
    # Fractional working days: that share of a full office day.
    hours = sum((e - s for s, e in office_hours()), dt.timedelta()) * float(amount)
    deadline = calendar.add_working_hours(start, hours)
    return ClockBasis.WORKING, deadline.due_at, deadline.provisional


def clock_start(
    clock: ClockFields, *, kind: str, start: dt.datetime, amount: Decimal, unit: str
) -> None:
    """Start a new clock of `kind` at `start` with the given limit."""
    basis, due, provisional = _due_for_limit(start, amount, unit)
    total = max(_between(basis, start, due), 0)
    warn, warn_provisional = _add(basis, start, total * warn_ratio())
    clock.clock_kind = kind
    clock.clock_seq += 1
    clock.clock_basis = basis
    clock.clock_limit_amount = amount
    clock.clock_limit_unit = unit
    clock.clock_started_at = clock.clock_anchor_at = start
    clock.clock_total_seconds = clock.clock_remaining_seconds = total
    clock.clock_paused_at = None
    clock.clock_provisional = provisional or warn_provisional
    clock.due_at, clock.warn_at = due, min(warn, due)
    clock.is_warned = clock.is_overdue = False


def clock_stop(clock: ClockFields) -> None:
    """No clock runs (case waiting for nobody, or finished)."""
    clock.clock_kind = ""
    clock.clock_basis = ""
    clock.clock_limit_amount = None
    clock.clock_limit_unit = ""
    clock.clock_started_at = clock.clock_anchor_at = clock.clock_paused_at = None
    clock.clock_total_seconds = clock.clock_remaining_seconds = None
    clock.clock_provisional = False
    clock.due_at = clock.warn_at = None
    clock.is_warned = clock.is_overdue = False


def clock_pause(clock: ClockFields, *, now: dt.datetime) -> None:
    if not clock.clock_kind or clock.clock_paused_at is not None:
        return
    clock.clock_remaining_seconds = _between(clock.clock_basis, now, clock.due_at)
    clock.clock_paused_at = now


def clock_resume(clock: ClockFields, *, now: dt.datetime) -> None:
    if not clock.clock_kind or clock.clock_paused_at is None:
        return
    remaining = clock.clock_remaining_seconds or 0
    if remaining > 0:
        due, provisional = _add(clock.clock_basis, now, remaining)
        if clock.clock_basis == ClockBasis.WORKING:
            due = _closing_to_end_of_day(due)
    else:
        # Already overdue when paused: the due point stays where it was.
        due, provisional = clock.due_at, clock.clock_provisional
    warn_left = remaining - (1 - warn_ratio()) * (clock.clock_total_seconds or 0)
    if warn_left > 0:
        warn, warn_provisional = _add(clock.clock_basis, now, warn_left)
        provisional = provisional or warn_provisional
    else:
        warn = clock.warn_at
    clock.clock_anchor_at = now
    clock.clock_remaining_seconds = remaining
    clock.clock_paused_at = None
    clock.clock_provisional = provisional
    clock.due_at, clock.warn_at = due, min(warn, due)


def clock_extend(clock: ClockFields, *, now: dt.datetime, due_at: dt.datetime) -> None:
    """Move the due point to `due_at` (approved extension); counts as a new clock for alerts."""
    basis = clock.clock_basis or ClockBasis.NATURAL
    total = (clock.clock_total_seconds or 0) + max(_between(basis, clock.due_at, due_at), 0)
    left = _between(basis, now, due_at)
    warn_left = left - (1 - warn_ratio()) * total
    warn = _add(basis, now, warn_left)[0] if warn_left > 0 else now
    clock.clock_seq += 1
    clock.clock_anchor_at = now
    clock.clock_total_seconds = total
    clock.clock_remaining_seconds = left
    clock.clock_provisional = False
    clock.due_at, clock.warn_at = due_at, min(warn, due_at)
    clock.is_warned = clock.is_overdue = False


def clock_recompute(clock: ClockFields) -> bool:
    """Recompute a provisional, running clock from its anchor; True when it changed.

    Used when a year's holiday schedule is entered: a fresh working-day clock is counted
    again from its start; a resumed one adds its remaining office time again.
    """
    if not clock.clock_kind or not clock.clock_provisional or clock.clock_paused_at is not None:
        return False
    before = (clock.due_at, clock.warn_at, clock.clock_provisional)
    fresh = clock.clock_anchor_at == clock.clock_started_at
    if fresh and clock.clock_limit_unit != LimitUnit.HOURS:
        basis, due, provisional = _due_for_limit(
            clock.clock_started_at, clock.clock_limit_amount, clock.clock_limit_unit
        )
        total = max(_between(basis, clock.clock_started_at, due), 0)
        warn, warn_provisional = _add(basis, clock.clock_started_at, total * warn_ratio())
        clock.clock_total_seconds = clock.clock_remaining_seconds = total
    elif clock.clock_basis == ClockBasis.WORKING:
        remaining = clock.clock_remaining_seconds or 0
        due, provisional = _add(clock.clock_basis, clock.clock_anchor_at, remaining)
        due = _closing_to_end_of_day(due)
        warn_left = remaining - (1 - warn_ratio()) * (clock.clock_total_seconds or 0)
        warn, warn_provisional = (
            _add(clock.clock_basis, clock.clock_anchor_at, warn_left)
            if warn_left > 0
            else (clock.warn_at, False)
        )
    else:
        return False
    clock.due_at, clock.warn_at = due, min(warn, due)
    clock.clock_provisional = provisional or warn_provisional
    return before != (clock.due_at, clock.warn_at, clock.clock_provisional)
