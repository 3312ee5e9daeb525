"""Helpers of the SMS and voice webhook tests (tests/public/test_sms*.py, test_voice*.py)."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

from django.test import Client

from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.models import PublicChannel
from pingan.public.services import public_report_submit
from tests.flow.factories import COUNTY, IN_G1, act

SMS_SECRET = "sms-inbound-test-secret"
VOICE_SECRET = "voice-inbound-test-secret"
SMS_URL = "/public/sms/inbound/"
VOICE_URL = "/public/voice/query/"
PHONE = "13812345678"
OTHER_PHONE = "13987654321"
_ids = itertools.count(1)


def new_id() -> str:
    return f"gw-{next(_ids):06d}"


def signed_post(
    client: Client,
    url: str,
    body: bytes,
    *,
    secret: str,
    content_type: str = "application/json",
    timestamp: str | None = None,
    signature: str | None = None,
):
    from pingan.notify.backends import sign

    stamp = str(int(time.time())) if timestamp is None else timestamp
    headers = {"X-Pingan-Timestamp": stamp}
    headers["X-Pingan-Signature"] = sign(secret, stamp, body) if signature is None else signature
    return client.post(url, data=body, content_type=content_type, headers=headers)


def sms_body(text: str, *, gateway_id: str | None = None, phone: str = PHONE, **extra) -> dict:
    return {
        "id": gateway_id or new_id(),
        "from": phone,
        "to": "12345",
        "text": text,
        "received_at": "2026-11-02T09:30:00+08:00",
        **extra,
    }


def send_sms(client: Client, text: str, **over):
    """POST one signed JSON message; `over` may set gateway_id, phone, lng, lat …"""
    body = json.dumps(sms_body(text, **over), ensure_ascii=False).encode()
    return signed_post(client, SMS_URL, body, secret=SMS_SECRET)


def send_sms_form(client: Client, text: str, **over):
    body = urlencode(sms_body(text, **over)).encode()
    return signed_post(
        client,
        SMS_URL,
        body,
        secret=SMS_SECRET,
        content_type="application/x-www-form-urlencoded",
    )


def voice_query(client: Client, number: str, code: str, *, caller: str = PHONE, query: str = ""):
    body = json.dumps({"number": number, "code": code, "caller": caller, "call_id": "c1"}).encode()
    return signed_post(client, VOICE_URL + query, body, secret=VOICE_SECRET)


def reply_to(gateway_id: str) -> Notification:
    return Notification.objects.get(key=f"public.reply:sms:{gateway_id}")


def portal_case(phone: str = PHONE, **data) -> tuple[Case, str]:
    """A case reported on the portal from `phone` (inside G1); (case, query code)."""
    fields = {"category": "0204", "description": "楼道路灯坏了", "lng": IN_G1[0], "lat": IN_G1[1]}
    fields.update(data)
    case, _report, code = public_report_submit(
        channel=PublicChannel.PORTAL, county=COUNTY, data=fields, phone=phone
    )
    return case, code


def close(world, case: Case) -> Case:
    for actor, action in [
        (world.village, "accept"),
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
    return case
