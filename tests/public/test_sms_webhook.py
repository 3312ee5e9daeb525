"""The inbound SMS webhook: signature, replay, body formats, field errors, configuration."""

import json
import time

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.models import PublicReport
from pingan.public.sms.models import SmsInbound
from pingan.public.webhooks import MAX_BODY_BYTES
from tests.public.sms_helpers import (
    PHONE,
    SMS_SECRET,
    SMS_URL,
    reply_to,
    send_sms,
    send_sms_form,
    signed_post,
    sms_body,
)

REPORT = "示范村三组路口的路灯坏了一个月"


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.PINGAN_SMS_INBOUND_SECRET = SMS_SECRET
    settings.PINGAN_SMS_COUNTY = ""
    settings.PINGAN_SMS_DEFAULT_CATEGORY = "08"


def body(text=REPORT, **over) -> bytes:
    return json.dumps(sms_body(text, **over), ensure_ascii=False).encode()


def nothing_saved():
    assert not SmsInbound.objects.exists()
    assert not Case.objects.exists()
    assert not Notification.objects.exists()


def refusals() -> list[tuple[str, str]]:
    rows = AuditRecord.objects.filter(action="public.sms_refused").order_by("id")
    return [(row.outcome, row.detail["reason"]) for row in rows]


def test_signed_message_is_processed(client, world):
    response = send_sms(client, REPORT, gateway_id="gw-1")
    assert response.status_code == 200
    assert response.json() == {
        "id": "gw-1",
        "status": "processed",
        "command": "report",
        "outcome": "case",
    }
    row = SmsInbound.objects.get()
    assert (row.phone, row.to, row.text, row.command) == (PHONE, "12345", REPORT, "report")
    assert row.case == Case.objects.get()
    audit = AuditRecord.objects.get(action="public.sms_inbound")
    assert (audit.actor_username, audit.object_id) == ("public:sms", "gw-1")
    assert audit.detail == {"command": "report", "outcome": "case", "case": row.case.number}


def test_unsigned_request_is_401_and_audited(client, world):
    response = client.post(SMS_URL, data=body(), content_type="application/json")
    assert response.status_code == 401
    assert "X-Pingan-Signature" in response.json()["detail"]
    assert refusals() == [("denied", "unsigned")]
    nothing_saved()


def test_timestamp_without_signature_is_401(client, world):
    response = client.post(
        SMS_URL,
        data=body(),
        content_type="application/json",
        headers={"X-Pingan-Timestamp": str(int(time.time()))},
    )
    assert response.status_code == 401
    nothing_saved()


def test_wrong_secret_is_403_and_audited(client, world):
    response = signed_post(client, SMS_URL, body(), secret="someone-else")
    assert response.status_code == 403
    assert response.json() == {"detail": "签名不正确。"}
    assert refusals() == [("denied", "bad_signature")]
    nothing_saved()


def test_body_changed_after_signing_is_403(client, world):
    stamp = str(int(time.time()))
    from pingan.notify.backends import sign

    signature = sign(SMS_SECRET, stamp, body("CX SJ1234567"))
    response = signed_post(
        client, SMS_URL, body(), secret=SMS_SECRET, timestamp=stamp, signature=signature
    )
    assert response.status_code == 403
    nothing_saved()


@pytest.mark.parametrize("offset", [-301, 301, -100000])
def test_expired_or_future_timestamp_is_403(client, world, offset):
    stamp = str(int(time.time()) + offset)
    response = signed_post(client, SMS_URL, body(), secret=SMS_SECRET, timestamp=stamp)
    assert response.status_code == 403
    assert refusals() == [("denied", "stale")]
    nothing_saved()


def test_non_numeric_timestamp_is_403(client, world):
    response = signed_post(client, SMS_URL, body(), secret=SMS_SECRET, timestamp="yesterday")
    assert response.status_code == 403
    nothing_saved()


def test_without_a_configured_secret_every_message_is_refused(client, world, settings):
    settings.PINGAN_SMS_INBOUND_SECRET = ""
    response = signed_post(client, SMS_URL, body(), secret="")
    assert response.status_code == 503
    assert refusals() == [("denied", "not_configured")]
    nothing_saved()


