"""Staff messages from the events and registry apps: 司法确认 reminders, merged duplicates
(and the citizen's SMS), and the daily overdue-visit digest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.events.disputes import scan_agreement_reminders
from pingan.events.duplicates import case_merge
from pingan.events.models import AgreementReminder, CaseMerge, MediationAgreement
from pingan.notify.models import Notification, Status
from pingan.notify.wiring.disputes import notify_agreement_reminders
from pingan.notify.wiring.merges import notify_merge
from pingan.notify.wiring.visits import notify_overdue_visits
from pingan.registry.models import Card, CardStatus
from tests.events.test_disputes import act as dispute_act
from tests.events.test_disputes import mediation, register
from tests.flow.factories import COUNTY, G1, G2, IN_G1, api_client, report
from tests.registry.factories import make_card, make_person

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


# --- 司法确认 reminders -------------------------------------------------------------------


def dispute_with_agreement(world):
    case = register(world.grid_worker)
    dispute_act(world.village, case.number, "accept")
    base = f"/api/v1/cases/{case.number}"
    api_client(world.village).post(f"{base}/mediations/", mediation(), format="json")
    agreed_on = timezone.localdate() - dt.timedelta(days=5)
    api_client(world.village).post(
        f"{base}/agreement/", {"agreed_on": agreed_on.isoformat(), "content": "协议"}, "json"
    )
    case.refresh_from_db()
    return case, agreed_on + dt.timedelta(days=30)


def test_agreement_reminder_tells_the_holding_unit_once(world):
    case, deadline = dispute_with_agreement(world)
    noon = dt.time(12, tzinfo=timezone.get_current_timezone())
    on_day = dt.datetime.combine(deadline - dt.timedelta(days=7), noon)
    assert notify_agreement_reminders(now=on_day) == []
    assert scan_agreement_reminders(now=on_day) == [case.number]
    sent = notify_agreement_reminders(now=on_day + dt.timedelta(minutes=2))
    reminder = AgreementReminder.objects.get()
    assert [(n.user_id, n.channel, n.status, n.key) for n in sent] == [
        (
            world.village.user.pk,
            "inapp",
            Status.SENT,
            f"dispute.agreement_reminder:r{reminder.pk}:inapp:u{world.village.user.pk}",
        )
    ]
    assert sent[0].body == (
        f"纠纷 {case.number}（{case.title}）的调解协议申请司法确认的期限至 "
        f"{deadline.isoformat()}，请提醒当事人及时申请。"
    )
    assert sent[0].link == f"/command/cases/{case.number}/"
    # The next hourly run finds the same reminder and records nothing new.
    again = notify_agreement_reminders(now=on_day + dt.timedelta(hours=1))
    assert [n.pk for n in again] == [sent[0].pk]
    assert Notification.objects.filter(topic="dispute.agreement_reminder").count() == 1


def test_confirmed_or_old_reminders_tell_nobody(world):
    _case, deadline = dispute_with_agreement(world)
    noon = dt.time(12, tzinfo=timezone.get_current_timezone())
    on_day = dt.datetime.combine(deadline - dt.timedelta(days=7), noon)
    scan_agreement_reminders(now=on_day)
    MediationAgreement.objects.update(confirmed=True)
    assert notify_agreement_reminders(now=on_day) == []
    MediationAgreement.objects.update(confirmed=False)
    assert notify_agreement_reminders(now=on_day + dt.timedelta(days=3)) == []
    assert not Notification.objects.filter(topic="dispute.agreement_reminder").exists()


def test_the_hourly_task_runs_after_the_events_scan(world):
    from pingan.notify.tasks import agreement_reminders_notify

    dispute_with_agreement(world)
    assert agreement_reminders_notify.call_local() == 0


# --- merged duplicates --------------------------------------------------------------------


def test_merge_tells_the_duplicates_reporter_once(world, django_capture_on_commit_callbacks):
    w = world
    parent = report(w.grid_worker)
    child = report(w.grid_worker2, point=(102.715, 25.005))
    with django_capture_on_commit_callbacks(execute=True):
        case_merge(actor=w.village, case=child, into=parent, note="同一事件")
    rows = Notification.objects.filter(topic="case.merged")
    assert [(n.user_id, n.channel, n.status) for n in rows] == [
        (w.grid_worker2.user.pk, "inapp", Status.SENT)
    ]
    note = rows.get()
    assert note.body == (
        f"您上报的事件 {child.number}（{child.title}）与 {parent.number} 为同一事件，"
        f"已合并到 {parent.number} 一并办理。"
    )
    assert (note.link, note.case_number) == (f"/command/cases/{parent.number}/", child.number)
    link = CaseMerge.objects.get()
    assert link.reporter_notified_at is not None
    assert notify_merge(child) == []
    assert Notification.objects.filter(topic="case.merged").count() == 1
    # The parent's own "merge_in" step told nobody about a merge.
    assert not Notification.objects.filter(topic="case.merged", case_number=parent.number).exists()


def test_merging_your_own_report_tells_you_nothing(world, django_capture_on_commit_callbacks):
    w = world
    parent = report(w.grid_worker)
    child = report(w.village)
    with django_capture_on_commit_callbacks(execute=True):
        case_merge(actor=w.village, case=child, into=parent)
    assert not Notification.objects.filter(topic__in=["case.merged", "public.merged"]).exists()
    assert CaseMerge.objects.get().reporter_notified_at is None


def test_a_citizens_duplicate_gets_an_sms_with_the_parent_number(
    world, django_capture_on_commit_callbacks
):
    from pingan.public.models import PublicChannel
    from pingan.public.services import public_report_submit

    parent = report(world.grid_worker)
    child, _report, _code = public_report_submit(
        channel=PublicChannel.PORTAL,
        county=COUNTY,
        data={"category": "0204", "description": "排水沟堵了", "lng": IN_G1[0], "lat": IN_G1[1]},
        phone=PHONE,
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_merge(actor=world.village, case=child, into=parent)
    sms = Notification.objects.get(topic="public.merged")
    assert (sms.phone, sms.status, sms.key) == (PHONE, Status.SENT, f"public.merged:{child.number}")
    assert sms.body == (
        f"【平安建设】您反映的问题 {child.number} 与已登记的 {parent.number} 为同一问题，"
        "已合并办理，可继续用原编号和查询码查询进展：http://127.0.0.1:8000/portal/track/"
    )
    assert CaseMerge.objects.get().reporter_notified_at is not None
    assert not Notification.objects.filter(topic="case.merged").exists()


def test_a_citizen_who_wants_no_updates_gets_no_merge_sms(
    world, django_capture_on_commit_callbacks
):
    from pingan.public.models import PublicChannel
    from pingan.public.services import public_report_submit

    parent = report(world.grid_worker)
    child, _report, _code = public_report_submit(
        channel=PublicChannel.PORTAL,
        county=COUNTY,
        data={"category": "0204", "description": "排水沟堵了", "lng": IN_G1[0], "lat": IN_G1[1]},
        phone=PHONE,
        wants_updates=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_merge(actor=world.village, case=child, into=parent)
    assert not Notification.objects.filter(topic="public.merged").exists()


# --- overdue visits -----------------------------------------------------------------------


def card(region, kind, days_overdue, responsible=None, status=CardStatus.ACTIVE):
    person = make_person(region_code=region, name="王五")
    row = make_card(person, kind, responsible=responsible)
    next_visit = timezone.localdate() - dt.timedelta(days=days_overdue)
    Card.objects.filter(pk=row.pk).update(next_visit_on=next_visit, status=status)
    return row


def test_each_person_gets_one_digest_a_day(world):
    w = world
    today = timezone.localdate()
    card(G1, "left_behind", 3, responsible=w.grid_worker.user)
    card(G1, "floating", 10, responsible=w.grid_worker.user)
    card(G1, "household", 1)  # nobody responsible: the grid's workers
    card(G2, "left_behind", 2, responsible=w.grid_worker2.user)
    card(G2, "floating", -5, responsible=w.grid_worker2.user)  # not due yet
    card(G2, "household", 40, responsible=w.grid_worker2.user, status=CardStatus.CLOSED)
    card(G1, "overseas", 0, responsible=w.grid_worker2.user)  # due today: not overdue
    sent = notify_overdue_visits(today=today)
    digests = {n.user_id: n for n in sent}
    assert set(digests) == {w.grid_worker.user.pk, w.grid_worker2.user.pk}
    mine = digests[w.grid_worker.user.pk]
    oldest = (today - dt.timedelta(days=10)).isoformat()
    assert mine.body == f"您负责的人员中有 3 项走访已超过应走访日期（最早 {oldest}），请尽快走访。"
    assert (mine.subject, mine.link, mine.channel) == (
        "3 项走访逾期",
        "/registry/overdue/",
        "inapp",
    )
    assert mine.key == f"visit.overdue:{today.isoformat()}:inapp:u{w.grid_worker.user.pk}"
    theirs = digests[w.grid_worker2.user.pk]
    assert theirs.subject == "1 项走访逾期"
    assert theirs.link == f"/registry/overdue/?responsible={w.grid_worker2.user.pk}"
    # A second run the same day tells nobody again; the next day brings a new digest.
    assert sorted(n.pk for n in notify_overdue_visits(today=today)) == sorted(n.pk for n in sent)
    assert Notification.objects.filter(topic="visit.overdue").count() == 2
    tomorrow = notify_overdue_visits(today=today + dt.timedelta(days=1))
    assert len(tomorrow) == 2 and not {n.pk for n in tomorrow} & {n.pk for n in sent}


def test_inactive_people_get_no_digest(world):
    user = world.grid_worker.user
    card(G1, "left_behind", 3, responsible=user)
    user.is_active = False
    user.save()
    assert notify_overdue_visits() == []


def test_the_daily_task_sends_the_digest(world):
    from pingan.notify.tasks import visit_overdue_digest

    card(G1, "left_behind", 3, responsible=world.grid_worker.user)
    assert visit_overdue_digest.call_local() == 1
    assert visit_overdue_digest.call_local() == 1
    assert Notification.objects.filter(topic="visit.overdue").count() == 1
    assert not Notification.objects.filter(user=world.village.user).exists()
