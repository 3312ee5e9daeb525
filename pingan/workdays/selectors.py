"""Reads for the calendar pages and API.

The holiday calendar is national reference data, the same for every unit, so these reads
are not scoped by region; who may see the admin page is decided in the views.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pingan.workdays import calendar
from pingan.workdays.calendar import TZ, YearTable
from pingan.workdays.models import YearSchedule


@dataclass(frozen=True)
class YearSummary:
    year: int
    status: str
    source: str
    stored: bool
    entered_at: dt.datetime | None
    entered_by: str
    holidays: int
    workdays: int

    @property
    def provisional(self) -> bool:
        return self.status != "official"


@dataclass(frozen=True)
class DayCell:
    date: dt.date
    kind: str  # "workday", "weekend", "holiday", "makeup"
    name: str
    today: bool


def _summary(table: YearTable, schedule: YearSchedule | None) -> YearSummary:
    return YearSummary(
        year=table.year,
        status=table.status,
        source=table.source,
        stored=schedule is not None,
        entered_at=schedule.entered_at if schedule else None,
        entered_by=str(schedule.entered_by) if schedule and schedule.entered_by else "",
        holidays=len(table.holidays),
        workdays=len(table.workdays),
    )


def local_today() -> dt.date:
    return timezone.now().astimezone(TZ).date()


def year_summaries() -> list[YearSummary]:
    """Stored years plus every year up to next year, newest first.

    The years around today are always listed, so a missing next-year schedule shows up as
    provisional in December, which is when it has to be entered.
    """
    schedules = {s.year: s for s in YearSchedule.objects.select_related("entered_by")}
    this_year = local_today().year
    years = set(schedules) | {this_year, this_year + 1}
    return [_summary(calendar.year_table(y), schedules.get(y)) for y in sorted(years, reverse=True)]


def year_summary(year: int) -> YearSummary:
    schedule = YearSchedule.objects.select_related("entered_by").filter(year=year).first()
    return _summary(calendar.year_table(year), schedule)


def month_grid(year: int) -> list[tuple[int, list[list[DayCell | None]]]]:
    """Twelve (month, weeks) pairs; weeks run Monday to Sunday, None pads other months."""
    table = calendar.year_table(year)
    today = local_today()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([_cell(table, day, today) if day.month == month else None for day in week])
        months.append((month, weeks))
    return months


def _cell(table: YearTable, day: dt.date, today: dt.date) -> DayCell:
    if day in table.holidays:
        kind = "holiday"
    elif day in table.workdays:
        kind = "makeup"
    else:
        kind = "weekend" if day.weekday() >= 5 else "workday"
    return DayCell(day, kind, table.day_name(day), day == today)


def special_days(year: int) -> list[dict]:
    """The year's holidays and make-up workdays as `{date, kind, name}`, by date."""
    table = calendar.year_table(year)
    rows = [{"date": d, "kind": "holiday", "name": n} for d, n in table.holidays.items()]
    rows += [{"date": d, "kind": "workday", "name": n} for d, n in table.workdays.items()]
    return sorted(rows, key=lambda r: r["date"])
