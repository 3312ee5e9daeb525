"""Working-day arithmetic on real schedules (exact dates, Beijing time)."""

import datetime as dt

import pytest
from django.core.checks import Error

from pingan.workdays import calendar
from pingan.workdays.calendar import (
    Deadline,
    add_natural_days,
    add_working_days,
    add_working_hours,
    is_working_day,
    working_days_between,
    working_time_between,
)
from pingan.workdays.checks import check_office_hours
from pingan.workdays.hours import OfficeHoursError, hours_per_day, parse_office_hours
from pingan.workdays.models import SpecialDay, YearSchedule
from tests.workdays.factories import bj

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


# --- add_working_days ---------------------------------------------------------------------
def test_five_working_days_from_the_eve_of_national_day_2025():
    deadline = add_working_days(bj(2025, 9, 30, 10, 0), 5)
    # 10/1–10/8 off; 10/9 Thu, 10/10 Fri, 10/11 Sat (make-up), 10/13 Mon, 10/14 Tue.
    assert deadline == Deadline(bj(2025, 10, 14, 23, 59, 59), False, ())
    assert deadline.due_at.tzinfo is dt.UTC
    assert deadline.due_at.isoformat() == "2025-10-14T15:59:59+00:00"


def test_counting_starts_the_day_after_the_event():
    assert add_working_days(bj(2025, 9, 30, 23, 0), 1).due_at == bj(2025, 10, 9, 23, 59, 59)
    assert add_working_days(bj(2025, 9, 26, 9, 0), 1).due_at == bj(2025, 9, 28, 23, 59, 59)
    assert add_working_days(dt.date(2025, 9, 30), 5).due_at == bj(2025, 10, 14, 23, 59, 59)
    assert add_working_days(bj(2025, 10, 3, 12, 0), 0).due_at == bj(2025, 10, 3, 23, 59, 59)


def test_the_beijing_date_counts_not_the_utc_date():
    # 16:30 UTC on 10/10 is 00:30 on Saturday 10/11 (a make-up workday) in Beijing.
    start = dt.datetime(2025, 10, 10, 16, 30, tzinfo=dt.UTC)
    assert add_working_days(start, 1).due_at == bj(2025, 10, 13, 23, 59, 59)


def test_spring_festival_2026():
    # 2/13 Fri, 2/14 Sat (make-up), then 2/15–2/23 off, 2/24 Tue.
    assert add_working_days(bj(2026, 2, 12, 15, 0), 3).due_at == bj(2026, 2, 24, 23, 59, 59)
    # 2/28 is a make-up Saturday.
    assert add_working_days(bj(2026, 2, 26, 15, 0), 2).due_at == bj(2026, 2, 28, 23, 59, 59)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="带时区"):
        add_working_days(dt.datetime(2025, 9, 30, 10, 0), 1)
    with pytest.raises(ValueError, match="天数"):
        add_working_days(bj(2025, 9, 30), -1)
    with pytest.raises(TypeError):
        add_working_days(bj(2025, 9, 30), 1.5)
    with pytest.raises(ValueError, match="负数"):
        add_working_hours(bj(2025, 9, 30), -1)


# --- a deadline crossing into a year without data -----------------------------------------
def test_deadline_crossing_into_2027_is_provisional_and_skips_new_year():
    deadline = add_working_days(bj(2026, 12, 20, 9, 0), 15)
    # 12/21–12/25 (5), 12/28–12/31 (4), 1/1 元旦 skipped, 1/4–1/8 (5), 1/11 (15th).
    assert deadline == Deadline(bj(2027, 1, 11, 23, 59, 59), True, (2027,))
    assert not is_working_day(dt.date(2027, 1, 1))
    assert working_days_between(bj(2026, 12, 20, 9, 0), deadline.due_at) == 15
    # Staying inside 2026 is not provisional.
    assert add_working_days(bj(2026, 12, 20, 9, 0), 9) == Deadline(
        bj(2026, 12, 31, 23, 59, 59), False, ()
    )


# --- add_working_hours --------------------------------------------------------------------
def test_working_hours_skip_the_lunch_break():
    assert add_working_hours(bj(2025, 9, 25, 11, 0), 2).due_at == bj(2025, 9, 25, 14, 30)
    assert add_working_hours(bj(2025, 9, 25, 9, 0), 3).due_at == bj(2025, 9, 25, 12, 0)
    assert add_working_hours(bj(2025, 9, 25, 9, 0), 3.5).due_at == bj(2025, 9, 25, 14, 0)


def test_working_hours_skip_a_weekend():
    # Fri 16:30 + 3 h: 1 h on Friday, then Monday 09:00 + 2 h.
    deadline = add_working_hours(bj(2025, 9, 19, 16, 30), 3)
    assert deadline == Deadline(bj(2025, 9, 22, 11, 0), False, ())
    # The next Friday the weekend holds a make-up Sunday (9/28) that counts.
    assert add_working_hours(bj(2025, 9, 26, 16, 30), 3).due_at == bj(2025, 9, 28, 11, 0)


def test_working_hours_across_national_day():
    assert add_working_hours(bj(2025, 9, 30, 16, 0), 3).due_at == bj(2025, 10, 9, 10, 30)


