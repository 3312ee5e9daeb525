"""Citizen portal: following a case by number + query code and by phone + SMS one-time code."""

import json
import re
import time

import pytest
from django.test import Client

from pingan.audit.models import AuditRecord
from pingan.core.phones import phone_hash
from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.portal import access
from pingan.public.portal.models import OtpChallenge
from pingan.public.portal.otp import MAX_ATTEMPTS, otp_verify
from tests.flow.factories import act
from tests.public.portal_helpers import OTHER_PHONE, PHONE, post_report, submitted_code

WRONG_CODE = "案件编号或查询码不正确，请核对短信中的编号和 6 位查询码。"
WRONG_OTP = "验证码不正确或已失效，请重新输入或重新获取。"
SPENT_OTP = "验证码错误次数过多，请重新获取验证码。"


@pytest.fixture
def portal(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return world


def reported(phone=PHONE, **over) -> tuple[str, str]:
    """Report from a browser of its own; (case number, query code)."""
    client = Client()
    assert post_report(client, phone=phone, **over).status_code == 302
    return submitted_code(client)


def other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_track_by_number_and_code_opens_the_case(portal):
    number, code = reported()
    client = Client()
    response = client.post("/portal/track/", {"number": number.lower(), "code": code})
    assert (response.status_code, response["Location"]) == (302, f"/portal/case/{number}/")
    html = client.get(f"/portal/case/{number}/").content.decode()
    assert "邻里纠纷" in html and "已登记，等待受理" in html
    assert "楼道里的路灯坏了一个月，晚上很黑。" in html
    assert AuditRecord.objects.get(action="public.track").outcome == "ok"


def test_wrong_code_and_unknown_number_give_the_same_answer(portal):
    number, code = reported()
    client = Client()
    wrong = client.post("/portal/track/", {"number": number, "code": other(code)})
    unknown = client.post("/portal/track/", {"number": "SJ99010199999999", "code": code})
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG_CODE in wrong.content.decode()
    # Apart from the echoed number the two pages are the same.
    assert without_token(wrong.content.decode()).replace(number, "N") == without_token(
        unknown.content.decode()
    ).replace("SJ99010199999999", "N")
    assert client.get(f"/portal/case/{number}/")["Location"] == f"/portal/track/?number={number}"
    outcomes = list(
        AuditRecord.objects.filter(action="public.track").values_list("outcome", flat=True)
    )
    assert outcomes == ["failed", "failed"]


def test_code_form_field_errors(portal, client):
    response = client.post("/portal/track/", {"number": "", "code": "12ab"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写案件编号。" in html and "查询码为 6 位数字。" in html


def test_case_page_without_proof_redirects_like_an_unknown_number(portal, client):
    number, _code = reported()
    known = client.get(f"/portal/case/{number}/")
    unknown = client.get("/portal/case/SJ99010199999999/")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == f"/portal/track/?number={number}"
    assert unknown["Location"] == "/portal/track/?number=SJ99010199999999"


def test_timeline_never_shows_staff_names_or_internal_notes(portal):
    number, code = reported()
    case = Case.objects.get(number=number)
    world = portal
    world.village.user.full_name = "赵村干部"
    world.village.user.save()
    act(world.village, case, "accept", note="内部备注：邻居张某有前科")
    act(world.village, case, "feedback", note="已安排电工李师傅处理")
    client = Client()
    client.post("/portal/track/", {"number": number, "code": code})
    html = client.get(f"/portal/case/{number}/").content.decode()
    assert "区划990101001001已受理" in html
    assert "区划990101001001已办理完毕，等待现场核查" in html
    for secret in ("内部备注", "张某", "李师傅", "赵村干部", world.village.user.username, "用户"):
        assert secret not in html


def test_grants_expire_after_thirty_minutes(portal, monkeypatch):
    number, code = reported()
    client = Client()
    client.post("/portal/track/", {"number": number, "code": code})
    assert client.get(f"/portal/case/{number}/").status_code == 200
    later = time.time() + access.GRANT_SECONDS + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(f"/portal/case/{number}/").status_code == 302


def test_a_forged_grant_cookie_is_ignored(portal):
    number, _code = reported()
    client = Client()
    client.cookies[access.COOKIE] = json.dumps({"c": {number: 9999999999}})
    assert client.get(f"/portal/case/{number}/").status_code == 302


# --- phone + SMS one-time code ------------------------------------------------------------
def ask_code(client: Client, phone: str):
    return client.post("/portal/track/phone/", {"phone": phone})


def sent_code(phone: str = PHONE) -> str:
    row = Notification.objects.filter(topic="public.otp", phone_hash=phone_hash(phone)).latest("id")
    return re.search(r"验证码为 (\d{6})", row.body).group(1)


def enter(client: Client, code: str):
    return client.post("/portal/track/verify/", {"code": code})


def test_otp_lists_only_that_phones_cases(portal):
    mine = [reported()[0], reported(description="第二件事")[0]]
    theirs, _ = reported(phone=OTHER_PHONE)
    client = Client()
    response = ask_code(client, "138-1234-5678")
    assert (response.status_code, response["Location"]) == (302, "/portal/track/verify/")
    sms = Notification.objects.get(topic="public.otp", phone_hash=phone_hash(PHONE))
    assert (sms.channel, sms.phone, sms.status) == ("sms", PHONE, "pending")
    assert "5 分钟内有效" in sms.body
    challenge = OtpChallenge.objects.get()
    assert sent_code() not in challenge.code_hash and len(challenge.code_hash) == 64
    response = enter(client, sent_code())
    assert (response.status_code, response["Location"]) == (302, "/portal/mine/")
    html = client.get("/portal/mine/").content.decode()
    assert all(number in html for number in mine) and theirs not in html
    assert client.get(f"/portal/case/{mine[0]}/").status_code == 200
    assert client.get(f"/portal/case/{theirs}/").status_code == 302
    # The code is spent once used.
    assert enter(client, sent_code()).status_code == 302
    assert client.get("/portal/track/verify/")["Location"] == "/portal/track/#phone"


def test_wrong_otp_is_refused_and_counted(portal):
    reported()
    client = Client()
    ask_code(client, PHONE)
    response = enter(client, other(sent_code()))
    assert response.status_code == 400 and WRONG_OTP in response.content.decode()
    assert OtpChallenge.objects.get().attempts == 1
    assert client.get("/portal/mine/")["Location"] == "/portal/track/#phone"
    assert AuditRecord.objects.filter(action="public.otp_verify", outcome="failed").count() == 1


def test_expired_otp_fails_like_a_wrong_one(portal):
    reported()
    client = Client()
    ask_code(client, PHONE)
    code = sent_code()
    challenge = OtpChallenge.objects.get()
    OtpChallenge.objects.filter(pk=challenge.pk).update(expires_at=challenge.created_at)
    response = enter(client, code)
    assert response.status_code == 400 and WRONG_OTP in response.content.decode()


def test_otp_attempts_run_out_even_for_the_right_code(portal):
    reported()
    client = Client()
    ask_code(client, PHONE)
    code = sent_code()
    answers = [enter(client, other(code)).content.decode() for _ in range(MAX_ATTEMPTS)]
    assert all(WRONG_OTP in a for a in answers[:-1]) and SPENT_OTP in answers[-1]
    response = enter(client, code)
    assert response.status_code == 400 and SPENT_OTP in response.content.decode()
    assert OtpChallenge.objects.get().attempts == MAX_ATTEMPTS


def test_a_new_code_replaces_the_old_one(portal):
    reported()
    client = Client()
    ask_code(client, PHONE)
    first_code, first = sent_code(), OtpChallenge.objects.get()
    ask_code(client, PHONE)
    assert not otp_verify(token=first.token, code=first_code).ok
    assert enter(client, sent_code()).status_code == 302


def test_unknown_phone_gets_the_same_answer_and_no_sms(portal):
    reported()
    known, unknown = Client(), Client()
    a = ask_code(known, PHONE)
    b = ask_code(unknown, OTHER_PHONE)
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    assert sorted(a.cookies) == sorted(b.cookies)
    skipped = Notification.objects.get(topic="public.otp", phone_hash=phone_hash(OTHER_PHONE))
    assert skipped.status == "skipped" and "******" in skipped.body
    assert not re.search(r"\d{6}", skipped.body)
    response = enter(unknown, "123456")
    assert response.status_code == 400 and WRONG_OTP in response.content.decode()
    wrong = enter(known, other(sent_code()))
    assert without_token(wrong.content.decode()) == without_token(response.content.decode())


def test_phone_form_field_error(portal, client):
    response = ask_code(client, "12345")
    assert response.status_code == 400 and "请填写11位手机号码。" in response.content.decode()
    assert not OtpChallenge.objects.exists() and not Notification.objects.exists()


def test_leave_forgets_every_proof(portal):
    number, code = reported()
    client = Client()
    client.post("/portal/track/", {"number": number, "code": code})
    assert client.get(f"/portal/case/{number}/").status_code == 200
    assert client.post("/portal/track/leave/")["Location"] == "/portal/"
    assert client.get(f"/portal/case/{number}/").status_code == 302


def test_track_forms_need_the_csrf_token(portal):
    number, code = reported()
    client = Client(enforce_csrf_checks=True)
    client.get("/portal/track/")
    assert client.post("/portal/track/", {"number": number, "code": code}).status_code == 403
    assert client.post("/portal/track/phone/", {"phone": PHONE}).status_code == 403
    assert not OtpChallenge.objects.exists()
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/portal/track/", {"number": number, "code": code, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
