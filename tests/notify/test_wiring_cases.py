"""Staff messages caused by case work: deadline alerts, new holders, supervision, progress of
a reporter's own event. Every message is keyed, so re-running tells nobody twice."""

from __future__ import annotations

import pytest

from pingan.accounts.roles import Role
from pingan.flow.deadlines import scan_deadlines
from pingan.flow.models import ClockAlert, MatterLimit
from pingan.notify.models import Notification, Status
from pingan.notify.wiring.clocks import notify_clock_alerts
from pingan.notify.wiring.steps import notify_case_step
from tests.factories import make_actor
from tests.flow.factories import VILLAGE, act, at, frozen, report
from tests.notify.conftest import give_phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def hourly(world):
    """Accept, handle and verify in 10 h each: warn after 8 h, due after 10 h."""
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


def messages(topic, **filters):
    return list(
        Notification.objects.filter(topic=topic, **filters)
        .order_by("user_id", "channel", "id")
        .values_list("user__username", "channel", "status", "body")
    )


def test_warn_and_due_alerts_tell_the_holding_unit_once(
    world, hourly, django_capture_on_commit_callbacks
):
    case, w = hourly, world
    give_phone(w.village)
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(now=at(2025, 3, 3, 16, 0))
    warn = ClockAlert.objects.get(level="warn")
    village = w.village.user.username
    assert messages("case.clock_warn") == [
        (
            village,
            "inapp",
            Status.SENT,
            f"案件 {case.number}（{case.title}）的受理时限将于 2025-03-03 18:00 到期，请及时办理。",
        )
    ]
    note = Notification.objects.get(topic="case.clock_warn")
    assert note.key == f"case.clock_warn:a{warn.pk}:inapp:u{w.village.user.pk}"
    assert (note.link, note.case_number) == (f"/command/cases/{case.number}/", case.number)
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(now=at(2025, 3, 3, 18, 0))
    due_body = (
        f"案件 {case.number}（{case.title}）的受理时限已于 2025-03-03 18:00 到期，已记为超期。"
    )
    # Overdue defaults to in-app and SMS; the SMS went out through the console backend.
    assert messages("case.clock_due") == [
        (village, "inapp", Status.SENT, due_body),
        (village, "sms", Status.SENT, due_body),
    ]
    # Running the task again for the same alerts records nothing new.
    assert len(notify_clock_alerts(list(ClockAlert.objects.values_list("pk", flat=True)))) == 3
    assert Notification.objects.filter(topic__startswith="case.clock_").count() == 3
    # Nobody else: not the grid worker, the town or the county's leader.
    assert set(Notification.objects.values_list("user_id", flat=True)) == {w.village.user.pk}


def test_a_stale_alert_tells_nobody(world, hourly):
    scan_deadlines(now=at(2025, 3, 3, 16, 0))  # the task never ran (callbacks not executed)
    alert = ClockAlert.objects.get()
    act(world.village, hourly, "accept", now=at(2025, 3, 3, 16, 5))
    assert notify_clock_alerts([alert.pk]) == []
    assert not Notification.objects.exists()


def test_assist_alerts_go_to_the_assisting_unit(world, hourly, django_capture_on_commit_callbacks):
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
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(now=at(2025, 3, 3, 16, 0))
    assert messages("case.clock_warn", user=w.sifa.user) == [
        (
            w.sifa.user.username,
            "inapp",
            Status.SENT,
            f"案件 {case.number}（{case.title}）的办理时限（协办）将于 2025-03-03 18:00 到期，"
            "请及时办理。",
        )
    ]
    assert {m[0] for m in messages("case.clock_warn")} == {
        w.police.user.username,
        w.sifa.user.username,
    }


