"""Reporting events: categories, point → grid, outside every grid, idempotency, bad input."""

import pytest

from pingan.events.models import EventCategory, EventDetail
from pingan.flow.models import Case
from tests.flow.factories import G1, IN_G1, IN_G3, OUTSIDE, TOWN, VILLAGE, api_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/events/"


def body(**extra):
    data = {
        "category": "0204",
        "description": "两户因排水沟堵塞发生争执",
        "lng": IN_G1[0],
        "lat": IN_G1[1],
        "address": "示范村三组",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_categories_are_seeded_from_the_reference(world):
    response = api_client(world.grid_worker).get("/api/v1/events/categories/")
    assert response.status_code == 200
    rows = response.json()
    top = [r["name"] for r in rows if r["parent"] is None]
    assert top == [
        "民生服务",
        "矛盾劝解",
        "参与治安防控",
        "参与特殊人群服务管理",
        "社情民意收集",
        "政策法规宣传",
        "突发事件报告",
        "其它",
    ]
    assert {"code": "0204", "name": "邻里纠纷", "parent": "02"} in rows
    assert len([r for r in rows if r["parent"] == "02"]) == 28
    assert len([r for r in rows if r["parent"] == "01"]) == 12
    EventCategory.objects.filter(code="0204").update(active=False)
    codes = [
        r["code"] for r in api_client(world.grid_worker).get("/api/v1/events/categories/").json()
    ]
    assert "0204" not in codes


def test_report_inside_a_grid_goes_to_its_village(world):
    response = api_client(world.grid_worker).post(URL, body(urgency="medium"), format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["holder"], data["state"], data["outside_grid"], data["created"]) == (
        VILLAGE,
        "pending_accept",
        False,
        True,
    )
    case = Case.objects.get(number=data["number"])
    assert (case.region_code, case.urgency, case.category_code) == (G1, "medium", "0204")
    detail = case.event
    assert (detail.grid_code, detail.reporter_kind, detail.reporter) == (
        G1,
        "grid_worker",
        world.grid_worker.user,
    )
    assert case.title == "邻里纠纷：两户因排水沟堵塞发生争执"


def test_operator_may_land_a_hotline_report_at_its_own_centre(world):
    response = api_client(world.town).post(
        URL, body(unit=TOWN, reporter_kind="hotline"), format="json"
    )
    assert response.status_code == 201
    case = Case.objects.get(number=response.json()["number"])
    assert (case.holder_code, case.region_code, case.event.reporter_kind) == (TOWN, G1, "hotline")


def test_outside_every_grid_needs_a_unit_and_is_flagged(world):
    client = api_client(world.town)
    point = {"lng": OUTSIDE[0], "lat": OUTSIDE[1]}
    response = client.post(URL, body(**point), format="json")
    assert response.status_code == 400
    assert response.json() == {"unit": ["该位置不在任何网格内，请选择接收单位。"]}
    response = client.post(URL, body(**point, unit=VILLAGE), format="json")
    assert response.status_code == 201 and response.json()["outside_grid"] is True
    case = Case.objects.get(number=response.json()["number"])
    assert (case.region_code, case.holder_code, case.event.grid_code) == (VILLAGE, VILLAGE, "")


def test_unit_must_fit_the_grid(world):
    response = api_client(world.town).post(URL, body(unit="990101002"), format="json")
    assert response.status_code == 400
    assert response.json() == {"unit": [f"事件位于网格 {G1}，接收单位应为其上级单位。"]}
    response = api_client(world.town).post(URL, body(unit=G1), format="json")
    assert response.json() == {"unit": ["接收单位应为村（社区）、乡镇（街道）或县级单位。"]}


def test_same_idempotency_key_returns_the_same_case(world):
    client = api_client(world.grid_worker)
    first = client.post(URL, body(idempotency_key="pwa-1"), format="json")
    again = client.post(URL, body(idempotency_key="pwa-1", description="重复提交"), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["created"] is False
    assert Case.objects.count() == 1 and EventDetail.objects.count() == 1
    # Keys are per reporter: another grid worker's identical key is another event.
    other = api_client(world.grid_worker2).post(URL, body(idempotency_key="pwa-1"), format="json")
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]


def test_missing_location_and_bad_fields_are_field_errors(world):
    client = api_client(world.grid_worker)
    response = client.post(URL, body(lng=None, lat=None), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "lng": ["请提供事件位置（经纬度）。"],
        "lat": ["请提供事件位置（经纬度）。"],
    }
    response = client.post(
        URL,
        body(category="9999", description="  ", lat=123, idempotency_key="bad key!"),
        format="json",
    )
    errors = response.json()
    assert errors["category"] == ["请选择有效的事件类别。"]
    assert errors["description"] == ["请填写事件描述。"]
    assert errors["lat"] == ["应在 -90 到 90 之间。"]
    assert errors["idempotency_key"] == ["幂等键应为 1–64 位字母、数字或 _.:- 。"]
    response = client.post(URL, body(reporter_kind="hotline"), format="json")
    assert response.json() == {"reporter_kind": ["只有网格员岗位上报的事件来源为“网格员”。"]}
    assert Case.objects.count() == 0


def test_report_outside_own_county_is_refused(world):
    from pingan.accounts.roles import Role
    from tests.factories import make_actor

    other_county = make_actor(Role.COUNTY_OPERATOR, "990102")
    response = api_client(other_county).post(URL, body(), format="json")
    assert response.status_code == 400
    assert response.json() == {"lng": ["事件位置不在本县范围内。"]}


def test_roles_that_may_not_report(world):
    for actor in (world.leader, world.police):
        response = api_client(actor).post(URL, body(), format="json")
        assert response.status_code == 403
    assert Case.objects.count() == 0


def test_neighbour_grid_report_is_visible_to_its_reporter(world):
    response = api_client(world.grid_worker).post(
        URL, body(lng=IN_G3[0], lat=IN_G3[1]), format="json"
    )
    assert response.status_code == 201
    number = response.json()["number"]
    assert api_client(world.grid_worker).get(f"/api/v1/cases/{number}/").status_code == 200
    assert api_client(world.town).get(f"/api/v1/cases/{number}/").status_code == 404
