"""The event loop end to end through the API, and every side path."""

import datetime as dt

import pytest
from django.utils.dateparse import parse_datetime

from pingan.flow.models import Case, CaseAssist, Supervision
from tests.flow.factories import G1, TOWN, VILLAGE, api_client

pytestmark = pytest.mark.django_db


def post_event(actor, **extra):
    body = {
        "category": "0204",
        "description": "两户因排水沟堵塞发生争执",
        "lat": 25.005,
        "lng": 102.705,
        "address": "示范村三组",
        **extra,
    }
    return api_client(actor).post("/api/v1/events/", body, format="json")


def do(actor, number, action, expect=200, **params):
    body = {"action": action, "note": params.pop("note", "已办理"), **params}
    response = api_client(actor).post(f"/api/v1/cases/{number}/actions/", body, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def history(number):
    return list(Case.objects.get(number=number).actions.values_list("action", flat=True))


def test_happy_loop_grid_village_town_department_verify_close_callback(world):
    w = world
    created = post_event(w.grid_worker, idempotency_key="k-1")
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["holder"] == VILLAGE
    assert do(w.village, number, "accept")["state"] == "handling"
    body = do(w.village, number, "escalate")
    assert (body["state"], body["holder"]["code"]) == ("pending_accept", TOWN)
    assert do(w.town, number, "accept")["state"] == "handling"
    body = do(w.town, number, "dispatch", department=w.police_code)
    assert (body["state"], body["holder"]["code"]) == ("pending_accept", w.police_code)
    assert do(w.police, number, "accept")["state"] == "handling"
    body = do(w.police, number, "feedback", note="已疏通排水沟")
    assert (body["state"], body["holder"]["code"]) == ("verifying", G1)
    body = do(w.grid_worker, number, "verify_pass")
    assert (body["state"], body["holder"]["code"]) == ("pending_close", TOWN)
    body = do(w.town, number, "close")
    assert body["state"] == "closed" and body["closed_at"] is not None
    body = do(w.town, number, "callback", satisfaction="satisfied")
    assert body["state"] == "archived" and body["satisfaction"] == "satisfied"
    assert body["available_actions"] == [
        {"code": "reopen", "label": "重新办理", "note_required": True, "needs_approval": False}
    ]
    assert history(number) == [
        "report",
        "accept",
        "escalate",
        "accept",
        "dispatch",
        "accept",
        "feedback",
        "verify_pass",
        "close",
        "callback",
    ]
    timeline = body["timeline"]
    assert [e["seq"] for e in timeline] == list(range(1, 11))
    assert timeline[4]["to_holder"]["name"] == "区划990101001公安"
    assert timeline[6]["note"] == "已疏通排水沟"


def test_grid_worker_handles_on_the_spot(world):
    number = post_event(world.grid_worker).json()["number"]
    body = do(world.grid_worker, number, "handle_locally", note="当场劝解，双方和好")
    assert (body["state"], body["holder"]["code"]) == ("closed", VILLAGE)
    body = do(world.village, number, "callback", satisfaction="basically_satisfied")
    assert body["state"] == "archived"


def test_village_handles_locally(world):
    number = post_event(world.grid_worker).json()["number"]
    do(world.village, number, "accept")
    assert do(world.village, number, "handle_locally", note="村调委会调解成功")["state"] == "closed"


def test_town_handles_itself_then_grid_worker_verifies(world):
    number = post_event(world.grid_worker).json()["number"]
    do(world.village, number, "escalate")
    do(world.town, number, "accept")
    assert do(world.town, number, "feedback", note="综治中心协调解决")["holder"]["code"] == G1
    do(world.grid_worker, number, "verify_pass")
    assert do(world.town, number, "close")["state"] == "closed"


def test_county_dispatch_with_assist_and_assist_feedback(world):
    w = world
    number = post_event(w.grid_worker, urgency="high").json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "escalate")
    do(w.county, number, "accept")
    body = do(w.county, number, "dispatch", department=w.zhujian_code, assist=[w.huanbao_code])
    assert body["assists"][0]["unit"]["code"] == w.huanbao_code
    assert body["assists"][0]["due_at"] is not None
    # The 协办 unit sees the case in its assisting box and feeds back its part.
    listing = api_client(w.huanbao).get("/api/v1/cases/?inbox=assisting").json()
    assert [row["number"] for row in listing["results"]] == [number]
    body = do(w.huanbao, number, "feedback", note="已完成水质检测")
    assert body["state"] == "pending_accept" and body["assists"][0]["done_at"] is not None
    assert api_client(w.huanbao).get("/api/v1/cases/?inbox=assisting").json()["count"] == 0
    # Still visible to the assist unit afterwards (it assisted).
    assert api_client(w.huanbao).get(f"/api/v1/cases/{number}/").status_code == 200
    do(w.zhujian, number, "accept")
    do(w.zhujian, number, "feedback", note="已维修")
    do(w.grid_worker, number, "verify_pass")
    assert do(w.county, number, "close")["state"] == "closed"


