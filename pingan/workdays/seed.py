"""The official schedules that the pinned `chinesecalendar` release knows, as plain rows.

Used by the data migration that seeds the tables, by `pingan calendar seed`, and by the
calculator as a fallback for those years when their rows are missing (e.g. after a test
database flush), so results for 2004–2026 never depend on whether the seed ran.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from typing import NamedTuple

import chinese_calendar
from chinese_calendar.constants import Holiday

# chinesecalendar names days in English; these are the names on the State Council notices.
CHINESE_NAMES = {
    Holiday.new_years_day.value: "元旦",
    Holiday.spring_festival.value: "春节",
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.labour_day.value: "劳动节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.national_day.value: "国庆节",
    Holiday.mid_autumn_festival.value: "中秋节",
    Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}


class SeedDay(NamedTuple):
    date: dt.date
    kind: str  # DayKind value; a plain string so the migration needs no model import
    name: str


def chinese_name(english: str) -> str:
    """Chinese name of a chinesecalendar holiday; unknown future names keep the library's."""
    if english in CHINESE_NAMES:
        return CHINESE_NAMES[english]
    try:
        return Holiday(english).chinese
    except ValueError:
        return english[:50]


@lru_cache(maxsize=1)
def known_years() -> tuple[int, ...]:
    """Years with a complete official schedule in the installed chinesecalendar."""
    return tuple(sorted({day.year for day in chinese_calendar.holidays}))


@cache
def chinesecalendar_year(year: int) -> tuple[SeedDay, ...]:
    """The holidays and make-up workdays of `year` (empty for a year the library lacks)."""
    rows = [
        SeedDay(day, "holiday", chinese_name(name))
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    rows += [
        SeedDay(day, "workday", chinese_name(name))
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return tuple(sorted(rows))


def chinesecalendar_days() -> dict[int, tuple[SeedDay, ...]]:
    """Every known year's rows, keyed by year."""
    return {year: chinesecalendar_year(year) for year in known_years()}
