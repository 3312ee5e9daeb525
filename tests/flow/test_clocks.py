"""Clocks on the working-day calendar: warn/due points, holidays, suspension, extension."""

import datetime as dt
from decimal import Decimal

import pytest

from pingan.flow import clocks
from pingan.flow.models import Case, MatterLimit
from pingan.workdays import calendar
from pingan.workdays.services import calendar_day_set, calendar_year_confirm
from tests.flow.factories import act, at, frozen, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar():
    calendar.reset_cache()
    yield
    calendar.reset_cache()


def started(start, amount, unit, kind="handle") -> Case:
    case = Case()
    clocks.clock_start(case, kind=kind, start=start, amount=Decimal(amount), unit=unit)
    return case


def test_natural_hours_warn_at_80_percent():
    case = started(at(2025, 9, 30, 10, 0), "24", "hours")
    assert case.due_at == at(2025, 10, 1, 10, 0)
    assert case.warn_at == at(2025, 10, 1, 5, 12)
    assert (case.clock_basis, case.clock_provisional, case.clock_seq) == ("natural", False, 1)


def test_warn_ratio_is_configurable(settings):
    settings.PINGAN_CLOCK_WARN_RATIO = 0.5
    case = started(at(2025, 3, 3, 9, 0), "10", "hours")
    assert case.warn_at == at(2025, 3, 3, 14, 0)


def test_working_days_skip_national_day_and_count_make_up_saturday():
    # 2025: 10/1–10/8 off; Saturday 10/11 is a make-up working day.
    case = started(at(2025, 9, 30, 10, 0), "3", "working_days")
    assert case.due_at == at(2025, 10, 11, 23, 59, 59)
    # 27 h of office time (6 + 7 + 7 + 7); 80 % = 21.6 h → 10/11 10:36.
    assert case.clock_total_seconds == 27 * 3600
    assert case.warn_at == at(2025, 10, 11, 10, 36)
    assert case.clock_provisional is False


def test_working_days_across_spring_festival_2026():
    # 2026 春节: 2/15–2/23 off; Saturdays 2/14 and 2/28 are make-up working days.
    case = started(at(2026, 2, 13, 16, 0), "2", "working_days")
    assert case.due_at == at(2026, 2, 24, 23, 59, 59)


def test_natural_days_end_of_day():
    case = started(at(2025, 3, 3, 9, 0), "2", "natural_days")
    assert case.due_at == at(2025, 3, 5, 23, 59, 59)


def test_suspension_stops_a_natural_clock():
    case = started(at(2025, 3, 3, 9, 0), "24", "hours")
    clocks.clock_pause(case, now=at(2025, 3, 3, 15, 0))
    assert case.clock_remaining_seconds == 18 * 3600
    clocks.clock_resume(case, now=at(2025, 3, 5, 9, 0))
    assert case.due_at == at(2025, 3, 6, 3, 0)
    # 18 h left, warn 4.8 h before due → 13.2 h after resuming.
    assert case.warn_at == at(2025, 3, 5, 22, 12)
    assert case.clock_paused_at is None


def test_suspension_over_a_holiday_on_a_working_day_clock():
    case = started(at(2025, 9, 29, 9, 0), "2", "working_days")
    assert case.due_at == at(2025, 10, 9, 23, 59, 59)
    clocks.clock_pause(case, now=at(2025, 9, 29, 17, 30))
    assert case.clock_remaining_seconds == 14 * 3600  # 9/30 and 10/9 untouched
    clocks.clock_resume(case, now=at(2025, 10, 10, 9, 0))
    # 14 h of office time: all of 10/10 and of the make-up Saturday 10/11 → end of 10/11.
    assert case.due_at == at(2025, 10, 11, 23, 59, 59)
    assert case.warn_at == at(2025, 10, 11, 11, 48)


def test_pause_after_due_keeps_due_point():
    case = started(at(2025, 3, 3, 9, 0), "2", "hours")
    clocks.clock_pause(case, now=at(2025, 3, 3, 12, 0))
    clocks.clock_resume(case, now=at(2025, 3, 4, 9, 0))
    assert case.due_at == at(2025, 3, 3, 11, 0)


def test_extension_moves_due_and_warn_and_starts_a_new_alert_clock():
    case = started(at(2025, 3, 3, 9, 0), "24", "hours")
    case.is_warned = True
    clocks.clock_extend(case, now=at(2025, 3, 3, 12, 0), due_at=at(2025, 3, 5, 9, 0))
    assert case.due_at == at(2025, 3, 5, 9, 0)
    # New total 48 h; 45 h left; warn 9.6 h before due.
    assert case.warn_at == at(2025, 3, 4, 23, 24)
    assert (case.clock_seq, case.is_warned, case.is_overdue) == (2, False, False)


