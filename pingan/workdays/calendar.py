"""Working-day arithmetic (DESIGN §4.4): pure computations over a cached per-year table.

Conventions (docs/user/calendar.md explains them to users):
- Everything is computed on the Asia/Shanghai wall clock, whatever the server's zone;
  inputs must be aware datetimes (or dates), results are aware datetimes in UTC.
- "N working days from an event at time t" ends at 23:59:59 local time of the Nth working
  day after t's local date: counting starts the next day, as for statutory "日" periods.
- "N natural days" ends at 23:59:59 of the Nth calendar day after t's date.
- Working hours run only inside PINGAN_OFFICE_HOURS on working days; a clock started outside
  them starts at the next opening.
- A result is provisional when any day it had to look at lies in a year whose official
  schedule has not been entered (see `rules.py`); `Deadline.provisional_years` names them.

The per-year tables live in this process. Writes through `services.py` clear them on commit;
other processes notice a change by comparing a cheap fingerprint of `YearSchedule` at most
every PINGAN_CALENDAR_CACHE_SECONDS, so thousands of calls cost no queries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max

from pingan.workdays import rules, seed
from pingan.workdays.hours import office_hours
from pingan.workdays.models import DayKind, ScheduleStatus, SpecialDay, YearSchedule

TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)
# Source label of a year computed from the statutory rules (not a stored `ScheduleSource`).
SOURCE_RULES = "rules"
# Guards against runaway loops on absurd input; statutory limits are a few months at most.
MAX_DAYS = 20_000


@dataclass(frozen=True)
class YearTable:
    """One year's exceptions to the weekday rule and how trustworthy they are."""

    year: int
    status: str
    source: str
    holidays: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str]

    @property
    def provisional(self) -> bool:
        return self.status != ScheduleStatus.OFFICIAL

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def day_name(self, day: dt.date) -> str:
        return self.holidays.get(day) or self.workdays.get(day) or ""


@dataclass(frozen=True)
class Deadline:
    """A computed due time and whether it rests on a provisional year."""

    due_at: dt.datetime
    provisional: bool
    provisional_years: tuple[int, ...] = ()


# --- the per-process cache ----------------------------------------------------------------
_lock = threading.Lock()
_tables: dict[int, YearTable] = {}
_fingerprint: tuple | None = None
_checked_at = float("-inf")


def reset_cache() -> None:
    """Forget every loaded year; the next call reloads from the database."""
    global _fingerprint, _checked_at
    with _lock:
        _tables.clear()
        _fingerprint = None
        _checked_at = float("-inf")


def _refresh() -> None:
    """Drop the tables when another process changed the schedule since we last looked."""
    global _fingerprint, _checked_at
    interval = getattr(settings, "PINGAN_CALENDAR_CACHE_SECONDS", 60)
    now = time.monotonic()
    if now - _checked_at < interval:
        return
    stats = YearSchedule.objects.aggregate(n=Count("year"), latest=Max("updated_at"))
    current = (stats["n"], stats["latest"])
    with _lock:
        if current != _fingerprint:
            _tables.clear()
            _fingerprint = current
        _checked_at = now


def _load(year: int) -> YearTable:
    schedule = YearSchedule.objects.filter(year=year).first()
    if schedule is not None:
        rows = SpecialDay.objects.filter(year=year).values_list("date", "kind", "name")
        status, source = schedule.status, schedule.source
    elif year in seed.known_years():
        rows = seed.chinesecalendar_year(year)
        status, source = ScheduleStatus.OFFICIAL, "chinesecalendar"
    else:
        rows = [(d, DayKind.HOLIDAY, n) for d, n in rules.statutory_holidays(year).items()]
        status, source = ScheduleStatus.PROVISIONAL, SOURCE_RULES
    holidays = {d: n for d, k, n in rows if k == DayKind.HOLIDAY}
    workdays = {d: n for d, k, n in rows if k == DayKind.WORKDAY}
    return YearTable(year, str(status), str(source), holidays, workdays)


def _year(year: int) -> YearTable:
    table = _tables.get(year)
    if table is None:
        table = _load(year)
        with _lock:
            _tables[year] = table
    return table


def year_table(year: int) -> YearTable:
    """The table used for `year`: stored rows, else chinesecalendar, else the statutory rules."""
    _refresh()
    return _year(year)


# --- helpers ------------------------------------------------------------------------------
def _local(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("需要带时区的时间（aware datetime）")
        return value.astimezone(TZ)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=TZ)
    raise TypeError(f"expected date or datetime, got {type(value).__name__}")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=TZ).astimezone(dt.UTC)


