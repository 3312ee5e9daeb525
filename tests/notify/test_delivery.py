"""Delivery: the webhook SMS gateway against a local HTTP server, retries with back-off,
leases, permanent failures, and the email backend."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from pingan.notify.backends import WebhookBackend, backend_for, sign
from pingan.notify.delivery import LEASE, backoff, deliver, deliver_due, due_ids
from pingan.notify.models import Channel, Notification, Status
from pingan.notify.services import notification_requeue, notify_send
from tests.factories import make_actor

pytestmark = pytest.mark.django_db
SECRET = "gateway-shared-secret"
PHONE = "13812345678"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


class Gateway:
    """A local SMS gateway: answers each POST with the next scripted status (the last one
    repeats) and records what it received."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = (
                    gateway.statuses.pop(0) if len(gateway.statuses) > 1 else gateway.statuses[0]
                )
                answer = json.dumps({"id": f"gw-{len(gateway.requests)}"}).encode()
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self):  # a followed redirect would land here
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": b""}
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def webhook(settings):
    def configure(statuses):
        gateway = Gateway(statuses)
        settings.PINGAN_SMS_BACKEND = "webhook"
        settings.PINGAN_SMS_WEBHOOK_URL = gateway.url
        settings.PINGAN_SMS_WEBHOOK_SECRET = SECRET
        settings.PINGAN_NOTIFY_RETRY_BASE_SECONDS = 30
        settings.PINGAN_NOTIFY_MAX_ATTEMPTS = 4
        return gateway

    return configure


def message(key="public.step:SJ1:2") -> Notification:
    return notify_send(
        topic="public.step",
        key=key,
        channel=Channel.SMS,
        phone=PHONE,
        context={"number": "SJ1", "step": "已受理", "url": "http://x/portal/track/"},
        now=T0,
    )


def test_backoff_doubles_from_the_base_up_to_an_hour(settings):
    settings.PINGAN_NOTIFY_RETRY_BASE_SECONDS = 30
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_500_then_200_retries_on_schedule_and_delivers_once_with_one_key(webhook):
    with webhook([500, 200]) as gateway:
        note = message()
        assert deliver(note.pk, now=T0) == Status.PENDING
        note.refresh_from_db()
        assert (note.attempts, note.last_error, note.next_attempt_at) == (
            1,
            "HTTP 500",
            T0 + dt.timedelta(seconds=30),
        )
        # Not due yet: neither a direct call nor the retry scan sends it.
        assert deliver(note.pk, now=T0 + dt.timedelta(seconds=29)) == ""
        assert due_ids(T0 + dt.timedelta(seconds=29)) == []
        assert len(gateway.requests) == 1
        assert deliver_due(T0 + dt.timedelta(seconds=30)) == 1
        assert deliver_due(T0 + dt.timedelta(minutes=5)) == 0
    note.refresh_from_db()
    assert (note.status, note.attempts, note.provider_id, note.backend, note.last_error) == (
        Status.SENT,
        2,
        "gw-2",
        "webhook",
        "",
    )
    assert note.next_attempt_at is None and note.lease_until is None
    assert len(gateway.requests) == 2
    first, second = gateway.requests
    assert first["body"] == second["body"]
    assert first["path"] == "/sms/send"
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"] == note.key
    for request in gateway.requests:
        headers = request["headers"]
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert headers["X-Pingan-Signature"] == sign(
            SECRET, headers["X-Pingan-Timestamp"], request["body"]
        )
        assert headers["X-Pingan-Signature"] != sign(
            "wrong", headers["X-Pingan-Timestamp"], request["body"]
        )
    payload = json.loads(first["body"])
    assert payload == {
        "id": note.pk,
        "key": "public.step:SJ1:2",
        "channel": "sms",
        "to": PHONE,
        "text": "【平安建设】您反映的问题 SJ1 已受理。查询：http://x/portal/track/",
        "topic": "public.step",
        "created_at": T0.isoformat(),
    }


def test_a_4xx_refusal_fails_for_good_after_one_request(webhook):
    with webhook([400]) as gateway:
        note = message()
        assert deliver(note.pk, now=T0) == Status.FAILED
        assert deliver_due(T0 + dt.timedelta(days=1)) == 0
    note.refresh_from_db()
    assert (note.attempts, note.last_error, note.next_attempt_at) == (1, "HTTP 400", None)
    assert len(gateway.requests) == 1


def test_429_is_retried(webhook):
    with webhook([429, 200]) as gateway:
        note = message()
        assert deliver(note.pk, now=T0) == Status.PENDING
        assert deliver(note.pk, now=T0 + dt.timedelta(seconds=30)) == Status.SENT
    assert len(gateway.requests) == 2


def test_a_redirect_is_not_followed_and_fails(webhook):
    with webhook([302]) as gateway:
        note = message()
        assert deliver(note.pk, now=T0) == Status.FAILED
    assert [r["path"] for r in gateway.requests] == ["/sms/send"]
    note.refresh_from_db()
    assert note.last_error == "HTTP 302"


def test_max_attempts_then_failed_with_the_schedule_in_between(webhook):
    with webhook([503]) as gateway:
        note = message()
        moment, waits = T0, []
        for _ in range(4):
            deliver(note.pk, now=moment)
            note.refresh_from_db()
            if note.next_attempt_at:
                waits.append((note.next_attempt_at - moment).total_seconds())
                moment = note.next_attempt_at
        assert deliver_due(moment + dt.timedelta(days=1)) == 0
    assert waits == [30, 60, 120]
    assert (note.status, note.attempts, note.last_error) == (Status.FAILED, 4, "HTTP 503")
    assert len(gateway.requests) == 4


