"""What each SMS command does: query, rating, unsubscribe, reports, help, rate limits."""

import pytest

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case, CaseAction
from pingan.notify.models import Notification, SmsOptOut, Status
from pingan.public.models import PublicReport
from pingan.public.sms.models import SmsInbound
from tests.flow.factories import COUNTY, G1, IN_G1, OUTSIDE, VILLAGE, act, at, frozen
from tests.public.sms_helpers import (
    OTHER_PHONE,
    PHONE,
    SMS_SECRET,
    close,
    portal_case,
    reply_to,
    send_sms,
)

REPORT = "示范村三组路口的路灯坏了一个月"
HELP = (
    "【平安建设】请直接发送您要反映的问题（不少于5个字，请写明地点）。"
    "查询进展：CX 编号；评价：PJ 编号 1、2或3（1满意 2基本满意 3不满意）；退订：TD。"
)
NOON = at(2026, 11, 2, 12, 0)


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.PINGAN_SMS_INBOUND_SECRET = SMS_SECRET
    settings.PINGAN_SMS_COUNTY = ""
    settings.PINGAN_SMS_DEFAULT_CATEGORY = "08"
    settings.PINGAN_SMS_LIMIT_REPORTS = "3/1h"
    settings.PINGAN_SMS_LIMIT_MESSAGES = "20/1h"


def not_found(number: str) -> str:
    return (
        f"【平安建设】未查到编号 {number} 的办理信息，请核对编号。"
        "非本机反映的问题请发送：CX 编号 查询码。"
    )