def _deadline(due: dt.datetime, provisional_years: set[int]) -> Deadline:
    years = tuple(sorted(provisional_years))
    return Deadline(due.astimezone(dt.UTC), bool(years), years)


def _as_duration(hours: float | int | Decimal | dt.timedelta) -> dt.timedelta:
    duration = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=float(hours))
    if duration < dt.timedelta():
        raise ValueError("工作时长不能为负数")
    return duration


def _check_count(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("天数必须是整数")
    if n < 0 or n > MAX_DAYS:
        raise ValueError(f"天数必须在 0 到 {MAX_DAYS} 之间")


# --- public computations ------------------------------------------------------------------
def is_working_day(day: dt.date | dt.datetime) -> bool:
    """True when `day` (a date, or an aware datetime's Beijing date) is a working day."""
    local = _local(day).date()
    _refresh()
    return _year(local.year).is_working_day(local)


def add_working_days(start: dt.datetime | dt.date, n: int) -> Deadline:
    """End (23:59:59 Beijing time) of the `n`th working day after `start`'s local date.

    `n == 0` gives the end of `start`'s own date.
    """
    _check_count(n)
    _refresh()
    day = _local(start).date()
    provisional: set[int] = set()
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        table = _year(day.year)
        if table.provisional:
            provisional.add(day.year)
        if table.is_working_day(day):
            remaining -= 1
    return _deadline(_end_of(day), provisional)


def add_natural_days(
    start: dt.datetime | dt.date, n: int, *, roll_forward: bool = False
) -> Deadline:
    """End (23:59:59 Beijing time) of the `n`th calendar day after `start`'s local date.

    With `roll_forward`, a last day that is not a working day moves to the next working day
    (民法典 art. 203: a period ending on a statutory rest day ends on the day after it); only
    then does the result depend on the calendar and can be provisional.
    """
    _check_count(n)
    day = _local(start).date() + dt.timedelta(days=n)
    provisional: set[int] = set()
    if roll_forward:
        _refresh()
        for _ in range(MAX_DAYS):
            table = _year(day.year)
            if table.provisional:
                provisional.add(day.year)
            if table.is_working_day(day):
                break
            day += dt.timedelta(days=1)
    return _deadline(_end_of(day), provisional)


def add_working_hours(
    start: dt.datetime | dt.date, hours: float | int | Decimal | dt.timedelta
) -> Deadline:
    """The moment `hours` of office time have passed since `start` (a date means its 00:00).

    Time counts only inside office hours on working days; a clock started outside them
    starts at the next opening, and a span ending exactly at a closing time ends there.
    """
    remaining = _as_duration(hours)
    spans = office_hours()
    _refresh()
    local = _local(start)
    day = local.date()
    offset = local - _midnight(day)
    provisional: set[int] = set()
    for _ in range(MAX_DAYS):
        table = _year(day.year)
        if table.provisional:
            provisional.add(day.year)
        if table.is_working_day(day):
            for span_start, span_end in spans:
                begin = max(span_start, offset)
                if begin >= span_end:
                    continue
                if remaining <= span_end - begin:
                    return _deadline(_midnight(day) + begin + remaining, provisional)
                remaining -= span_end - begin
        day += dt.timedelta(days=1)
        offset = dt.timedelta()
    raise ValueError("工作时长过长")


def working_time_between(a: dt.datetime | dt.date, b: dt.datetime | dt.date) -> dt.timedelta:
    """Office time on working days between `a` and `b` (negative when `b` is before `a`)."""
    start, end = _local(a), _local(b)
    if end < start:
        return -working_time_between(b, a)
    spans = office_hours()
    _refresh()
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        if _year(day.year).is_working_day(day):
            midnight = _midnight(day)
            for span_start, span_end in spans:
                lo, hi = max(midnight + span_start, start), min(midnight + span_end, end)
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return total


def working_days_between(a: dt.datetime | dt.date, b: dt.datetime | dt.date) -> int:
    """Working days after `a`'s local date up to and including `b`'s (negative if reversed).

    The inverse of `add_working_days`: `working_days_between(t, add_working_days(t, n).due_at)`
    is `n`.
    """
    first, last = _local(a).date(), _local(b).date()
    if last < first:
        return -working_days_between(b, a)
    _refresh()
    count = 0
    day = first + dt.timedelta(days=1)
    while day <= last:
        if _year(day.year).is_working_day(day):
            count += 1
        day += dt.timedelta(days=1)
    return count