def test_deadline_into_year_without_schedule_is_provisional_then_recomputed(
    django_capture_on_commit_callbacks,
):
    # 2027 has no published schedule: weekends + statutory days (元旦 1/1) only.
    case = started(at(2026, 12, 30, 10, 0), "3", "working_days")
    assert case.due_at == at(2027, 1, 5, 23, 59, 59)
    assert case.clock_provisional is True
    case.number, case.case_type, case.state, case.region_code = "T1", "event", "handling", "99"
    case.holder_code, case.holder_kind, case.created_at, case.updated_at = (
        "99",
        "region",
        (at(2026, 12, 30, 10, 0)),
        at(2026, 12, 30, 10, 0),
    )
    case.save()
    # The State Council's notice arrives: 1/4 is a holiday too. Entering it recomputes.
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(actor=None, day=dt.date(2027, 1, 4), kind="holiday", name="元旦")
    case.refresh_from_db()
    assert case.due_at == at(2027, 1, 6, 23, 59, 59) and case.clock_provisional is True
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_confirm(actor=None, year=2027)
    case.refresh_from_db()
    assert case.due_at == at(2027, 1, 6, 23, 59, 59) and case.clock_provisional is False


def test_clock_follows_the_matter_catalogue_through_the_loop(world):
    MatterLimit.objects.create(
        case_type="event",
        category_code="0204",
        urgency="low",
        accept_amount=4,
        accept_unit="hours",
        handle_amount=3,
        handle_unit="working_days",
        verify_amount=1,
        verify_unit="working_days",
    )
    with frozen(at(2025, 9, 29, 9, 0)):
        case = report(world.grid_worker)
    assert (case.clock_kind, case.due_at) == ("accept", at(2025, 9, 29, 13, 0))
    case = act(world.village, case, "accept", now=at(2025, 9, 29, 10, 0))
    # 3 working days after 9/29: 9/30, 10/9, 10/10.
    assert (case.clock_kind, case.due_at) == ("handle", at(2025, 10, 10, 23, 59, 59))
    case = act(world.village, case, "feedback", now=at(2025, 10, 9, 10, 0))
    assert (case.clock_kind, case.due_at) == ("verify", at(2025, 10, 10, 23, 59, 59))
    case = act(world.grid_worker, case, "verify_pass", now=at(2025, 10, 9, 11, 0))
    assert (case.clock_kind, case.due_at, case.warn_at) == ("", None, None)


def test_subcategory_falls_back_to_parent_then_default(world):
    # 0204 has no row of its own: the seeded 02 (矛盾劝解) row applies: handle 7 working days.
    with frozen(at(2025, 3, 3, 9, 0)):
        case = report(world.grid_worker)
    case = act(world.village, case, "accept", now=at(2025, 3, 3, 9, 0))
    assert case.due_at == at(2025, 3, 12, 23, 59, 59)
    with frozen(at(2025, 3, 3, 9, 0)):
        urgent = report(world.grid_worker, urgency="high")
    # Seeded high urgency: accept within 1 hour.
    assert urgent.due_at == at(2025, 3, 3, 10, 0)


def test_suspend_resume_through_actions_moves_assist_clocks_too(world):
    w = world
    MatterLimit.objects.create(
        case_type="event",
        category_code="0204",
        urgency="low",
        accept_amount=4,
        accept_unit="hours",
        handle_amount=48,
        handle_unit="hours",
        verify_amount=8,
        verify_unit="hours",
    )
    with frozen(at(2025, 3, 3, 9, 0)):
        case = report(w.grid_worker)
    case = act(w.village, case, "escalate", now=at(2025, 3, 3, 9, 0))
    case = act(w.town, case, "accept", now=at(2025, 3, 3, 9, 0))
    case = act(
        w.town,
        case,
        "dispatch",
        department=w.police_code,
        assist=[w.sifa_code],
        now=at(2025, 3, 3, 10, 0),
    )
    case = act(w.police, case, "accept", now=at(2025, 3, 3, 11, 0))
    assert case.due_at == at(2025, 3, 5, 11, 0)
    case = act(w.town, case, "suspend", note="等待鉴定", now=at(2025, 3, 4, 11, 0))
    assist = case.assists.get()
    assert assist.clock_paused_at == at(2025, 3, 4, 11, 0)
    case = act(w.town, case, "resume", now=at(2025, 3, 6, 11, 0))
    assert (case.state, case.due_at) == ("handling", at(2025, 3, 7, 11, 0))
    assist.refresh_from_db()
    # The assist's 48 h clock started at dispatch (10:00) and lost the same two days.
    assert (assist.clock_paused_at, assist.due_at) == (None, at(2025, 3, 7, 10, 0))