def test_the_scan_hands_its_new_alerts_to_one_task(
    world, hourly, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("pingan.notify.tasks.clock_alerts_notify", queued.append)
    monkeypatch.setattr("pingan.notify.tasks.ALERTS_PER_TASK", 3)
    with frozen(at(2025, 3, 3, 8, 0)):
        second = report(world.grid_worker2)
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(now=at(2025, 3, 4, 8, 0), batch_size=1)
    # Four batches (warn and due of two cases), one announcement, chunked by ALERTS_PER_TASK.
    ids = sorted(ClockAlert.objects.values_list("pk", flat=True))
    assert [len(chunk) for chunk in queued] == [3, 1]
    assert sorted(pk for chunk in queued for pk in chunk) == ids
    assert {a.case_id for a in ClockAlert.objects.all()} == {hourly.pk, second.pk}
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(now=at(2025, 3, 4, 9, 0))
    assert len(queued) == 2  # nothing new, nothing queued


def test_alerts_of_batches_committed_before_a_failure_are_still_announced(
    world, hourly, monkeypatch, django_capture_on_commit_callbacks
):
    from pingan.flow import deadlines

    queued = []
    monkeypatch.setattr("pingan.notify.tasks.clock_alerts_notify", queued.append)
    original = deadlines._scan_batch

    def failing(model, level, *args):
        if level == "due":
            raise RuntimeError("database went away")
        return original(model, level, *args)

    monkeypatch.setattr(deadlines, "_scan_batch", failing)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        scan_deadlines(now=at(2025, 3, 4, 8, 0))
    warn = ClockAlert.objects.get()
    assert queued == [[warn.pk]]


def test_new_holders_hear_about_their_case(world, django_capture_on_commit_callbacks):
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        case = report(w.grid_worker)
    title = case.title
    [(user, channel, status, body)] = messages("case.new")
    assert (user, channel, status) == (w.village.user.username, "inapp", Status.SENT)
    assert body.startswith(
        f"您单位收到待办案件 {case.number}（{title}）：上报，当前待受理，受理时限至 "
    )
    for actor, action, params in [
        (w.village, "escalate", {}),
        (w.town, "accept", {}),
        (w.town, "dispatch", {"department": w.police_code}),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            case = act(actor, case, action, **params)
    rows = Notification.objects.filter(topic="case.new").order_by("id")
    assert [(n.user_id, n.key) for n in rows] == [
        (w.village.user.pk, f"case.new:{case.number}:1:inapp:u{w.village.user.pk}"),
        (w.town.user.pk, f"case.new:{case.number}:2:inapp:u{w.town.user.pk}"),
        (w.police.user.pk, f"case.new:{case.number}:4:inapp:u{w.police.user.pk}"),
    ]
    assert "：上报上级，当前待受理" in rows[1].body and "：派遣部门，当前待受理" in rows[2].body
    # Accepting did not move the case: no message. Re-running a step records nothing new.
    assert notify_case_step(case.pk, 4)[0].pk == rows[2].pk
    assert Notification.objects.filter(topic="case.new").count() == 3


def test_the_person_who_acted_is_not_told_but_colleagues_are(
    world, django_capture_on_commit_callbacks
):
    colleague = make_actor(Role.VILLAGE_STAFF, VILLAGE)
    make_actor(Role.LEADER, VILLAGE)
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world.village)
    assert case.holder_code == VILLAGE
    assert [m[0] for m in messages("case.new")] == [colleague.user.username]


def test_a_case_that_moved_on_before_the_task_ran_is_not_announced(world):
    case = report(world.grid_worker)
    act(world.village, case, "escalate")
    assert notify_case_step(case.pk, 1) == []  # the village no longer holds it
    assert [n.user_id for n in notify_case_step(case.pk, 2) if n.topic == "case.new"] == [
        world.town.user.pk
    ]


def test_supervision_tells_the_supervised_unit(world, django_capture_on_commit_callbacks):
    w = world
    give_phone(w.town)
    case = report(w.grid_worker)
    case = act(w.village, case, "escalate")
    case = act(w.town, case, "accept")
    with frozen(at(2026, 3, 2, 9, 0)), django_capture_on_commit_callbacks(execute=True):
        act(w.county, case, "supervise", note="群众反映强烈，请加快办理", level="yellow")
    body = (
        f"案件 {case.number}（{case.title}）被区划990101黄牌督办：群众反映强烈，请加快办理。"
        "请于 2026-03-03 09:00 前办理并回复。"
    )
    assert messages("case.supervised") == [
        (w.town.user.username, "inapp", Status.SENT, body),
        (w.town.user.username, "sms", Status.SENT, body),
    ]
    subject = Notification.objects.filter(topic="case.supervised").first().subject
    assert subject == f"案件 {case.number} 被黄牌督办"
    assert (
        Notification.objects.filter(topic="case.supervised")
        .exclude(region_code=case.region_code)
        .count()
        == 0
    )


def test_the_reporter_follows_public_steps_of_their_event(
    world, django_capture_on_commit_callbacks
):
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        case = report(w.grid_worker)
    for actor, action in [
        (w.village, "accept"),
        (w.village, "feedback"),
        (w.grid_worker, "verify_pass"),  # their own step: no message
        (w.village, "close"),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            case = act(actor, case, action)
    rows = Notification.objects.filter(topic="case.reporter_step", user=w.grid_worker.user)
    assert [n.body for n in rows.order_by("id")] == [
        f"您上报的事件 {case.number}（{case.title}）区划990101001001已受理。",
        f"您上报的事件 {case.number}（{case.title}）区划990101001001已办理完毕，等待现场核查。",
        f"您上报的事件 {case.number}（{case.title}）已办结。",
    ]
    assert {n.channel for n in rows} == {"inapp"}
    assert rows.order_by("id").first().subject == f"事件 {case.number}：区划990101001001已受理"


def test_citizen_reports_have_no_staff_reporter(world, django_capture_on_commit_callbacks):
    from pingan.public.models import PublicChannel
    from pingan.public.services import public_report_submit
    from tests.flow.factories import COUNTY, IN_G1

    case, _report, _code = public_report_submit(
        channel=PublicChannel.PORTAL,
        county=COUNTY,
        data={"category": "0204", "description": "路灯坏了", "lng": IN_G1[0], "lat": IN_G1[1]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        act(world.village, case, "accept")
    assert not Notification.objects.filter(topic="case.reporter_step").exists()
    assert not Notification.objects.filter(user=world.town.user).exists()
