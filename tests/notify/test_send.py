"""Recording messages: idempotency, opt-outs, transactional topics, channels per user."""

import pytest

from pingan.accounts.roles import Role
from pingan.notify.models import Channel, Notification, NotificationPreference, Status
from pingan.notify.services import (
    notify_send,
    notify_unit,
    notify_user,
    sms_opt_in,
    sms_opt_out,
    unit_users,
    user_channels,
)
from tests.factories import make_actor
from tests.notify.conftest import give_phone

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture
def sent(monkeypatch):
    """Ids handed to the delivery queue."""
    queued: list[int] = []
    monkeypatch.setattr("pingan.notify.services._enqueue", queued.append)
    return queued


def sms(key="k1", topic="public.step", phone=PHONE, **context):
    return notify_send(
        topic=topic,
        key=key,
        channel=Channel.SMS,
        phone=phone,
        context={"number": "SJ1", "step": "已受理", "url": "http://x/", **context},
    )


def test_same_key_twice_records_one_message_and_queues_it_once(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = sms()
    with django_capture_on_commit_callbacks(execute=True):
        again = sms(step="另一段文字")
    assert again.pk == first.pk
    assert Notification.objects.count() == 1
    assert sent == [first.pk]
    assert first.body == "【平安建设】您反映的问题 SJ1 已受理。查询：http://x/"
    assert (first.status, first.phone, first.attempts) == (Status.PENDING, PHONE, 0)


def test_nothing_is_queued_when_the_callers_transaction_rolls_back(
    sent, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms()
        raise RuntimeError("the action failed")
    assert (callbacks, sent, Notification.objects.count()) == ([], [], 0)


def test_opted_out_number_is_recorded_as_skipped_and_not_queued(
    sent, django_capture_on_commit_callbacks
):
    assert sms_opt_out(PHONE) is True
    assert sms_opt_out(PHONE) is False
    with django_capture_on_commit_callbacks(execute=True):
        note = sms()
    assert (note.status, note.last_error, note.next_attempt_at) == (
        Status.SKIPPED,
        "opted out",
        None,
    )
    assert sent == []
    assert sms_opt_in(PHONE) is True
    assert sms(key="k2").status == Status.PENDING


def test_transactional_topics_ignore_the_opt_out(sent, django_capture_on_commit_callbacks):
    sms_opt_out(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        code = sms(key="otp", topic="public.otp", code="123456", minutes=5)
        reply = sms(key="reply", topic="public.reply", text="案件已受理")
    assert (code.status, reply.status) == (Status.PENDING, Status.PENDING)
    assert sent == [code.pk, reply.pk]
    assert reply.body == "案件已受理"


def test_missing_addresses_are_skipped_with_the_reason():
    assert sms(phone="0871-1234567").last_error == "no mobile number"
    email = notify_send(topic="case.new", key="e", channel=Channel.EMAIL, context={})
    inapp = notify_send(topic="case.new", key="i", channel=Channel.INAPP, context={})
    voice = notify_send(topic="public.reply", key="v", channel=Channel.VOICE, context={})
    assert [(n.status, n.last_error) for n in (email, inapp, voice)] == [
        (Status.SKIPPED, "no email address"),
        (Status.SKIPPED, "in-app needs a user"),
        (Status.SKIPPED, "no phone number"),
    ]


def test_unknown_topic_or_channel_is_a_programming_error():
    with pytest.raises(ValueError):
        notify_send(topic="nope", key="x", channel=Channel.SMS, context={})
    with pytest.raises(ValueError):
        notify_send(topic="case.new", key="x", channel="fax", context={})
    assert not Notification.objects.exists()


def test_in_app_messages_are_delivered_by_being_recorded(world, sent):
    note = notify_send(
        topic="case.new",
        key="n1",
        channel=Channel.INAPP,
        user=world.village.user,
        context={"number": "SJ1", "title": "路灯", "step": "上报", "state": "待受理"},
    )
    assert (note.status, note.backend, note.read_at) == (Status.SENT, "inapp", None)
    assert note.body == "您单位收到待办案件 SJ1（路灯）：上报，当前待受理。"
    assert sent == []


def test_user_channels_follow_defaults_then_saved_choices_and_in_app_stays_on(world):
    user = world.village.user
    assert user_channels(user, "case.new") == ["inapp"]
    assert user_channels(user, "case.clock_due") == ["inapp", "sms"]
    NotificationPreference.objects.create(
        user=user, topic="case.clock_due", channel="sms", enabled=False
    )
    NotificationPreference.objects.create(
        user=user, topic="case.new", channel="email", enabled=True
    )
    NotificationPreference.objects.create(
        user=user, topic="case.new", channel="inapp", enabled=False
    )
    assert user_channels(user, "case.clock_due") == ["inapp"]
    assert user_channels(user, "case.new") == ["inapp", "email"]


def test_notify_user_keys_per_channel_and_user_and_skips_inactive_accounts(world):
    give_phone(world.village)
    rows = notify_user(user=world.village.user, topic="case.clock_due", key="due:a1", context={})
    uid = world.village.user.pk
    assert sorted(n.key for n in rows) == [f"due:a1:inapp:u{uid}", f"due:a1:sms:u{uid}"]
    assert {n.channel: n.status for n in rows} == {"inapp": Status.SENT, "sms": Status.PENDING}
    assert [n.phone for n in rows if n.channel == "sms"] == ["13900001111"]
    again = notify_user(user=world.village.user, topic="case.clock_due", key="due:a1", context={})
    assert sorted(n.pk for n in again) == sorted(n.pk for n in rows)
    user = world.town.user
    user.is_active = False
    user.save()
    assert notify_user(user=user, topic="case.new", key="x", context={}) == []
    assert Notification.objects.count() == 2


def test_unit_users_are_the_active_positions_of_exactly_that_unit(world):
    from tests.flow.factories import VILLAGE

    second = make_actor(Role.VILLAGE_STAFF, VILLAGE)
    leader = make_actor(Role.LEADER, VILLAGE)
    assert unit_users(VILLAGE) == sorted(
        [world.village.user, second.user, leader.user], key=lambda u: u.pk
    )
    assert unit_users(VILLAGE, [Role.VILLAGE_STAFF]) == sorted(
        [world.village.user, second.user], key=lambda u: u.pk
    )
    second.position.active = False
    second.position.save()
    assert unit_users(VILLAGE, [Role.VILLAGE_STAFF]) == [world.village.user]
    assert unit_users(world.police_code) == [world.police.user]
    rows = notify_unit(
        unit_code=world.police_code,
        topic="case.new",
        key="u",
        context={},
        roles=["department_handler"],
    )
    assert [(n.user_id, n.region_code) for n in rows] == [(world.police.user.pk, world.police_code)]
