"""Per-user channel choices: the preferences page and `preferences_save`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from pingan.audit.models import AuditRecord
from pingan.notify.models import NotificationPreference
from pingan.notify.services import preference_set, preferences_save, user_channels
from pingan.notify.topics import staff_topics
from tests.accounts.factories import sign_in
from tests.notify.conftest import give_phone

pytestmark = pytest.mark.django_db


def test_page_lists_every_staff_topic_with_defaults_and_the_masked_phone(client, world):
    give_phone(world.village, "13912345678")
    sign_in(client, world.village)
    response = client.get("/notifications/preferences/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [row.topic.code for row in response.context["sheet"].rows] == [
        t.code for t in staff_topics()
    ]
    assert "public.step" not in html
    assert "139****5678" in html and "13912345678" not in html
    assert 'name="case.clock_due:sms" id="pref-3-sms" checked' in html
    assert 'name="case.new:sms" id="pref-1-sms"\n' in html  # off by default
    assert 'name="case.new:email" id="pref-1-email" disabled' in html  # no email on file


def test_without_a_phone_sms_cannot_be_switched(client, world):
    sign_in(client, world.village)
    html = client.get("/notifications/preferences/").content.decode()
    assert "未登记，收不到短信" in html
    assert 'name="case.clock_due:sms" id="pref-3-sms" disabled' in html
    # A forged POST turning SMS on is ignored for the unreachable channel.
    response = client.post("/notifications/preferences/", {"case.new:sms": "on"})
    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


def test_saving_switches_records_only_changes_and_audits(client, world):
    give_phone(world.village)
    sign_in(client, world.village)
    # Everything off except SMS for new cases (clock_due and supervised default to SMS on).
    response = client.post("/notifications/preferences/", {"case.new:sms": "on"}, follow=True)
    assert "消息设置已保存。" in response.content.decode()
    saved = set(
        NotificationPreference.objects.filter(user=world.village.user).values_list(
            "topic", "channel", "enabled"
        )
    )
    assert saved == {
        ("case.new", "sms", True),
        ("case.clock_due", "sms", False),
        ("case.supervised", "sms", False),
    }
    user = world.village.user
    assert user_channels(user, "case.new") == ["inapp", "sms"]
    assert user_channels(user, "case.clock_due") == ["inapp"]
    audit = AuditRecord.objects.get(action="notify.preferences")
    assert audit.detail == {
        "changed": ["case.clock_due:sms=off", "case.new:sms=on", "case.supervised:sms=off"]
    }
    again = client.post("/notifications/preferences/", {"case.new:sms": "on"}, follow=True)
    assert "消息设置没有变化。" in again.content.decode()
    assert AuditRecord.objects.filter(action="notify.preferences").count() == 1


def test_switching_on_an_unreachable_channel_is_a_field_error_and_saves_nothing(world):
    with pytest.raises(ValidationError) as err:
        preferences_save(
            actor=world.village,
            choices={("case.new", "sms"): True, ("case.new", "email"): True},
        )
    assert err.value.message_dict == {
        "case.new:sms": ["账户未登记手机号码，不能开启短信提醒。请联系系统管理员登记。"],
        "case.new:email": ["账户未登记电子邮箱，不能开启邮件提醒。请联系系统管理员登记。"],
    }
    assert not NotificationPreference.objects.exists()
    # Switching off needs nothing on file.
    assert preference_set(
        actor=world.village, topic="case.clock_due", channel="sms", enabled=False
    ) == ["case.clock_due:sms=off"]


def test_in_app_and_citizen_topics_are_not_switchable(world):
    for topic, channel in [("case.new", "inapp"), ("public.step", "sms"), ("case.new", "voice")]:
        with pytest.raises(ValueError):
            preference_set(actor=world.village, topic=topic, channel=channel, enabled=False)
    assert not NotificationPreference.objects.exists()


def test_a_leader_may_set_their_own_preferences(client, world):
    give_phone(world.leader)
    sign_in(client, world.leader)
    response = client.post("/notifications/preferences/", {"case.new:sms": "on"})
    assert response.status_code == 302
    assert NotificationPreference.objects.filter(user=world.leader.user, topic="case.new").exists()
