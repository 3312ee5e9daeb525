"""Cases API: list with filters and constant queries, detail, action errors."""

import pytest

from pingan.flow.models import Case
from tests.flow.factories import IN_G3, act, api_client, report

pytestmark = pytest.mark.django_db


def test_list_is_scoped_paginated_and_filtered(world):
    w = world
    a = act(w.village, report(w.grid_worker), "escalate")
    b = report(w.grid_worker, urgency="high")
    report(w.town2, point=IN_G3)
    client = api_client(w.town)
    body = client.get("/api/v1/cases/").json()
    assert body["count"] == 2
    assert {r["number"] for r in body["results"]} == {a.number, b.number}
    row = next(r for r in body["results"] if r["number"] == a.number)
    assert row["holder"] == {"code": "990101001", "kind": "region", "name": "区划990101001"}
    assert (row["state"], row["state_label"], row["case_type"]) == (
        "pending_accept",
        "待受理",
        "event",
    )
    todo = client.get("/api/v1/cases/?inbox=todo").json()
    assert [r["number"] for r in todo["results"]] == [a.number]
    by_state = client.get("/api/v1/cases/?state=pending_accept&region=990101001001001").json()
    assert by_state["count"] == 2
    assert client.get("/api/v1/cases/?case_type=petition").json()["count"] == 0
    assert client.get("/api/v1/cases/?created_after=2099-01-01T00:00:00Z").json()["count"] == 0
    paged = client.get("/api/v1/cases/?limit=1").json()
    assert (paged["count"], len(paged["results"])) == (2, 1)


def test_list_rejects_bad_filters_with_field_errors(world):
    client = api_client(world.town)
    body = client.get("/api/v1/cases/?inbox=everything&region=abc").json()
    assert set(body) == {"inbox", "region"}
    assert body["region"] == ["区划编码应为 2–18 位数字。"]
    body = client.get(
        "/api/v1/cases/?created_after=2026-02-01T00:00:00Z&created_before=2026-01-01T00:00:00Z"
    )
    assert body.status_code == 400
    assert body.json() == {"created_before": ["结束时间不能早于开始时间。"]}


def test_list_query_count_is_constant(world, django_assert_max_num_queries):
    w = world
    client = api_client(w.county)
    report(w.grid_worker)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/api/v1/cases/?inbox=all").status_code == 200
    for _ in range(15):
        case = report(w.grid_worker)
        act(w.village, case, "escalate")
    report(w.town2, point=IN_G3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/v1/cases/?inbox=all").json()
    assert body["count"] == 17


def test_detail_has_state_holder_due_actions_and_timeline(world):
    case = act(world.village, report(world.grid_worker), "accept")
    body = api_client(world.village).get(f"/api/v1/cases/{case.number}/").json()
    assert body["number"] == case.number
    assert (body["state"], body["holder"]["code"]) == ("handling", "990101001001")
    assert body["due_at"] is not None and body["clock"]["kind"] == "handle"
    assert [a["code"] for a in body["available_actions"]] == [
        "handle_locally",
        "escalate",
        "assign",
        "transfer",
        "add_assist",
        "request_extension",
        "suspend",
        "feedback",
    ]
    assert [(e["seq"], e["action"], e["label"]) for e in body["timeline"]] == [
        (1, "report", "上报"),
        (2, "accept", "受理"),
    ]
    assert body["detail"]["category"] == "0204"
    assert body["detail"]["grid_code"] == "990101001001001"
    assert body["command"]["code"] == "990101001001"


def test_not_visible_is_404_like_missing(world):
    case = report(world.town2, point=IN_G3)
    client = api_client(world.town)
    assert client.get(f"/api/v1/cases/{case.number}/").status_code == 404
    assert client.get("/api/v1/cases/SJ000000000000000000/").status_code == 404
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/", {"action": "accept"}, format="json"
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).state == "pending_accept"


def test_action_not_allowed_now_is_409_with_allowed_actions(world):
    case = report(world.grid_worker)
    response = api_client(world.village).post(
        f"/api/v1/cases/{case.number}/actions/", {"action": "close"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "当前状态（待受理）下不能执行该操作。",
        "code": "not_allowed",
        "state": "pending_accept",
        "allowed_actions": ["accept", "handle_locally", "escalate", "transfer"],
    }


def test_unknown_action_code_is_a_field_error(world):
    case = report(world.grid_worker)
    response = api_client(world.village).post(
        f"/api/v1/cases/{case.number}/actions/", {"action": "teleport"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"action"}


def test_stale_version_is_409_conflict(world):
    case = report(world.grid_worker)
    client = api_client(world.village)
    url = f"/api/v1/cases/{case.number}/actions/"
    assert client.post(url, {"action": "accept", "version": 1}, format="json").status_code == 200
    response = client.post(url, {"action": "escalate", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["state"] == "handling"
    assert Case.objects.get(pk=case.pk).version == 2


def test_leader_is_read_only(world):
    case = report(world.grid_worker)
    client = api_client(world.leader)
    assert client.get(f"/api/v1/cases/{case.number}/").json()["available_actions"] == []
    response = client.post(
        f"/api/v1/cases/{case.number}/actions/",
        {"action": "supervise", "level": "red", "note": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).version == 1


def test_anonymous_gets_401(world):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/cases/").status_code == 401


def test_bad_parameter_is_400_and_changes_nothing(world):
    w = world
    case = act(w.town, act(w.village, report(w.grid_worker), "escalate"), "accept")
    response = api_client(w.town).post(
        f"/api/v1/cases/{case.number}/actions/",
        {"action": "supervise", "level": "purple", "note": "x"},
        format="json",
    )
    assert response.status_code == 409  # the town holds it: 督办 is for higher levels
    response = api_client(w.county).post(
        f"/api/v1/cases/{case.number}/actions/",
        {"action": "supervise", "level": "purple", "note": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "level": ["请选择以下之一：normal（普通督办）、yellow（黄牌督办）、red（红牌督办）。"]
    }
    assert Case.objects.get(pk=case.pk).supervision_level == ""
