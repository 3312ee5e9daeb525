"""Delivery backends, chosen per channel by settings (`PINGAN_SMS_BACKEND`,
`PINGAN_EMAIL_BACKEND`, `PINGAN_VOICE_BACKEND`).

A backend's `send` returns the provider's message id (or "") on success, raises
`RetryableError` for a failure worth retrying (timeouts, 5xx, 429) and `PermanentError` for one
that is not (a 4xx refusal). The webhook backend signs each body with HMAC-SHA256 and passes
the notification key as `Idempotency-Key`, so a retry after a lost answer never sends twice at
a gateway that honours it (docs/integration/sms.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

from pingan.notify.models import Channel, Notification

log = logging.getLogger("pingan.notify")


class RetryableError(Exception):
    pass


class PermanentError(Exception):
    pass


class ConsoleBackend:
    """Writes the message to the log (the default: a laptop install sends nothing)."""

    name = "console"

    def send(self, note: Notification) -> str:
        to = note.phone or note.email or (note.user.username if note.user else "")
        log.info("[%s] to %s: %s", note.channel, to, note.body)
        return ""


# Answers that mean "try again later" (timeout, conflict while a duplicate is in flight,
# too early, rate limited); every 5xx too.
RETRY_STATUSES = frozenset({408, 409, 425, 429})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` over `<timestamp>.<body>`: the signature scheme of every Pingan webhook
    (outbound SMS here, inbound SMS and voice in the public app)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: urllib would turn the POST into a GET
    without body and report the GET's 200 as a delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class WebhookBackend:
    """POSTs JSON to an HTTP gateway (the provincial SMS short-code platform, a voice IVR).

    Any 2xx is a delivery (a JSON body's `id` is kept as the provider id); 408, 409, 425, 429
    and 5xx, timeouts and connection errors are retried; any other status (4xx, 3xx) fails
    the message for good. The contract is in docs/integration/sms.md.
    """

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10.0):
        if not url or not secret:
            raise PermanentError("webhook URL and secret must be configured")
        if not url.startswith(("http://", "https://")):
            raise PermanentError("webhook URL must be http(s)")
        self.url, self.secret, self.timeout = url, secret, timeout

    def payload(self, note: Notification) -> bytes:
        data = {
            "id": note.pk,
            "key": note.key,
            "channel": note.channel,
            "to": note.phone,
            "text": note.body,
            "topic": note.topic,
            "created_at": note.created_at.isoformat(),
        }
        return json.dumps(data, ensure_ascii=False).encode()

    def send(self, note: Notification) -> str:
        body = self.payload(note)
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": note.key,
                "X-Pingan-Timestamp": timestamp,
                "X-Pingan-Signature": sign(self.secret, timestamp, body),
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                answer = response.read(4096)
        except urllib.error.HTTPError as exc:
            if exc.code in RETRY_STATUSES or exc.code >= 500:
                raise RetryableError(f"HTTP {exc.code}") from exc
            raise PermanentError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise RetryableError(str(getattr(exc, "reason", exc))[:200]) from exc
        try:
            return str(json.loads(answer or b"{}").get("id", ""))[:100]
        except (ValueError, AttributeError):
            return ""


class EmailBackend:
    """Django's mail system (SMTP settings: EMAIL_HOST etc.)."""

    name = "email"

    def send(self, note: Notification) -> str:
        try:
            send_mail(note.subject or note.body[:40], note.body, None, [note.email])
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("recipient refused") from exc
        except OSError as exc:  # smtplib.SMTPException is an OSError
            raise RetryableError(str(exc)[:200]) from exc
        return ""


def backend_for(channel: str):
    choice = {
        Channel.SMS: settings.PINGAN_SMS_BACKEND,
        Channel.VOICE: settings.PINGAN_VOICE_BACKEND,
        Channel.EMAIL: settings.PINGAN_EMAIL_BACKEND,
    }.get(channel, "console")
    if choice == "webhook":
        url, secret = settings.PINGAN_SMS_WEBHOOK_URL, settings.PINGAN_SMS_WEBHOOK_SECRET
        if channel == Channel.VOICE:
            url, secret = settings.PINGAN_VOICE_WEBHOOK_URL, settings.PINGAN_VOICE_WEBHOOK_SECRET
        return WebhookBackend(url, secret, timeout=settings.PINGAN_NOTIFY_WEBHOOK_TIMEOUT)
    if choice == "email":
        return EmailBackend()
    return ConsoleBackend()
