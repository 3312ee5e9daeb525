"""The seeded official data (chinesecalendar) and the statutory rules for unknown years."""

import datetime as dt

import chinese_calendar
import pytest

from pingan.workdays import calendar, rules, seed
from pingan.workdays.models import ScheduleSource, ScheduleStatus, SpecialDay, YearSchedule

D = dt.date


def rows(year: int, month: int | None = None) -> list[tuple[dt.date, str, str]]:
    qs = SpecialDay.objects.filter(year=year).order_by("date")
    if month:
        qs = qs.filter(date__month=month)
    return list(qs.values_list("date", "kind", "name"))


@pytest.mark.django_db
def test_migration_seeded_every_year_chinesecalendar_knows_as_official():
    years = list(YearSchedule.objects.order_by("year").values_list("year", "status", "source"))
    assert [y for y, _, _ in years] == list(range(2004, 2027))
    assert seed.known_years() == tuple(range(2004, 2027))
    assert {(s, src) for _, s, src in years} == {
        (ScheduleStatus.OFFICIAL, ScheduleSource.CHINESECALENDAR)
    }
    total = len(chinese_calendar.holidays) + len(chinese_calendar.workdays)
    assert SpecialDay.objects.count() == total == 771


@pytest.mark.django_db
def test_national_day_2025_with_its_make_up_workdays():
    assert rows(2025, 9) == [(D(2025, 9, 28), "workday", "国庆节")]
    assert rows(2025, 10) == [
        (D(2025, 10, 1), "holiday", "国庆节"),
        (D(2025, 10, 2), "holiday", "国庆节"),
        (D(2025, 10, 3), "holiday", "国庆节"),
        (D(2025, 10, 4), "holiday", "国庆节"),
        (D(2025, 10, 5), "holiday", "国庆节"),
        (D(2025, 10, 6), "holiday", "中秋节"),
        (D(2025, 10, 7), "holiday", "国庆节"),
        (D(2025, 10, 8), "holiday", "国庆节"),
        (D(2025, 10, 11), "workday", "国庆节"),
    ]
    # The library agrees day by day, and 9/28 is a Sunday, 10/11 a Saturday.
    for day in (D(2025, 9, 28), D(2025, 10, 11)):
        assert chinese_calendar.is_workday(day) and day.weekday() >= 5
        assert calendar.is_working_day(day)
    for offset in range(8):
        day = D(2025, 10, 1) + dt.timedelta(days=offset)
        assert chinese_calendar.is_holiday(day)
        assert not calendar.is_working_day(day)
    assert calendar.is_working_day(D(2025, 10, 9))
    assert not calendar.is_working_day(D(2025, 10, 12))  # an ordinary Sunday


@pytest.mark.django_db
def test_spring_festival_2026_official_schedule():
    assert rows(2026, 2) == [
        (D(2026, 2, 14), "workday", "春节"),  # Saturday
        *[(D(2026, 2, d), "holiday", "春节") for d in range(15, 24)],  # 2/15 Sun – 2/23 Mon
        (D(2026, 2, 28), "workday", "春节"),  # Saturday
    ]
    assert calendar.is_working_day(D(2026, 2, 13))
    assert calendar.is_working_day(D(2026, 2, 14))
    assert [calendar.is_working_day(D(2026, 2, d)) for d in range(15, 25)] == [False] * 9 + [True]
    assert calendar.is_working_day(D(2026, 2, 28))
    assert not calendar.is_working_day(D(2026, 3, 1))


def test_statutory_rules_2025_and_2026_are_inside_the_official_schedules():
    """Every rule-computed day of the years we know is an official holiday, same name."""
    for year in (2025, 2026):
        official = {d: seed.chinese_name(n) for d, n in chinese_calendar.holidays.items()}
        for day, name in rules.statutory_holidays(year).items():
            assert official.get(day) == name, (day, name)
        assert len(rules.statutory_holidays(year)) == 13


def test_lunar_and_solar_term_festivals_match_every_known_year():
    """初一, 清明, 端午, 中秋 computed offline fall on official rest days 2008–2026."""
    for year in range(2008, 2027):
        days = rules.statutory_holidays(year)
        spring = sorted(d for d, n in days.items() if n == rules.SPRING_FESTIVAL)
        assert len(spring) == 4 and spring[-1] - spring[0] == dt.timedelta(days=3)
        if 2014 <= year <= 2024:
            spring = spring[1:]  # 除夕 was not a statutory day under the 2014–2024 rules
        for day, name in days.items():
            if name in (rules.TOMB_SWEEPING, rules.DRAGON_BOAT) or day in spring:
                assert chinese_calendar.is_holiday(day), (year, day, name)
        mid_autumn = [d for d, n in days.items() if n == rules.MID_AUTUMN]
        # 2020: 中秋 fell on 10/1 and carries the 国庆节 name.
        assert all(chinese_calendar.is_holiday(d) for d in mid_autumn)


def test_statutory_rules_for_2027():
    assert rules.statutory_holidays(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节",  # 除夕
        D(2027, 2, 6): "春节",  # 正月初一
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }
    # Beyond the lunar tables only the fixed-date holidays remain.
    assert (
        list(rules.statutory_holidays(2100).values()) == ["元旦"] + ["劳动节"] * 2 + ["国庆节"] * 3
    )


@pytest.mark.django_db
def test_year_without_data_is_provisional_and_uses_the_rules():
    table = calendar.year_table(2027)
    assert (table.status, table.source, table.provisional) == ("provisional", "rules", True)
    assert dict(table.holidays) == rules.statutory_holidays(2027)
    assert table.workdays == {}
    assert not calendar.is_working_day(D(2027, 1, 1))  # Friday, 元旦
    assert calendar.is_working_day(D(2027, 1, 4))


@pytest.mark.django_db
def test_known_years_fall_back_to_the_library_when_rows_are_missing():
    """A flushed table (transactional tests) must not turn 2025 into a provisional year."""
    SpecialDay.objects.all().delete()
    YearSchedule.objects.all().delete()
    calendar.reset_cache()
    table = calendar.year_table(2025)
    assert (table.status, table.source) == ("official", "chinesecalendar")
    assert table.workdays == {
        D(2025, 1, 26): "春节",
        D(2025, 2, 8): "春节",
        D(2025, 4, 27): "劳动节",
        D(2025, 9, 28): "国庆节",
        D(2025, 10, 11): "国庆节",
    }
    assert calendar.add_working_days(D(2025, 9, 30), 5).provisional is False