def test_either_of_two_secrets_works_while_rotating(client, world, settings):
    settings.PINGAN_SMS_INBOUND_SECRET = f"old-secret, {SMS_SECRET}"
    assert send_sms(client, "TD").status_code == 200
    response = signed_post(client, SMS_URL, body("DY"), secret="old-secret")
    assert response.status_code == 200
    assert response.json()["command"] == "subscribe"


def test_refusals_are_audited_only_up_to_a_limit_per_address(client, world):
    for _ in range(12):
        assert signed_post(client, SMS_URL, body(), secret="bad").status_code == 403
    assert len(refusals()) == 10


def test_replayed_request_is_processed_once(client, world, django_capture_on_commit_callbacks):
    raw = body(gateway_id="gw-replay")
    stamp = str(int(time.time()))
    with django_capture_on_commit_callbacks(execute=True):
        first = signed_post(client, SMS_URL, raw, secret=SMS_SECRET, timestamp=stamp)
    with django_capture_on_commit_callbacks(execute=True):
        again = signed_post(client, SMS_URL, raw, secret=SMS_SECRET, timestamp=stamp)
    assert first.json()["status"] == "processed"
    assert again.status_code == 200
    assert again.json() == {
        "id": "gw-replay",
        "status": "duplicate",
        "command": "report",
        "outcome": "case",
    }
    assert Case.objects.count() == 1 and PublicReport.objects.count() == 1
    assert Notification.objects.filter(topic="public.received").count() == 1
    assert AuditRecord.objects.filter(action="public.sms_inbound").count() == 1


def test_redelivered_query_is_answered_once(client, world):
    send_sms(client, "TD", gateway_id="gw-td")
    send_sms(client, "TD", gateway_id="gw-td")
    assert SmsInbound.objects.count() == 1
    assert Notification.objects.filter(topic="public.reply").count() == 1
    assert reply_to("gw-td").phone == PHONE


def test_form_encoded_message_is_read_like_json(client, world):
    response = send_sms_form(client, REPORT, gateway_id="gw-form", lng="102.705", lat="25.005")
    assert response.status_code == 200
    assert response.json()["outcome"] == "case"
    case = Case.objects.get()
    assert (case.event.lng, case.event.lat, case.event.outside_grid) == (102.705, 25.005, False)


def test_malformed_fields_are_400_field_errors_and_nothing_saved(client, world):
    raw = json.dumps(
        {
            "id": "has space",
            "from": "12345",
            "to": "短号",
            "received_at": "tomorrow",
            "lng": "200",
        }
    ).encode()
    response = signed_post(client, SMS_URL, raw, secret=SMS_SECRET)
    assert response.status_code == 400
    assert response.json() == {
        "id": ["请提供网关消息号（1–64 位字母、数字或 _.:- ）。"],
        "from": ["发送号码应为 11 位手机号码。"],
        "to": ["接收号码应为数字。"],
        "text": ["请提供短信内容（text，可为空字符串）。"],
        "received_at": ["网关接收时间格式不正确，应为 ISO 8601 或 Unix 秒。"],
        "lat": ["经度和纬度须同时提供。"],
    }
    nothing_saved()


def test_coordinates_out_of_range_and_missing_time(client, world):
    raw = body(lng=500, lat="north")
    data = json.loads(raw)
    del data["received_at"]
    response = signed_post(client, SMS_URL, json.dumps(data).encode(), secret=SMS_SECRET)
    assert response.status_code == 400
    assert response.json() == {
        "received_at": ["请提供网关接收时间（ISO 8601 或 Unix 秒）。"],
        "lng": ["应为 -180 到 180 之间的数值。"],
        "lat": ["应为 -90 到 90 之间的数值。"],
    }
    nothing_saved()


def test_over_long_text_is_400(client, world):
    response = send_sms(client, "很" * 2001)
    assert response.status_code == 400
    assert response.json() == {"text": ["短信内容不能超过 2000 字。"]}
    nothing_saved()


@pytest.mark.parametrize(
    ("raw", "content_type", "errors"),
    [
        (b"{not json", "application/json", {"body": ["请求体不是有效的 JSON。"]}),
        (b"[1, 2]", "application/json", {"body": ["请求体应为 JSON 对象。"]}),
        (
            b"text=hi",
            "text/plain",
            {"body": ["Content-Type 应为 application/json 或 application/x-www-form-urlencoded。"]},
        ),
    ],
)
def test_unreadable_body_is_400(client, world, raw, content_type, errors):
    response = signed_post(client, SMS_URL, raw, secret=SMS_SECRET, content_type=content_type)
    assert response.status_code == 400
    assert response.json() == errors
    nothing_saved()