# --- reports ------------------------------------------------------------------------------
def test_text_becomes_a_case_and_the_reply_carries_number_and_code(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send_sms(client, REPORT, gateway_id="gw-r1", lng=IN_G1[0], lat=IN_G1[1])
    assert response.json()["outcome"] == "case"
    report = PublicReport.objects.select_related("case").get()
    case = report.case
    assert (report.channel, report.phone, report.wants_updates) == ("sms", PHONE, True)
    assert (case.region_code, case.holder_code, case.state) == (G1, VILLAGE, "pending_accept")
    assert case.event.reporter_kind == "sms"
    assert (case.event.category_id, case.event.description) == ("08", REPORT)
    sms = Notification.objects.get(channel="sms")
    assert sms.topic == "public.received" and sms.phone == PHONE and sms.status == Status.SENT
    code = sms.body.split("查询码 ")[1][:6]
    assert sms.body == (
        f"【平安建设】您反映的问题已登记，编号 {case.number}，查询码 {code}。"
        "可在 http://127.0.0.1:8000/portal/track/ 查询进展。"
    )
    row = SmsInbound.objects.get()
    assert (row.case, row.reply_key) == (case, f"public.received:{case.number}")
    audit = AuditRecord.objects.get(action="case.report")
    assert audit.actor_username == "public:sms"
    # The case is in the loop: the village accepts it and the reporter hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        act(world.village, case, "accept")
    step = Notification.objects.get(topic="public.step")
    assert step.phone == PHONE and step.status == Status.SENT


def test_text_without_location_goes_to_the_county_centre_flagged(client, world):
    send_sms(client, REPORT)
    case = Case.objects.get()
    assert (case.holder_code, case.event.outside_grid, case.event.lng) == (COUNTY, True, None)


def test_cell_location_outside_every_grid_keeps_the_point_at_the_county(client, world):
    send_sms(client, REPORT, lng=OUTSIDE[0], lat=OUTSIDE[1])
    case = Case.objects.get()
    assert (case.holder_code, case.event.outside_grid) == (COUNTY, True)
    assert (case.event.lng, case.event.lat) == OUTSIDE


def test_cell_location_in_another_county_is_dropped(client, world, settings):
    from tests.factories import RegionFactory, region_chain, square

    other = region_chain("990102001001")
    RegionFactory(code="990102001001001", parent=other, geometry=square(103.0, 25.0))
    settings.PINGAN_SMS_COUNTY = COUNTY
    send_sms(client, REPORT, lng=103.005, lat=25.005)
    case = Case.objects.get()
    assert (case.region_code, case.holder_code, case.event.lng) == (COUNTY, COUNTY, None)


@pytest.mark.parametrize("text", ["路灯坏了", "", "你好", "CX", "PJ 1"])
def test_short_or_malformed_texts_get_help_and_no_case(client, world, text):
    response = send_sms(client, text, gateway_id="gw-h")
    assert response.json()["outcome"] == "helped"
    assert reply_to("gw-h").body == HELP
    assert not Case.objects.exists()


def test_reports_per_phone_are_rate_limited_with_a_polite_reply(client, world):
    for n in range(3):
        assert send_sms(client, f"{REPORT}{n}").json()["outcome"] == "case"
    response = send_sms(client, REPORT, gateway_id="gw-flood")
    assert response.json()["outcome"] == "limited"
    assert reply_to("gw-flood").body == (
        "【平安建设】您短时间内反映的问题较多，本条未登记，请稍后再发送。紧急情况请拨打 110。"
    )
    assert Case.objects.count() == 3
    # Another phone is not affected; queries from the limited phone still work.
    assert send_sms(client, REPORT, phone=OTHER_PHONE).json()["outcome"] == "case"
    assert send_sms(client, "TD").json()["outcome"] == "unsubscribed"


def test_message_flood_is_recorded_but_not_answered(client, world, settings):
    settings.PINGAN_SMS_LIMIT_MESSAGES = "2/1h"
    send_sms(client, "TD")
    send_sms(client, "DY")
    response = send_sms(client, REPORT, gateway_id="gw-loop")
    assert response.status_code == 200
    assert response.json()["outcome"] == "silenced"
    row = SmsInbound.objects.get(gateway_id="gw-loop")
    assert (row.case, row.reply_key) == (None, "")
    assert Notification.objects.filter(channel="sms").count() == 2
    assert not Case.objects.exists()


# --- queries ------------------------------------------------------------------------------
def test_query_from_the_reporters_phone_answers_the_latest_public_step(client, world):
    with frozen(NOON):
        case, _code = portal_case()
    with frozen(at(2026, 11, 3, 9, 0)):
        act(world.village, case, "accept")
    response = send_sms(client, f"cx {case.number.lower()}", gateway_id="gw-q")
    assert response.json()["outcome"] == "answered"
    reply = reply_to("gw-q")
    assert reply.body == (
        f"【平安建设】您反映的问题 {case.number}（邻里纠纷）正在办理。"
        "最新进展：11月3日 区划990101001001已受理。"
    )
    assert (reply.phone, reply.case_number, reply.topic) == (PHONE, case.number, "public.reply")


def test_query_by_digits_only_resolves_the_number(client, world):
    with frozen(NOON):
        case, _code = portal_case()
    send_sms(client, f"CX {case.number[2:]}", gateway_id="gw-d")
    assert reply_to("gw-d").body == (
        f"【平安建设】您反映的问题 {case.number}（邻里纠纷）已登记，等待受理。"
        "最新进展：11月2日 已登记，转区划990101001001受理。"
    )


def test_query_from_another_phone_is_answered_like_an_unknown_number(client, world):
    case, _code = portal_case()
    send_sms(client, f"CX {case.number}", phone=OTHER_PHONE, gateway_id="gw-other")
    unknown_number = case.number[:-5] + "99999"
    send_sms(client, f"CX {unknown_number}", phone=OTHER_PHONE, gateway_id="gw-unknown")
    other, unknown = reply_to("gw-other"), reply_to("gw-unknown")
    assert other.body == not_found(case.number)
    assert unknown.body == not_found(unknown_number)
    assert other.body.replace(case.number, "N") == unknown.body.replace(unknown_number, "N")
    assert (other.case_number, unknown.case_number) == ("", "")
    rows = dict(SmsInbound.objects.values_list("gateway_id", "outcome"))
    assert rows == {"gw-other": "not_found", "gw-unknown": "not_found"}


def test_query_with_the_code_works_from_any_phone(client, world):
    with frozen(NOON):
        case, code = portal_case()
    send_sms(client, f"CX {case.number} {code}", phone=OTHER_PHONE, gateway_id="gw-code")
    assert reply_to("gw-code").body.startswith(
        f"【平安建设】您反映的问题 {case.number}（邻里纠纷）"
    )
    wrong = "000000" if code != "000000" else "111111"
    send_sms(client, f"CX {case.number} {wrong}", phone=OTHER_PHONE, gateway_id="gw-wrong")
    assert reply_to("gw-wrong").body == not_found(case.number)
    # A wrong code is wrong from the reporter's own phone too (no fallback to the phone).
    send_sms(client, f"CX {case.number} {wrong}", gateway_id="gw-own-wrong")
    assert reply_to("gw-own-wrong").body == not_found(case.number)


def test_query_reply_goes_to_an_opted_out_phone(client, world, django_capture_on_commit_callbacks):
    case, _code = portal_case()
    with django_capture_on_commit_callbacks(execute=True):
        send_sms(client, "TD")
        send_sms(client, f"CX {case.number}", gateway_id="gw-q")
    assert reply_to("gw-q").status == Status.SENT


def test_closed_case_query_invites_a_rating(client, world):
    with frozen(NOON):
        case, _code = portal_case()
        case = close(world, case)
    with frozen(at(2026, 11, 3, 9, 0)):
        send_sms(client, f"CX {case.number}", gateway_id="gw-closed")
    assert reply_to("gw-closed").body == (
        f"【平安建设】您反映的问题 {case.number}（邻里纠纷）已办结。最新进展：11月2日 已办结。"
        f"回复 PJ {case.number} 1、2或3 评价（1满意 2基本满意 3不满意）。"
    )


# --- unsubscribe --------------------------------------------------------------------------
def test_unsubscribe_skips_later_progress_sms_and_resubscribe_restores_it(
    client, world, django_capture_on_commit_callbacks
):
    case, _code = portal_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = send_sms(client, "ＴＤ", gateway_id="gw-td")
    assert response.json() == {
        "id": "gw-td",
        "status": "processed",
        "command": "unsubscribe",
        "outcome": "unsubscribed",
    }
    assert SmsOptOut.objects.count() == 1
    confirm = reply_to("gw-td")
    assert confirm.status == Status.SENT
    assert confirm.body == (
        "【平安建设】您已退订办理进展短信，您主动查询的答复和验证码不受影响。回复 DY 可恢复接收。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = act(world.village, case, "accept")
    step = Notification.objects.get(topic="public.step")
    assert (step.status, step.last_error) == (Status.SKIPPED, "opted out")

    with django_capture_on_commit_callbacks(execute=True):
        send_sms(client, "订阅", gateway_id="gw-dy")
    assert not SmsOptOut.objects.exists()
    assert reply_to("gw-dy").body == "【平安建设】您已恢复接收办理进展短信。回复 TD 退订。"
    with django_capture_on_commit_callbacks(execute=True):
        act(world.village, case, "feedback")
    latest = Notification.objects.filter(topic="public.step").order_by("-id").first()
    assert latest.status == Status.SENT


def test_unsubscribe_of_another_phone_changes_nothing_for_the_reporter(client, world):
    portal_case()
    send_sms(client, "TD", phone=OTHER_PHONE)
    assert SmsOptOut.objects.count() == 1
    from pingan.core.phones import phone_hash

    assert not SmsOptOut.objects.filter(phone_hash=phone_hash(PHONE)).exists()


# --- rating -------------------------------------------------------------------------------
def test_reporter_rates_a_closed_case(client, world):
    case, _code = portal_case()
    case = close(world, case)
    response = send_sms(client, f"PJ {case.number} 1", gateway_id="gw-pj")
    assert response.json()["outcome"] == "rated"
    case.refresh_from_db()
    assert (case.satisfaction, case.state) == ("satisfied", "archived")
    row = CaseAction.objects.filter(case=case).order_by("-seq").first()
    assert (row.action, row.actor_id, row.role) == ("callback", None, "citizen")
    assert row.payload["channel"] == "sms"
    assert reply_to("gw-pj").body == f"【平安建设】感谢您对问题 {case.number} 的评价（满意）。"
    # Rated once: a second rating is refused.
    send_sms(client, f"PJ {case.number} 3", gateway_id="gw-pj2")
    assert reply_to("gw-pj2").body == (
        f"【平安建设】问题 {case.number} 现在不能评价：办结后 15 天内可评价一次。"
    )
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"


def test_unsatisfied_rating_reopens_the_case(client, world):
    case, _code = portal_case()
    case = close(world, case)
    send_sms(client, f"PJ {case.number} 3", gateway_id="gw-pj")
    case.refresh_from_db()
    assert (case.satisfaction, case.state, case.reopen_count) == ("unsatisfied", "handling", 1)
    assert reply_to("gw-pj").body == (
        f"【平安建设】感谢您对问题 {case.number} 的评价（不满意）。"
        "该问题将重新办理，我们会告知您进展。"
    )


def test_rating_from_another_phone_is_refused_like_an_unknown_number(client, world):
    case, _code = portal_case()
    case = close(world, case)
    before = list(CaseAction.objects.filter(case=case).values_list("seq", flat=True))
    send_sms(client, f"PJ {case.number} 3", phone=OTHER_PHONE, gateway_id="gw-pj")
    assert reply_to("gw-pj").body == not_found(case.number)
    case.refresh_from_db()
    assert (case.satisfaction, case.state) == ("", "closed")
    assert list(CaseAction.objects.filter(case=case).values_list("seq", flat=True)) == before


def test_rating_before_closure_is_refused(client, world):
    case, _code = portal_case()
    send_sms(client, f"PJ {case.number} 1", gateway_id="gw-pj")
    assert reply_to("gw-pj").body == (
        f"【平安建设】问题 {case.number} 现在不能评价：办结后 15 天内可评价一次。"
    )
    case.refresh_from_db()
    assert (case.satisfaction, case.state) == ("", "pending_accept")


def test_rating_after_the_window_is_refused(client, world):
    with frozen(at(2026, 11, 2, 9, 0)):
        case, _code = portal_case()
        case = close(world, case)
    with frozen(at(2026, 11, 20, 9, 0)):
        send_sms(client, f"PJ {case.number} 1", gateway_id="gw-late")
    assert SmsInbound.objects.get().outcome == "not_rated"
    case.refresh_from_db()
    assert case.satisfaction == ""


def test_merged_case_is_followed_through_its_parent(client, world):
    from pingan.events.duplicates import case_merge

    with frozen(NOON):
        parent, _code = portal_case(phone=OTHER_PHONE)
        child, _code2 = portal_case()
        case_merge(actor=world.village, case=Case.objects.get(pk=child.pk), into=parent)
    with frozen(at(2026, 11, 3, 9, 0)):
        act(world.village, parent, "accept")
    send_sms(client, f"CX {child.number}", gateway_id="gw-m")
    assert reply_to("gw-m").body == (
        f"【平安建设】您反映的问题 {child.number}（邻里纠纷）已与 {parent.number} 合并办理，"
        "正在办理。最新进展：11月3日 区划990101001001已受理。"
    )
