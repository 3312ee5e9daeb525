"""Open311 servicerequestupdates, POST: a citizen's comment from the client system that
posted the case — stored and shown to staff, idempotent per client update_id, reopening a
closed case within the window, refused for other clients' cases and bad input."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from pingan.audit.models import AuditRecord
from pingan.events.duplicates import case_merge
from pingan.flow.models import Case, CaseAction
from pingan.notify.models import Notification
from pingan.public.models import Open311Update, PublicChannel
from pingan.public.open311.services import open311_client_revoke
from pingan.public.services import public_report_submit
from tests.flow.factories import COUNTY, IN_G1, VILLAGE, act, api_client, at, frozen
from tests.public.open311_support import BASE, body, errors_xml, issue_key, post, tags, xml
from tests.web.factories import sign_in

REPORTED = at(2026, 11, 19, 9, 0)
NOW = at(2026, 11, 20, 10, 0)
CLIENT_TIME = "2026-11-20T09:58:00+08:00"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def issued(world):
    return issue_key()


@pytest.fixture
def key(issued):
    return issued[1]


def posted_case(client, key: str, **fields) -> Case:
    with frozen(REPORTED):
        response = post(client, key, "json", phone="13812345678", **fields)
    return Case.objects.get(number=body(response)[0]["service_request_id"])


def comment(client, key, case: Case | str, fmt="xml", moment=NOW, **fields):
    data = {
        "service_request_id": case if isinstance(case, str) else case.number,
        "update_id": "fms-101",
        "updated_datetime": CLIENT_TIME,
        "status": "OPEN",
        "description": "路灯还是不亮，晚上很黑",
        **fields,
    }
    if key is not None:
        data["api_key"] = key
    data = {k: v for k, v in data.items() if v is not None}
    with frozen(moment):
        return client.post(f"{BASE}servicerequestupdates.{fmt}", data)


def close_on_the_spot(world, case: Case, moment=NOW) -> Case:
    with frozen(moment):
        act(world.village, case, "accept")
        return act(world.village, case, "handle_locally", note="已更换灯泡")


def snapshot(case: Case) -> tuple:
    fresh = Case.objects.get(pk=case.pk)
    return (fresh.state, fresh.version, fresh.reopen_count, fresh.actions.count())


def staff_timeline(world, case: Case) -> list[dict]:
    data = api_client(world.village).get(f"/api/v1/cases/{case.number}/").json()
    return data["timeline"]


def test_a_comment_is_stored_and_shown_to_staff_only(world, client, issued, key):
    open311_client, _key = issued
    case = posted_case(client, key)
    before = snapshot(case)
    response = comment(
        client,
        key,
        case,
        first_name="四",
        last_name="李",
        email="li@example.com",
        media_url=["https://img.example.com/2.jpg", "https://img.example.com/3.jpg"],
    )
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_request_updates"
    (update,) = root
    assert update.tag == "request_update" and tags(update) == ["update_id"]
    stored = Open311Update.objects.get()
    assert update.findtext("update_id") == f"{case.number}-C{stored.pk}"
    assert (stored.client, stored.update_id, stored.case, stored.status, stored.outcome) == (
        open311_client,
        "fms-101",
        case,
        "OPEN",
        "noted",
    )
    assert (stored.description, stored.name, stored.email) == (
        "路灯还是不亮，晚上很黑",
        "李四",
        "li@example.com",
    )
    assert stored.media_urls == ["https://img.example.com/2.jpg", "https://img.example.com/3.jpg"]
    assert (stored.created_at, stored.client_datetime) == (NOW, at(2026, 11, 20, 9, 58))
    assert snapshot(case) == before  # an open case: only the comment
    audit = AuditRecord.objects.get(action="open311.update")
    assert (audit.outcome, audit.object_id, audit.actor_username) == (
        "ok",
        case.number,
        f"open311:{open311_client.key_prefix}",
    )
    assert (audit.detail["update_id"], audit.detail["outcome"], audit.detail["media"]) == (
        "fms-101",
        "noted",
        2,
    )
    assert "李四" not in str(audit.detail) and "li@example.com" not in str(audit.detail)
    (entry,) = [e for e in staff_timeline(world, case) if e["action"] == "open311_comment"]
    assert (entry["kind"], entry["label"], entry["actor"], entry["note"]) == (
        "record",
        "群众留言",
        "群众",
        "路灯还是不亮，晚上很黑",
    )
    assert entry["summary"] == "经第三方平台提交，附 2 个图片链接"
    # Never in the public answers.
    with frozen(NOW):
        feed = client.get(f"{BASE}servicerequestupdates.json", {"api_key": key}).content
        request = client.get(f"{BASE}requests/{case.number}.json", {"extensions": "true"}).content
    for text in (feed.decode(), request.decode()):
        assert "晚上很黑" not in text and "李四" not in text and "img.example.com/2" not in text


def test_json_answer_and_the_same_update_id_twice_is_one_comment(world, client, key):
    case = posted_case(client, key)
    first = comment(client, key, case, "json")
    again = comment(client, key, case, "json", moment=at(2026, 11, 20, 10, 5), description="改")
    assert first.status_code == again.status_code == 200
    assert (
        body(first)
        == body(again)
        == [{"update_id": f"{case.number}-C{Open311Update.objects.get().pk}"}]
    )
    assert Open311Update.objects.get().description == "路灯还是不亮，晚上很黑"
    assert AuditRecord.objects.filter(action="open311.update").count() == 1
    # Another update_id is another comment.
    assert comment(client, key, case, "json", update_id="fms-102").status_code == 200
    assert Open311Update.objects.count() == 2


def test_an_update_id_used_for_another_case_is_400(world, client, key):
    case = posted_case(client, key)
    other = posted_case(client, key)
    assert comment(client, key, case).status_code == 200
    response = comment(client, key, other, "json")
    assert response.status_code == 400
    assert body(response) == [
        {"code": 400, "description": "update_id fms-101 已用于另一条诉求，请换一个编号。"}
    ]
    assert Open311Update.objects.get().case == case


def test_status_open_on_a_closed_case_reopens_it_once(
    world, client, key, django_capture_on_commit_callbacks
):
    case = close_on_the_spot(world, posted_case(client, key), at(2026, 11, 19, 15, 0))
    assert case.state == "closed"
    with django_capture_on_commit_callbacks(execute=True):
        response = comment(client, key, case, "json")
    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.state, case.reopen_count, case.holder_code, case.closed_at) == (
        "handling",
        1,
        VILLAGE,
        None,
    )
    row = case.actions.order_by("-seq").first()
    assert (row.action, row.actor, row.role, row.note, row.created_at) == (
        "reopen",
        None,
        "citizen",
        "路灯还是不亮，晚上很黑",
        NOW,
    )
    assert row.payload["channel"] == "open311"
    stored = Open311Update.objects.get()
    assert (stored.outcome, stored.reopen_seq) == ("reopened", row.seq)
    assert AuditRecord.objects.get(action="case.reopen").actor_username == "public:open311"
    # The reporter hears about it like any public step; the unit gets the case back.
    assert Notification.objects.filter(topic="public.step", case_number=case.number).exists()
    # The feed shows the reopening to every client of the region.
    with frozen(NOW):
        feed = body(client.get(f"{BASE}servicerequestupdates.json", {"api_key": key}))
    assert (feed[-1]["update_id"], feed[-1]["status"], feed[-1]["description"]) == (
        f"{case.number}-{row.seq}",
        "reopen",
        "重新办理",
    )
    (entry,) = [e for e in staff_timeline(world, case) if e["action"] == "open311_comment"]
    assert entry["summary"] == "经第三方平台提交，申请重新办理：已重新办理"
    # Sent again (a lost answer): nothing more happens.
    before = snapshot(case)
    assert body(comment(client, key, case, "json")) == body(response)
    assert snapshot(case) == before and Open311Update.objects.count() == 1


def test_reopen_status_is_accepted_in_any_case(world, client, key):
    case = close_on_the_spot(world, posted_case(client, key), at(2026, 11, 19, 15, 0))
    assert comment(client, key, case, status="reopen").status_code == 200
    assert Case.objects.get(pk=case.pk).state == "handling"


def test_after_the_window_the_comment_is_kept_and_the_case_stays_closed(
    world, client, key, settings
):
    settings.PINGAN_PUBLIC_REOPEN_DAYS = 15
    case = close_on_the_spot(world, posted_case(client, key), at(2026, 11, 1, 9, 0))
    before = snapshot(case)
    late = at(2026, 11, 16, 9, 1)
    assert comment(client, key, case, moment=late).status_code == 200
    assert snapshot(case) == before
    assert Open311Update.objects.get().outcome == "reopen_expired"
    (entry,) = [e for e in staff_timeline(world, case) if e["action"] == "open311_comment"]
    assert entry["summary"] == "经第三方平台提交，申请重新办理：超过重新办理期限，未重新办理"


def test_closed_status_never_closes_a_case(world, client, key):
    case = posted_case(client, key)
    before = snapshot(case)
    assert comment(client, key, case, status="CLOSED", description="已经修好了").status_code == 200
    assert snapshot(case) == before
    stored = Open311Update.objects.get()
    assert (stored.status, stored.outcome) == ("CLOSED", "noted")
    (entry,) = [e for e in staff_timeline(world, case) if e["action"] == "open311_comment"]
    assert entry["summary"] == "经第三方平台提交，表示问题已解决"


def test_a_merged_duplicate_is_not_reopened_and_its_comments_reach_the_parent(world, client, key):
    parent = posted_case(client, key)
    child = posted_case(client, key)
    case_merge(actor=world.village, case=Case.objects.get(pk=child.pk), into=parent)
    before = snapshot(child), snapshot(parent)
    assert comment(client, key, child).status_code == 200
    assert (snapshot(child), snapshot(parent)) == before
    assert Open311Update.objects.get().outcome == "reopen_merged"
    (entry,) = [e for e in staff_timeline(world, parent) if e["action"] == "open311_comment"]
    assert entry["summary"] == (
        f"经第三方平台提交（重复诉求 {child.number} 的提交人），"
        "申请重新办理：已合并办理，未单独重新办理"
    )
    assert entry["payload"]["case"] == child.number


def test_only_cases_the_same_client_posted_may_be_updated(world, client, key):
    mine = posted_case(client, key)
    _other_client, other_key = issue_key(name="另一系统")
    theirs = posted_case(client, other_key)
    with frozen(REPORTED):
        portal, _report, _code = public_report_submit(
            channel=PublicChannel.PORTAL,
            county=COUNTY,
            data={"category": "0112", "description": "路灯", "lng": IN_G1[0], "lat": IN_G1[1]},
            phone="13900000000",
        )
    before = [snapshot(c) for c in (mine, theirs, portal)]
    for number in (theirs.number, portal.number, "SJ000"):
        response = comment(client, key, number, "json")
        assert response.status_code == 404
        assert body(response) == [
            {"code": 404, "description": f"service_request_id {number} 不存在。"}
        ]
    assert [snapshot(c) for c in (mine, theirs, portal)] == before
    assert not Open311Update.objects.exists()
    failed = AuditRecord.objects.filter(action="open311.update", outcome="failed")
    assert [r.detail["status"] for r in failed] == [404, 404, 404]
    # A lower-case number of its own case is found.
    assert comment(client, key, mine.number.lower()).status_code == 200


@pytest.mark.parametrize(
    ("make_key", "reason", "description"),
    [
        (lambda key: None, "missing_key", "缺少 api_key，无法提交留言。"),
        (lambda key: key + "x", "invalid_key", "api_key 无效，无法提交留言。"),
    ],
)
def test_missing_or_wrong_key_is_403_and_audited(world, client, key, make_key, reason, description):
    case = close_on_the_spot(world, posted_case(client, key), at(2026, 11, 19, 15, 0))
    before = snapshot(case)
    response = comment(client, make_key(key), case)
    assert response.status_code == 403
    assert errors_xml(response) == [("403", description)]
    assert snapshot(case) == before and not Open311Update.objects.exists()
    audit = AuditRecord.objects.get(action="open311.denied")
    assert (audit.outcome, audit.detail["reason"]) == ("denied", reason)


def test_a_revoked_key_is_403(world, client, issued, key):
    case = posted_case(client, key)
    open311_client_revoke(actor=None, client=issued[0])
    response = comment(client, key, case, "json")
    assert response.status_code == 403
    assert body(response) == [{"code": 403, "description": "api_key 已停用，无法提交留言。"}]
    assert not Open311Update.objects.exists()


def test_every_problem_is_reported_together_and_nothing_saved(world, client, key):
    case = close_on_the_spot(world, posted_case(client, key), at(2026, 11, 19, 15, 0))
    before = snapshot(case)
    response = comment(
        client,
        key,
        case,
        "json",
        update_id="u" * 101,
        updated_datetime="2026-11-20 09:58",
        status="SOLVED",
        description="长" * 2001,
        email="nope",
        media_url="ftp://x/y.jpg",
    )
    assert response.status_code == 400
    assert body(response) == [
        {"code": 400, "description": "update_id 不能超过 100 字。"},
        {
            "code": 400,
            "description": (
                "updated_datetime 应为带时区的 W3C 日期时间，例如 2026-03-01T00:00:00+08:00 或 …Z。"
            ),
        },
        {
            "code": 400,
            "description": (
                "status 应为 OPEN 或 CLOSED（也接受 FixMyStreet 扩展状态，如 REOPEN、FIXED）。"
            ),
        },
        {"code": 400, "description": "description 不能超过 2000 字。"},
        {"code": 400, "description": "email 格式不正确。"},
        {"code": 400, "description": "media_url 应为 http(s) 网址：ftp://x/y.jpg"},
    ]
    missing = comment(
        client,
        key,
        case,
        service_request_id="",
        update_id="",
        updated_datetime="",
        status="",
        description=" ",
    )
    assert errors_xml(missing) == [
        ("400", f"{name} 为必填项。")
        for name in ("service_request_id", "update_id", "updated_datetime", "status", "description")
    ]
    no_offset = comment(client, key, case, "json", updated_datetime="2026-11-20T09:58:00")
    assert no_offset.status_code == 400
    assert snapshot(case) == before and not Open311Update.objects.exists()
    failed = AuditRecord.objects.filter(action="open311.update", outcome="failed")
    assert failed.count() == 3


def test_posts_need_no_csrf_token_and_share_the_key_budget(world, key, settings, monkeypatch):
    strict = Client(enforce_csrf_checks=True)
    case = posted_case(strict, key)
    settings.PINGAN_OPEN311_POST_PER_MINUTE = 2
    monkeypatch.setattr("pingan.public.open311.ratelimit.now", lambda: 9_000_015.0)
    codes = [comment(strict, key, case, update_id=f"u{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert Open311Update.objects.count() == 2
    assert post(strict, key, "json").status_code == 429  # requests and updates together


def test_wrong_jurisdiction_is_404_and_audited(world, client, key):
    case = posted_case(client, key)
    response = comment(client, key, case, "json", jurisdiction_id="sfgov.org")
    assert response.status_code == 404
    assert not Open311Update.objects.exists()
    assert AuditRecord.objects.get(action="open311.request", outcome="failed").detail["path"] == (
        "/open311/v2/servicerequestupdates.json"
    )


def test_history_rows_are_untouched_by_a_plain_comment(world, client, key):
    case = posted_case(client, key)
    rows = list(CaseAction.objects.filter(case=case).values_list("seq", "action"))
    comment(client, key, case, status="IN_PROGRESS")
    assert list(CaseAction.objects.filter(case=case).values_list("seq", "action")) == rows
    assert Open311Update.objects.get().outcome == "noted"


def test_the_staff_case_page_shows_the_comment(world, client, key):
    case = posted_case(client, key)
    comment(client, key, case, description="门口积水也没人管")
    staff = Client()
    sign_in(staff, world.village)
    page = staff.get(f"/command/cases/{case.number}/").content.decode()
    assert 'data-action="open311_comment"' in page
    assert "群众留言" in page and "门口积水也没人管" in page and "经第三方平台提交" in page


def test_the_holding_unit_is_told_of_a_comment_once(
    world, client, key, django_capture_on_commit_callbacks
):
    case = posted_case(client, key)
    for _attempt in range(2):  # the resend of the same update_id tells nobody again
        with django_capture_on_commit_callbacks(execute=True):
            assert comment(client, key, case).status_code == 200
    alerts = Notification.objects.filter(topic="case.citizen_comment")
    assert [(n.user, n.channel, n.case_number) for n in alerts] == [
        (world.village.user, "inapp", case.number)
    ]
    (alert,) = alerts
    assert alert.subject == f"案件 {case.number} 有群众留言"
    assert alert.body.endswith("留言：路灯还是不亮，晚上很黑")
    assert alert.link == f"/command/cases/{case.number}/"
