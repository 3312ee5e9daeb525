"""The periodic deadline scan: warn and due crossings, idempotency, paused clocks, assists."""

from unittest import mock

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.deadlines import scan_deadlines
from pingan.flow.models import Case, CaseAssist, ClockAlert, MatterLimit
from pingan.flow.tasks import deadline_scan, deadline_scan_once
from tests.flow.factories import act, at, frozen, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def hourly(world):
    """Accept 10 h, handle 10 h, verify 10 h: warn after 8 h, due after 10 h."""
    MatterLimit.objects.create(
        case_type="event",
        category_code="0204",
        urgency="low",
        accept_amount=10,
        accept_unit="hours",
        handle_amount=10,
        handle_unit="hours",
        verify_amount=10,
        verify_unit="hours",
    )
    with frozen(at(2025, 3, 3, 8, 0)):
        return report(world.grid_worker)


def alerts(case):
    return list(
        ClockAlert.objects.filter(case=case)
        .order_by("id")
        .values_list("assist_unit", "clock_kind", "level", "holder_code", "point_at")
    )


def test_nothing_before_the_warn_point(hourly):
    result = scan_deadlines(now=at(2025, 3, 3, 15, 59))
    assert (result.warn, result.due) == (0, 0)
    assert ClockAlert.objects.count() == 0


def test_warn_then_due_each_once(hourly):
    case = hourly
    first = scan_deadlines(now=at(2025, 3, 3, 16, 0))
    assert (first.warn, first.due, first.numbers["warn"]) == (1, 0, [case.number])
    again = scan_deadlines(now=at(2025, 3, 3, 16, 30))
    assert (again.warn, again.due) == (0, 0)
    due = scan_deadlines(now=at(2025, 3, 3, 18, 0))
    assert (due.warn, due.due) == (0, 1)
    assert scan_deadlines(now=at(2025, 3, 3, 19, 0)).due == 0
    assert alerts(case) == [
        ("", "accept", "warn", case.holder_code, at(2025, 3, 3, 16, 0)),
        ("", "accept", "due", case.holder_code, at(2025, 3, 3, 18, 0)),
    ]
    case.refresh_from_db()
    assert (case.is_warned, case.is_overdue) == (True, True)
    audited = AuditRecord.objects.filter(action__startswith="flow.deadline_").order_by("seq")
    assert [(r.action, r.detail["numbers"]) for r in audited] == [
        ("flow.deadline_warn", [case.number]),
        ("flow.deadline_due", [case.number]),
    ]


def test_a_late_scan_records_both_crossings(hourly):
    result = scan_deadlines(now=at(2025, 3, 4, 8, 0))
    assert (result.warn, result.due) == (1, 1)
    assert [a[2] for a in alerts(hourly)] == ["warn", "due"]


def test_the_scan_task_is_idempotent(hourly):
    with frozen(at(2025, 3, 4, 8, 0)):
        assert deadline_scan_once.call_local() == {"warn": 1, "due": 1}
        assert deadline_scan_once.call_local() == {"warn": 0, "due": 0}
    assert ClockAlert.objects.count() == 2


@pytest.mark.parametrize(("per_minute", "delays"), [(1, []), (2, [30]), (3, [20, 40])])
def test_the_minutely_task_spreads_scans_over_the_minute(hourly, settings, per_minute, delays):
    settings.PINGAN_DEADLINE_SCANS_PER_MINUTE = per_minute
    with (
        frozen(at(2025, 3, 4, 8, 0)),
        mock.patch.object(deadline_scan_once, "schedule") as schedule,
    ):
        deadline_scan.call_local()
    assert [c.kwargs["delay"] for c in schedule.call_args_list] == delays
    assert ClockAlert.objects.count() == 2


def test_paused_clock_is_not_scanned(world, hourly):
    case = act(world.village, hourly, "accept", now=at(2025, 3, 3, 9, 0))
    case = act(world.village, case, "suspend", note="等待", now=at(2025, 3, 3, 10, 0))
    assert scan_deadlines(now=at(2025, 3, 5, 0, 0)).due == 0
    case = act(world.village, case, "resume", now=at(2025, 3, 5, 0, 0))
    # 9 h were left at 10:00 → due 09:00 on 3/5.
    assert case.due_at == at(2025, 3, 5, 9, 0)
    assert scan_deadlines(now=at(2025, 3, 5, 9, 0)).due == 1


def test_new_clock_can_alert_again_and_flags_reset(world, hourly):
    scan_deadlines(now=at(2025, 3, 3, 18, 0))
    case = act(world.village, hourly, "accept", now=at(2025, 3, 3, 18, 30))
    assert (case.is_warned, case.is_overdue, case.clock_kind) == (False, False, "handle")
    result = scan_deadlines(now=at(2025, 3, 4, 4, 30))
    assert (result.warn, result.due) == (1, 1)
    assert [(a[1], a[2]) for a in alerts(case)] == [
        ("accept", "warn"),
        ("accept", "due"),
        ("handle", "warn"),
        ("handle", "due"),
    ]


def test_extension_gives_a_new_due_alert(world, hourly):
    case = act(world.village, hourly, "escalate", now=at(2025, 3, 3, 9, 0))
    case = act(world.town, case, "accept", now=at(2025, 3, 3, 9, 0))
    scan_deadlines(now=at(2025, 3, 3, 19, 0))
    assert Case.objects.get(pk=case.pk).is_overdue
    case = act(
        world.town,
        case,
        "request_extension",
        note="需要协调",
        due_at="2025-03-04T12:00:00+08:00",
        now=at(2025, 3, 3, 19, 30),
    )
    case = act(world.commander, case, "approve_extension", now=at(2025, 3, 3, 20, 0))
    assert (case.is_overdue, case.due_at) == (False, at(2025, 3, 4, 12, 0))
    assert scan_deadlines(now=at(2025, 3, 4, 12, 0)).due == 1
    assert [a[2] for a in alerts(case) if a[1] == "handle"] == ["warn", "due", "warn", "due"]


def test_assist_clocks_are_scanned(world, hourly):
    w = world
    case = act(w.village, hourly, "escalate", now=at(2025, 3, 3, 8, 0))
    case = act(w.town, case, "accept", now=at(2025, 3, 3, 8, 0))
    act(
        w.town,
        case,
        "dispatch",
        department=w.police_code,
        assist=[w.sifa_code],
        now=at(2025, 3, 3, 8, 0),
    )
    result = scan_deadlines(now=at(2025, 3, 3, 18, 0))
    assert CaseAssist.objects.get().is_overdue is True
    assist_alerts = [a for a in alerts(case) if a[0] == w.sifa_code]
    assert [(a[1], a[2], a[3]) for a in assist_alerts] == [
        ("handle", "warn", w.sifa_code),
        ("handle", "due", w.sifa_code),
    ]
    assert (result.warn, result.due) == (2, 2)  # main accept clock and the assist
    assert scan_deadlines(now=at(2025, 3, 3, 19, 0)).due == 0


def test_closed_cases_are_never_scanned(world, hourly):
    case = act(world.grid_worker, hourly, "handle_locally", note="已处置", now=at(2025, 3, 3, 9))
    assert (case.due_at, case.warn_at) == (None, None)
    assert scan_deadlines(now=at(2025, 4, 1, 0, 0)).due == 0