def test_unreachable_gateway_is_retried(settings):
    settings.PINGAN_SMS_BACKEND = "webhook"
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PINGAN_SMS_WEBHOOK_URL = f"http://127.0.0.1:{port}/closed"
    settings.PINGAN_SMS_WEBHOOK_SECRET = SECRET
    note = message()
    assert deliver(note.pk, now=T0) == Status.PENDING
    note.refresh_from_db()
    assert note.attempts == 1 and note.last_error


def test_an_expired_lease_is_sent_again_with_the_same_key(webhook):
    with webhook([200]) as gateway:
        note = message()
        # A worker claimed it and died before recording the outcome.
        Notification.objects.filter(pk=note.pk).update(
            status=Status.SENDING, attempts=1, lease_until=T0 + LEASE
        )
        assert due_ids(T0 + LEASE - dt.timedelta(seconds=1)) == []
        assert deliver(note.pk, now=T0 + dt.timedelta(seconds=30)) == ""
        assert deliver_due(T0 + LEASE + dt.timedelta(seconds=1)) == 1
    note.refresh_from_db()
    assert (note.status, note.attempts) == (Status.SENT, 2)
    assert [r["headers"]["Idempotency-Key"] for r in gateway.requests] == [note.key]


def test_an_expired_lease_after_the_last_attempt_fails_without_sending(webhook):
    with webhook([200]) as gateway:
        note = message()
        Notification.objects.filter(pk=note.pk).update(
            status=Status.SENDING, attempts=4, lease_until=T0
        )
        assert deliver_due(T0 + dt.timedelta(seconds=1)) == 1
    note.refresh_from_db()
    assert (note.status, note.last_error) == (Status.FAILED, "no answer after 4 attempts")
    assert gateway.requests == []


def test_sent_failed_and_skipped_messages_are_never_claimed(webhook):
    with webhook([200]) as gateway:
        note = message()
        for status in (Status.SENT, Status.FAILED, Status.SKIPPED):
            Notification.objects.filter(pk=note.pk).update(status=status)
            assert deliver(note.pk, now=T0 + dt.timedelta(hours=1)) == ""
    assert gateway.requests == []


def test_requeue_sends_a_failed_message_again(webhook, django_capture_on_commit_callbacks):
    from pingan.accounts.roles import Role
    from pingan.audit.models import AuditRecord

    admin = make_actor(Role.SYSTEM_ADMIN, "990101")
    with webhook([400, 200]) as gateway:
        note = message()
        deliver(note.pk, now=T0)
        other = message(key="other")
        with django_capture_on_commit_callbacks(execute=True):
            assert notification_requeue(actor=admin, ids=[note.pk, other.pk]) == 1
    note.refresh_from_db()
    assert (note.status, note.attempts) == (Status.SENT, 1)
    assert len(gateway.requests) == 2
    assert AuditRecord.objects.get(action="notify.requeue").detail == {"ids": [note.pk]}


def test_misconfigured_webhook_fails_the_message(settings):
    settings.PINGAN_SMS_BACKEND = "webhook"
    settings.PINGAN_SMS_WEBHOOK_URL = "ftp://example/"
    settings.PINGAN_SMS_WEBHOOK_SECRET = SECRET
    note = message()
    assert deliver(note.pk, now=T0) == Status.FAILED
    note.refresh_from_db()
    assert note.last_error == "webhook URL must be http(s)"


def test_backend_choice_follows_settings(settings):
    settings.PINGAN_SMS_BACKEND = "console"
    assert backend_for(Channel.SMS).name == "console"
    settings.PINGAN_SMS_BACKEND = "webhook"
    settings.PINGAN_SMS_WEBHOOK_URL = "https://gw.example/sms"
    settings.PINGAN_SMS_WEBHOOK_SECRET = SECRET
    settings.PINGAN_NOTIFY_WEBHOOK_TIMEOUT = 7
    backend = backend_for(Channel.SMS)
    assert (backend.name, backend.url, backend.timeout) == ("webhook", "https://gw.example/sms", 7)
    assert isinstance(backend, WebhookBackend)
    settings.PINGAN_EMAIL_BACKEND = "email"
    assert backend_for(Channel.EMAIL).name == "email"
    assert backend_for(Channel.INAPP).name == "console"


def test_email_goes_through_djangos_mail_system(settings, world):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PINGAN_EMAIL_BACKEND = "email"
    settings.DEFAULT_FROM_EMAIL = "pingan@example.gov.cn"
    user = world.village.user
    user.email = "cun@example.gov.cn"
    user.save()
    note = notify_send(
        topic="case.clock_warn",
        key="warn:a1:email",
        channel=Channel.EMAIL,
        user=user,
        email=user.email,
        context={"number": "SJ1", "title": "路灯", "clock": "办理时限", "due": "2026-03-03 17:30"},
        now=timezone.now(),
    )
    assert deliver(note.pk) == Status.SENT
    assert deliver(note.pk) == ""
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.to, sent.from_email) == (
        "案件 SJ1 即将到期",
        ["cun@example.gov.cn"],
        "pingan@example.gov.cn",
    )
    assert sent.body == "案件 SJ1（路灯）的办理时限将于 2026-03-03 17:30 到期，请及时办理。"
