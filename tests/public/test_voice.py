"""The voice status query: exact speech, SSML, digits-only numbers, signature, rate limit."""

import datetime as dt
import json

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.public.voice.speech import chinese_date, chinese_number, to_ssml
from tests.flow.factories import act, at, frozen
from tests.public.sms_helpers import (
    OTHER_PHONE,
    PHONE,
    VOICE_SECRET,
    VOICE_URL,
    close,
    portal_case,
    signed_post,
    voice_query,
)

NOT_FOUND = {
    "text": "未查到，请核对编号和查询码后重新输入。",
    "ssml": "<speak>未查到，请核对编号和查询码后重新输入。</speak>",
    "result": "not_found",
}


@pytest.fixture(autouse=True)
def _voice_settings(settings):
    settings.PINGAN_VOICE_INBOUND_SECRET = VOICE_SECRET
    settings.PINGAN_VOICE_LIMIT_CALLER = "5/10m"


@pytest.fixture
def accepted(world):
    """A case reported on 2 Nov 2026 and accepted by the village on 3 Nov; (case, code)."""
    with frozen(at(2026, 11, 2, 9, 30)):
        case, code = portal_case()
    with frozen(at(2026, 11, 3, 10, 0)):
        case = act(world.village, case, "accept")
    return case, code


# --- pure speech helpers ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "spoken"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (31, "三十一")],
)
def test_chinese_numbers(value, spoken):
    assert chinese_number(value) == spoken


def test_chinese_dates():
    assert chinese_date(dt.date(2026, 11, 2)) == "二〇二六年十一月二日"
    assert chinese_date(dt.date(2030, 1, 10)) == "二〇三〇年一月十日"
    assert chinese_date(dt.date(2027, 12, 31)) == "二〇二七年十二月三十一日"


def test_ssml_reads_digit_runs_one_by_one_and_escapes():
    assert to_ssml("A&B 区划12已受理<3>") == (
        '<speak>A&amp;B 区划<say-as interpret-as="digits">12</say-as>已受理&lt;'
        '<say-as interpret-as="digits">3</say-as>&gt;</speak>'
    )


# --- the answer ---------------------------------------------------------------------------
def test_found_case_text_and_ssml_exact(client, accepted):
    case, code = accepted
    assert case.number == "SJ9901012026110200001"
    response = voice_query(client, case.number[2:], code)
    assert response.status_code == 200
    assert response.json() == {
        "text": (
            "您查询的编号尾号为00001的事件正在办理。"
            "最新进展：二〇二六年十一月三日，区划990101001001已受理。"
        ),
        "ssml": (
            '<speak>您查询的编号尾号为<say-as interpret-as="digits">00001</say-as>的事件正在办理。'
            "最新进展：二〇二六年十一月三日，区划"
            '<say-as interpret-as="digits">990101001001</say-as>已受理。</speak>'
        ),
        "result": "found",
    }


def test_ssml_format_returns_the_ssml_document(client, accepted):
    case, code = accepted
    response = voice_query(client, case.number, code, query="?format=ssml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ssml+xml; charset=utf-8"
    assert response.content.decode() == (
        '<speak>您查询的编号尾号为<say-as interpret-as="digits">00001</say-as>的事件正在办理。'
        "最新进展：二〇二六年十一月三日，区划"
        '<say-as interpret-as="digits">990101001001</say-as>已受理。</speak>'
    )


def test_closed_case(client, world):
    with frozen(at(2026, 11, 2, 9, 30)):
        case, code = portal_case()
        close(world, case)
    response = voice_query(client, f"{case.number[2:]}#", code)
    assert response.json()["text"] == (
        "您查询的编号尾号为00001的事件已办结。最新进展：二〇二六年十一月二日，已办结。"
    )


def test_wrong_code_and_unknown_number_get_the_same_answer(client, accepted):
    case, code = accepted
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        voice_query(client, case.number[2:], wrong),
        voice_query(client, case.number[2:-1] + "9", code, caller=OTHER_PHONE),
        voice_query(client, "12", code, caller="13700000000"),
        voice_query(client, case.number[2:], "", caller="13700000001"),
    ]
    for response in answers:
        assert response.status_code == 200
        assert response.json() == NOT_FOUND


def test_the_reporters_own_phone_still_needs_the_code(client, accepted):
    case, _code = accepted
    assert voice_query(client, case.number[2:], "", caller=PHONE).json() == NOT_FOUND