def test_oversized_body_is_413(client, world):
    raw = b"{" + b" " * MAX_BODY_BYTES + b"}"
    response = signed_post(client, SMS_URL, raw, secret=SMS_SECRET)
    assert response.status_code == 413
    nothing_saved()


def test_get_is_not_allowed(client, world):
    assert client.get(SMS_URL).status_code == 405


def test_unix_seconds_and_naive_times_are_accepted(client, world):
    send_sms(client, "TD", gateway_id="gw-unix", received_at=1793583000)
    send_sms(client, "DY", gateway_id="gw-naive", received_at="2026-11-02 09:30:00")
    unix = SmsInbound.objects.get(gateway_id="gw-unix").received_at
    naive = SmsInbound.objects.get(gateway_id="gw-naive").received_at
    assert unix.timestamp() == 1793583000
    assert naive.isoformat() == "2026-11-02T01:30:00+00:00"


def test_several_counties_without_setting_is_503_and_nothing_saved(client, world):
    from tests.factories import region_chain

    region_chain("990102")
    response = send_sms(client, REPORT)
    assert response.status_code == 503
    assert response.json() == {"detail": "平台短信接入配置不完整，请稍后重发。"}
    nothing_saved()


def test_configured_county_and_bad_category(client, world, settings):
    from tests.factories import region_chain

    region_chain("990102")
    settings.PINGAN_SMS_COUNTY = "990101"
    assert send_sms(client, REPORT).json()["outcome"] == "case"
    settings.PINGAN_SMS_DEFAULT_CATEGORY = "nope"
    assert send_sms(client, REPORT).status_code == 503
    settings.PINGAN_SMS_DEFAULT_CATEGORY = "08"
    settings.PINGAN_SMS_COUNTY = "9901"
    assert send_sms(client, REPORT).status_code == 503
    assert Case.objects.count() == 1 and SmsInbound.objects.count() == 1


def test_queries_work_while_report_settings_are_broken(client, world, settings):
    settings.PINGAN_SMS_DEFAULT_CATEGORY = "nope"
    assert send_sms(client, "TD").json()["outcome"] == "unsubscribed"


def test_signature_of_the_documented_example():
    from pingan.notify.backends import sign

    raw = (
        b'{"id":"GW20261102000123","from":"13812345678","to":"12345",'
        b'"text":"CX SJ9901012026110200001","received_at":"2026-11-02T09:30:00+08:00"}'
    )
    assert sign("change-me-sms-inbound-secret", "1793583000", raw) == (
        "sha256=c26c21cbc3754b35b6969c8fadf7261c82803bef12be3e2f261e4c9f962ec795"
    )


def test_admin_log_shows_handling_but_not_number_or_text(client, world):
    from pingan.accounts.roles import Role
    from tests.accounts.factories import sign_in
    from tests.factories import make_actor

    send_sms(client, REPORT, gateway_id="gw-admin")
    row = SmsInbound.objects.get()
    sign_in(client, make_actor(Role.COUNTY_OPERATOR, "990101"))
    assert client.get("/admin/public/smsinbound/").status_code == 403
    client.logout()
    sign_in(client, make_actor(Role.SYSTEM_ADMIN, "990101"))
    listing = client.get("/admin/public/smsinbound/")
    detail = client.get(f"/admin/public/smsinbound/{row.pk}/change/")
    assert listing.status_code == 200 and detail.status_code == 200
    for page in (listing.content.decode(), detail.content.decode()):
        assert "gw-admin" in page
        assert PHONE not in page and REPORT not in page
    assert client.post(f"/admin/public/smsinbound/{row.pk}/delete/").status_code == 403
    assert SmsInbound.objects.count() == 1


def test_bad_limit_setting_is_503_and_nothing_saved(client, world, settings):
    settings.PINGAN_SMS_LIMIT_MESSAGES = "many"
    assert send_sms(client, "TD").status_code == 503
    nothing_saved()