def test_add_assist_later(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    body = do(w.town, number, "add_assist", units=[w.police_code])
    assert [a["unit"]["code"] for a in body["assists"]] == [w.police_code]
    errors = do(w.town, number, "add_assist", expect=400, units=[w.police_code])
    assert errors == {"units": [f"{w.police_code} 已是协办单位。"]}


def test_department_returns_upwards_and_town_approves_by_accepting(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code)
    errors = do(w.police, number, "return", expect=400, note="")
    assert errors == {"note": ["请填写意见或原因。"]}
    body = do(w.police, number, "return", note="不属于公安职责")
    assert (body["state"], body["holder"]["code"], body["is_returned"]) == (
        "pending_accept",
        TOWN,
        True,
    )
    assert body["timeline"][-1]["payload"]["needs_approval"] is True
    # The town decides: taking it back approves the return; then re-dispatches elsewhere.
    body = do(w.town, number, "accept")
    assert body["is_returned"] is False
    body = do(w.town, number, "dispatch", department=w.sifa_code)
    assert body["holder"]["code"] == w.sifa_code
    errors = do(w.sifa, number, "transfer", expect=400, unit=w.zhujian_code, note="x")
    assert errors == {"unit": ["只能转办给同级的其他职能部门。"]}


def test_town_rejects_a_return_by_sending_it_back_down(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code)
    do(w.police, number, "return", note="不属于公安职责")
    body = do(w.town, number, "return", note="属于治安纠纷，请公安办理")
    assert (body["state"], body["holder"]["code"]) == ("handling", w.police_code)


def test_town_returns_escalation_down_to_village_with_reason(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    body = do(w.town, number, "return", note="村里可自行调解")
    assert (body["state"], body["holder"]["code"]) == ("handling", VILLAGE)
    assert body["timeline"][-1]["payload"]["direction"] == "down"


def test_assign_down_then_village_handles(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    body = do(w.town, number, "assign", unit=VILLAGE)
    assert (body["state"], body["holder"]["code"]) == ("pending_accept", VILLAGE)
    do(w.village, number, "accept")
    assert do(w.village, number, "feedback", note="已调解")["holder"]["code"] == G1
    do(w.grid_worker, number, "verify_pass")
    # The town assigned it, so the town remains the command unit and closes.
    assert do(w.town, number, "close")["state"] == "closed"


def test_transfer_between_departments(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    for actor, action in ((w.village, "escalate"), (w.town, "escalate"), (w.county, "accept")):
        do(actor, number, action)
    do(w.county, number, "dispatch", department=w.zhujian_code)
    body = do(w.zhujian, number, "transfer", unit=w.huanbao_code, note="属于环保")
    assert (body["state"], body["holder"]["code"]) == ("pending_accept", w.huanbao_code)
    errors = do(w.huanbao, number, "transfer", expect=400, unit=w.police_code, note="x")
    assert errors == {"unit": ["只能转办给同级的其他职能部门。"]}


def test_extension_request_approve_and_deny(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code)
    body = do(w.police, number, "accept")
    old_due = body["due_at"]
    wanted = (parse_datetime(old_due) + dt.timedelta(days=3)).isoformat()
    errors = do(w.police, number, "request_extension", expect=400, due_at="2000-01-01T00:00:00Z")
    assert errors == {"due_at": ["申请的期限必须晚于当前期限。"]}
    body = do(w.police, number, "request_extension", due_at=wanted, note="需等待鉴定结果")
    assert body["pending_extension"]["due_at"] == wanted
    assert body["due_at"] == old_due
    # The approver is the town that dispatched it; it sees the request in its todo box.
    todo = api_client(w.town).get("/api/v1/cases/?inbox=todo").json()
    assert [r["number"] for r in todo["results"]] == [number]
    codes = [
        a["code"]
        for a in api_client(w.town).get(f"/api/v1/cases/{number}/").json()["available_actions"]
    ]
    assert {"approve_extension", "deny_extension"} <= set(codes)
    body = do(w.town, number, "deny_extension", note="理由不充分")
    assert body["pending_extension"] is None and body["due_at"] == old_due
    too_far = (parse_datetime(old_due) + dt.timedelta(days=181)).isoformat()
    errors = do(w.police, number, "request_extension", expect=400, due_at=too_far, note="x")
    assert errors == {"due_at": ["一次延期不能超过 180 天。"]}
    do(w.police, number, "request_extension", due_at=wanted, note="鉴定")
    body = do(w.town, number, "approve_extension")
    assert body["due_at"] == wanted
    assert body["pending_extension"] is None


def test_suspend_and_resume(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code)
    do(w.police, number, "accept")
    body = do(w.town, number, "suspend", note="等待法院判决")
    assert body["state"] == "suspended" and body["clock"]["paused"] is True
    assert do(w.police, number, "feedback", expect=409, note="x")["allowed_actions"] == []
    body = do(w.town, number, "resume")
    assert (body["state"], body["clock"]["paused"]) == ("handling", False)
    assert body["holder"]["code"] == w.police_code


def test_failed_verification_reworks_then_passes(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code)
    do(w.police, number, "accept")
    do(w.police, number, "feedback", note="已处理")
    body = do(w.grid_worker, number, "verify_fail", note="现场仍有积水")
    assert (body["state"], body["holder"]["code"], body["rework_count"]) == (
        "handling",
        w.police_code,
        1,
    )
    do(w.police, number, "feedback", note="重新疏通")
    do(w.grid_worker, number, "verify_pass")
    assert do(w.town, number, "close")["state"] == "closed"


def test_unsatisfied_callback_reopens(world, settings):
    w = world
    settings.PINGAN_REOPEN_ON_UNSATISFIED = True
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "accept")
    do(w.village, number, "feedback", note="已调解")
    do(w.grid_worker, number, "verify_pass")
    do(w.village, number, "close")
    body = do(w.village, number, "callback", satisfaction="unsatisfied", note="群众仍有意见")
    assert (body["state"], body["holder"]["code"], body["reopen_count"]) == ("handling", VILLAGE, 1)
    assert body["closed_at"] is None and body["due_at"] is not None


def test_unsatisfied_callback_archives_when_setting_off(world, settings):
    w = world
    settings.PINGAN_REOPEN_ON_UNSATISFIED = False
    number = post_event(w.grid_worker).json()["number"]
    do(w.grid_worker, number, "handle_locally", note="当场处置")
    body = do(w.village, number, "callback", satisfaction="unsatisfied")
    assert (body["state"], body["reopen_count"]) == ("archived", 0)
    body = do(w.town, number, "reopen", note="上级要求重新办理")
    assert (body["state"], body["holder"]["code"]) == ("handling", VILLAGE)


def test_supervise_instruct_mark_urgent_by_higher_levels(world, settings):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code)
    body = do(w.county, number, "supervise", level="yellow", note="请尽快办理")
    assert body["supervision_level"] == "yellow"
    assert body["supervisions"][0]["penalty_points"] == 5
    assert body["supervisions"][0]["target"]["code"] == w.police_code
    supervised = api_client(w.county).get("/api/v1/cases/?inbox=supervised").json()
    assert [r["number"] for r in supervised["results"]] == [number]
    # The town is above its police station too: it may instruct and mark urgent.
    do(w.town, number, "instruct", note="注意方式方法")
    assert do(w.county, number, "mark_urgent")["is_urgent"] is True
    # The supervised unit's next action counts as its response.
    do(w.police, number, "accept")
    row = Supervision.objects.get(case__number=number)
    assert row.responded_at is not None and row.response_seq == 8
    # A lower unit may not supervise.
    assert (
        "supervise"
        not in do(w.village, number, "supervise", expect=409, level="red", note="x")[
            "allowed_actions"
        ]
    )


def test_assists_carry_their_own_clock(world):
    w = world
    number = post_event(w.grid_worker).json()["number"]
    do(w.village, number, "escalate")
    do(w.town, number, "accept")
    do(w.town, number, "dispatch", department=w.police_code, assist=[VILLAGE])
    assist = CaseAssist.objects.get(case__number=number)
    assert assist.clock_kind == "handle" and assist.due_at is not None