def test_digits_shared_by_two_prefixes_are_not_found_unless_unique(client, world):
    with frozen(at(2026, 11, 2, 9, 30)):
        first, code = portal_case()
        second, _code2 = portal_case(phone=OTHER_PHONE)
    digits = first.number[2:]
    assert voice_query(client, digits, code).json()["result"] == "found"
    # A second case type's case with the same digits makes the digits ambiguous …
    Case.objects.filter(pk=second.pk).update(number="JF" + digits)
    assert voice_query(client, digits, code, caller="13700000000").json() == NOT_FOUND
    # … while the full number with its letters still resolves.
    assert voice_query(client, first.number, code).json()["result"] == "found"


def test_missing_fields_are_400_field_errors(client, world):
    response = signed_post(client, VOICE_URL, json.dumps({}).encode(), secret=VOICE_SECRET)
    assert response.status_code == 400
    assert response.json() == {
        "number": ["请提供来电者输入的案件编号（number）。"],
        "code": ["请提供来电者输入的查询码（code）。"],
    }


def test_form_encoded_query_works(client, accepted):
    case, code = accepted
    body = f"number={case.number[2:]}&code={code}&caller={PHONE}".encode()
    response = signed_post(
        client,
        VOICE_URL,
        body,
        secret=VOICE_SECRET,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.json()["result"] == "found"


# --- signature ----------------------------------------------------------------------------
def test_unsigned_bad_and_expired_requests_are_refused_and_audited(client, accepted):
    import time

    case, code = accepted
    body = json.dumps({"number": case.number, "code": code}).encode()
    unsigned = client.post(VOICE_URL, data=body, content_type="application/json")
    wrong = signed_post(client, VOICE_URL, body, secret="sms-secret-not-voice")
    stale = signed_post(
        client, VOICE_URL, body, secret=VOICE_SECRET, timestamp=str(int(time.time()) - 301)
    )
    assert [r.status_code for r in (unsigned, wrong, stale)] == [401, 403, 403]
    for response in (unsigned, wrong, stale):
        assert "text" not in response.json()
    reasons = [
        row.detail["reason"]
        for row in AuditRecord.objects.filter(action="public.voice_refused").order_by("id")
    ]
    assert reasons == ["unsigned", "bad_signature", "stale"]


def test_sms_secret_does_not_sign_voice_requests(client, world, settings):
    settings.PINGAN_SMS_INBOUND_SECRET = "shared"
    body = json.dumps({"number": "1", "code": "1"}).encode()
    assert signed_post(client, VOICE_URL, body, secret="shared").status_code == 403


# --- rate limit ---------------------------------------------------------------------------
def test_attempts_per_caller_are_limited(client, accepted, settings):
    settings.PINGAN_VOICE_LIMIT_CALLER = "2/10m"
    case, code = accepted
    assert voice_query(client, "1", "1").json() == NOT_FOUND
    assert voice_query(client, "2", "2").json() == NOT_FOUND
    refused = voice_query(client, case.number, code)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert refused.json() == {
        "text": "查询次数过多，请稍后再拨。",
        "ssml": "<speak>查询次数过多，请稍后再拨。</speak>",
        "result": "limited",
    }
    assert voice_query(client, case.number, code).status_code == 429
    # Audited once per window; another caller is not affected.
    assert AuditRecord.objects.filter(action="public.voice_refused").count() == 1
    assert voice_query(client, case.number, code, caller=OTHER_PHONE).json()["result"] == "found"


def test_withheld_numbers_share_one_count(client, accepted, settings):
    settings.PINGAN_VOICE_LIMIT_CALLER = "1/10m"
    case, code = accepted
    assert voice_query(client, case.number, code, caller="").status_code == 200
    assert voice_query(client, case.number, code, caller="").status_code == 429
    assert voice_query(client, case.number, code, caller=" ").status_code == 429


def test_merged_case_speaks_of_its_parent(client, world):
    from pingan.events.duplicates import case_merge

    with frozen(at(2026, 11, 2, 9, 30)):
        parent, _code = portal_case(phone=OTHER_PHONE)
        child, code = portal_case()
        case_merge(actor=world.village, case=Case.objects.get(pk=child.pk), into=parent)
    with frozen(at(2026, 11, 3, 10, 0)):
        act(world.village, parent, "accept")
    assert voice_query(client, child.number[2:], code).json()["text"] == (
        "您查询的编号尾号为00002的事件，已与编号尾号为00001的事件合并办理，正在办理。"
        "最新进展：二〇二六年十一月三日，区划990101001001已受理。"
    )


def test_bad_limit_setting_is_503(client, world, settings):
    settings.PINGAN_VOICE_LIMIT_CALLER = "lots"
    response = voice_query(client, "1", "1")
    assert response.status_code == 503
    assert response.json() == {"detail": "平台语音查询配置不完整。"}