def test_clock_started_outside_office_hours_starts_at_the_next_opening():
    assert add_working_hours(bj(2025, 9, 20, 10, 0), 1).due_at == bj(2025, 9, 22, 10, 0)  # Sat
    assert add_working_hours(bj(2025, 9, 22, 7, 0), 0.5).due_at == bj(2025, 9, 22, 9, 30)
    assert add_working_hours(bj(2025, 9, 22, 12, 30), 1).due_at == bj(2025, 9, 22, 14, 30)
    assert add_working_hours(bj(2025, 9, 22, 18, 0), H).due_at == bj(2025, 9, 23, 10, 0)
    assert add_working_hours(bj(2025, 9, 22, 12, 0), 0).due_at == bj(2025, 9, 22, 13, 30)
    assert add_working_hours(dt.date(2025, 9, 22), 7).due_at == bj(2025, 9, 22, 17, 30)


def test_office_hours_come_from_settings(settings):
    settings.PINGAN_OFFICE_HOURS = "08:30-12:00,14:00-18:00"
    assert hours_per_day() == 7.5 * H
    assert add_working_hours(bj(2025, 9, 25, 11, 0), 2).due_at == bj(2025, 9, 25, 15, 0)
    assert add_working_hours(bj(2025, 9, 25, 8, 0), 1).due_at == bj(2025, 9, 25, 9, 30)


def test_office_hours_parsing():
    assert parse_office_hours("00:00-24:00") == ((dt.timedelta(0), 24 * H),)
    assert parse_office_hours("13:30-17:30, 09:00-12:00") == (
        (9 * H, 12 * H),
        (13.5 * H, 17.5 * H),
    )
    for bad, message in [
        ("9-12", "格式"),
        ("12:00-09:00", "结束必须晚于开始"),
        ("09:00-12:00,11:00-13:00", "重叠"),
        ("25:00-26:00", "无效"),
    ]:
        with pytest.raises(OfficeHoursError, match=message):
            parse_office_hours(bad)


def test_bad_office_hours_fail_the_system_check(settings):
    assert check_office_hours(None) == []
    settings.PINGAN_OFFICE_HOURS = "9点-12点"
    [error] = check_office_hours(None)
    assert isinstance(error, Error) and error.id == "workdays.E001"


# --- between ------------------------------------------------------------------------------
def test_working_time_between():
    assert working_time_between(bj(2025, 9, 19, 16, 30), bj(2025, 9, 22, 11, 0)) == 3 * H
    assert working_time_between(bj(2025, 9, 22, 11, 0), bj(2025, 9, 19, 16, 30)) == -3 * H
    assert working_time_between(bj(2025, 9, 22, 12, 5), bj(2025, 9, 22, 13, 25)) == 0 * H
    # Mon 9/22 – Mon 9/29: five weekdays and the make-up Sunday 9/28, 7 h each.
    assert working_time_between(dt.date(2025, 9, 22), dt.date(2025, 9, 29)) == 42 * H
    # National Day week: only the make-up Saturday 10/11 and Thu/Fri 10/9–10/10.
    assert working_time_between(dt.date(2025, 10, 1), dt.date(2025, 10, 12)) == 21 * H


def test_working_days_between_is_the_inverse_of_add_working_days():
    start = bj(2025, 9, 26, 15, 0)
    for n in range(40):
        assert working_days_between(start, add_working_days(start, n).due_at) == n
    assert working_days_between(bj(2025, 10, 14), bj(2025, 9, 30)) == -5


# --- natural days -------------------------------------------------------------------------
def test_natural_days():
    assert add_natural_days(bj(2025, 9, 30, 10, 0), 15) == Deadline(
        bj(2025, 10, 15, 23, 59, 59), False, ()
    )
    # Ending inside the holiday: rolled to the first working day after it on request.
    assert add_natural_days(bj(2025, 9, 26, 10, 0), 5).due_at == bj(2025, 10, 1, 23, 59, 59)
    rolled = add_natural_days(bj(2025, 9, 26, 10, 0), 5, roll_forward=True)
    assert rolled == Deadline(bj(2025, 10, 9, 23, 59, 59), False, ())
    assert add_natural_days(bj(2026, 12, 20), 12) == Deadline(bj(2027, 1, 1, 23, 59, 59), False)
    assert add_natural_days(bj(2026, 12, 20), 12, roll_forward=True) == Deadline(
        bj(2027, 1, 4, 23, 59, 59), True, (2027,)
    )


# --- the cache ----------------------------------------------------------------------------
def _store_2027_new_year_as_workday() -> None:
    YearSchedule.objects.create(
        year=2027, status="official", source="import", entered_at=bj(2026, 12, 1)
    )
    SpecialDay.objects.create(date=dt.date(2027, 1, 4), kind="holiday", name="测试", year=2027)


def test_thousands_of_calls_use_no_queries(django_assert_num_queries):
    add_working_days(bj(2026, 12, 20), 15)  # warm: 2026 and 2027 loaded
    with django_assert_num_queries(0):
        for i in range(2000):
            add_working_days(bj(2026, 12, 1) + dt.timedelta(hours=i), 15)
            add_working_hours(bj(2026, 12, 1) + dt.timedelta(hours=i), 16)


def test_changes_by_other_processes_are_seen_after_the_check_interval(settings):
    settings.PINGAN_CALENDAR_CACHE_SECONDS = 3600
    assert is_working_day(dt.date(2027, 1, 4))
    _store_2027_new_year_as_workday()  # as another process would, bypassing our cache
    assert is_working_day(dt.date(2027, 1, 4))  # still cached
    settings.PINGAN_CALENDAR_CACHE_SECONDS = 0
    assert not is_working_day(dt.date(2027, 1, 4))
    assert calendar.year_table(2027).status == "official"
