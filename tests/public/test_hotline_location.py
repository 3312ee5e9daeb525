"""Hotline calls without a map point: located by the chosen grid, by address, or only by the
receiving unit; and everything downstream of such a case (case page, map, hints, Open311,
timeline, export). A grid worker's report still needs its point."""

import io

import orjson
import pytest
from openpyxl import load_workbook

from pingan.audit.models import AuditRecord
from pingan.events.duplicates import duplicate_candidates
from pingan.flow.models import Case
from pingan.notify.models import Notification
from pingan.public.models import PublicReport
from pingan.regions.models import Region
from pingan.registry.models import House
from tests.accounts.factories import sign_in
from tests.flow.factories import (
    G1,
    G2,
    G3,
    IN_G1,
    TOWN,
    VILLAGE,
    VILLAGE2,
    api_client,
    report,
)
from tests.public.open311_support import BASE, PUBLIC_SERVICE
from tests.public.test_hotline_page import PAGE, call_data

NO_POINT = {"lng": "", "lat": "", "address": ""}
NOTHING_LOCATES = "没有地图点位或网格，请选择接收单位。"
ADDRESS_NOT_FOUND = "未能按地址找到所在网格，请在地图上点选位置。"


def register(client, **over):
    """POST one call from a freshly loaded form; the case registered (or the 400 response)."""
    response = client.post(PAGE, call_data(client, **{**NO_POINT, **over}))
    if response.status_code != 200:
        return response
    return Case.objects.select_related("event").get(
        number=response.context["result"]["case"].number
    )


def where(case: Case) -> tuple:
    e = case.event
    return (case.region_code, case.holder_code, e.grid_code, e.outside_grid, e.lng, e.lat)


def nothing_saved() -> bool:
    return not (
        Case.objects.exists()
        or PublicReport.objects.exists()
        or Notification.objects.exists()
        or AuditRecord.objects.filter(action="case.report").exists()
    )


@pytest.fixture
def house(world):
    return House.objects.create(address="示范村三组12号", region_code=G2, lng=102.715, lat=25.005)


@pytest.fixture
def named_village(world):
    Region.objects.filter(code=VILLAGE).update(name="东街社区")


# --- the four routes -----------------------------------------------------------------------


def test_point_route_is_unchanged(client, world):
    sign_in(client, world.town)
    case = register(client, lng=str(IN_G1[0]), lat=str(IN_G1[1]), address="示范村三组 12 号")
    assert where(case) == (G1, VILLAGE, G1, False, IN_G1[0], IN_G1[1])
    assert case.event.address == "示范村三组 12 号"


def test_a_point_wins_over_the_chosen_grid_and_the_address(client, world, house):
    sign_in(client, world.town)
    case = register(client, lng=str(IN_G1[0]), lat=str(IN_G1[1]), grid=G2, address=house.address)
    assert where(case) == (G1, VILLAGE, G1, False, IN_G1[0], IN_G1[1])


def test_grid_route_goes_to_the_grids_village_without_a_point(client, world):
    sign_in(client, world.town)
    case = register(client, grid=G2, address="三组李家门口")
    assert where(case) == (G2, VILLAGE, G2, False, None, None)
    assert (case.event.address, case.event.reporter_kind) == ("三组李家门口", "hotline")
    assert PublicReport.objects.get(case=case).channel == "hotline"
    record = AuditRecord.objects.get(action="case.report", object_id=case.number)
    assert (record.detail["holder"], record.detail["outside_grid"]) == (VILLAGE, False)


def test_grid_route_keeps_the_receiving_unit_rule(client, world):
    sign_in(client, world.county)
    case = register(client, grid=G2, unit=TOWN)
    assert where(case) == (G2, TOWN, G2, False, None, None)
    response = register(client, grid=G2, unit=VILLAGE2)
    assert response.status_code == 400
    assert response.context["errors"] == {"unit": [f"事件位于网格 {G2}，接收单位应为其上级单位。"]}
    assert Case.objects.count() == 1


def test_an_unknown_grid_is_an_error_shown_above_the_form(client, world):
    sign_in(client, world.town)
    for code in ("990101001001009", VILLAGE):
        response = register(client, grid=code, unit=TOWN)
        assert response.status_code == 400
        assert response.context["errors"] == {"grid": ["网格不存在，请重新选择。"]}
        assert "网格不存在，请重新选择。" in response.content.decode()
    assert nothing_saved()


def test_address_of_a_registry_house_gives_its_grid(client, world, house):
    sign_in(client, world.town)
    case = register(client, address="示范村 三组１２号")
    # The grid comes from the house; no point is invented (the map shows no marker).
    assert where(case) == (G2, VILLAGE, G2, False, None, None)
    assert case.event.address == "示范村 三组１２号"


def test_address_naming_a_village_sends_the_case_there_flagged_outside_grid(
    client, world, named_village
):
    sign_in(client, world.town)
    case = register(client, address="东街社区菜市场门口")
    assert where(case) == (VILLAGE, VILLAGE, "", True, None, None)
    # The operator's own choice of unit wins over a village found by its name.
    case = register(client, address="东街社区菜市场门口", unit=TOWN)
    assert where(case) == (TOWN, TOWN, "", True, None, None)


def test_address_resolution_is_limited_to_the_operators_scope(client, world, house):
    # The house lies in town 1: town 2's operator does not find it, so must pick a unit.
    sign_in(client, world.town2)
    response = register(client, address=house.address)
    assert response.status_code == 400
    assert response.context["errors"] == {
        "address": [ADDRESS_NOT_FOUND],
        "unit": [NOTHING_LOCATES],
    }
    assert nothing_saved()


def test_unit_only_when_nothing_else_locates_the_call(client, world):
    sign_in(client, world.town)
    case = register(client, address="火星基地", unit=TOWN)
    assert where(case) == (TOWN, TOWN, "", True, None, None)
    assert case.event.address == "火星基地"
    case = register(client, unit=VILLAGE2)  # no address at all: a unit is enough
    assert where(case) == (VILLAGE2, VILLAGE2, "", True, None, None)


def test_nothing_locates_the_call_gives_chinese_field_errors_and_saves_nothing(client, world):
    sign_in(client, world.town)
    response = register(client)
    assert response.status_code == 400
    assert response.context["errors"] == {"unit": [NOTHING_LOCATES]}
    response = client.post(
        PAGE,
        call_data(client, **{**NO_POINT, "address": "火星基地", "category": "", "description": ""}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response.context["errors"] == {
        "category": ["请选择有效的事件类别。"],
        "description": ["请填写事件描述。"],
        "address": [ADDRESS_NOT_FOUND],
        "unit": [NOTHING_LOCATES],
    }
    html = response.content.decode()
    assert NOTHING_LOCATES in html and ADDRESS_NOT_FOUND in html
    assert response.context["values"]["address"] == "火星基地"
    assert nothing_saved()


def test_an_unlocated_call_sent_twice_registers_once(client, world):
    sign_in(client, world.county)
    data = call_data(client, **NO_POINT, grid=G1)
    first = client.post(PAGE, data)
    again = client.post(PAGE, data, HTTP_HX_REQUEST="true")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.context["result"]["created"] is False
    assert again.context["result"]["case"].number == first.context["result"]["case"].number
    assert (Case.objects.count(), PublicReport.objects.count()) == (1, 1)
    assert Notification.objects.filter(topic="public.received").count() == 1


def test_the_grid_picker_is_sent_with_the_call_form(client, world):
    sign_in(client, world.town)
    html = client.get(PAGE).content.decode()
    assert '<select id="f-grid" name="grid" form="call-form">' in html
    assert '<form id="call-form"' in html
    # A refused full-page POST keeps the chosen grid selected.
    response = client.post(PAGE, call_data(client, **NO_POINT, grid=G2, description=""))
    assert response.status_code == 400
    assert f'<option value="{G2}" selected>' in response.content.decode()


# --- the staff API: only hotline calls may lack a point ------------------------------------

URL = "/api/v1/events/"
BODY = {"category": "0204", "description": "两户因排水沟堵塞发生争执", "address": "示范村三组"}
POINT_MISSING = {"lng": ["请提供事件位置（经纬度）。"], "lat": ["请提供事件位置（经纬度）。"]}


def test_a_grid_workers_report_without_a_point_is_still_a_field_error(world):
    client = api_client(world.grid_worker)
    response = client.post(URL, {**BODY, "unit": VILLAGE}, format="json")
    assert (response.status_code, response.json()) == (400, POINT_MISSING)
    response = client.post(URL, {**BODY, "reporter_kind": "hotline"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "reporter_kind": ["只有网格员岗位上报的事件来源为“网格员”。"],
        **POINT_MISSING,
    }
    assert not Case.objects.exists()


def test_other_staff_reports_still_need_a_point_unless_they_are_hotline_calls(world):
    for actor in (world.village, world.town):
        response = api_client(actor).post(URL, {**BODY, "unit": VILLAGE}, format="json")
        assert (response.status_code, response.json()) == (400, POINT_MISSING)
    client = api_client(world.town)
    response = client.post(URL, {**BODY, "reporter_kind": "hotline"}, format="json")
    assert (response.status_code, response.json()) == (400, {"unit": [NOTHING_LOCATES]})
    # Half a point is still an error, not "no point".
    response = client.post(URL, {**BODY, "reporter_kind": "hotline", "lat": 25.0}, format="json")
    assert response.json() == {"lng": ["请提供事件位置（经纬度）。"]}
    assert not Case.objects.exists()
    response = client.post(URL, {**BODY, "reporter_kind": "hotline", "unit": TOWN}, format="json")
    assert response.status_code == 201
    assert (response.json()["holder"], response.json()["outside_grid"]) == (TOWN, True)
    case = Case.objects.get(number=response.json()["number"])
    assert (case.event.lng, case.event.lat, case.event.reporter_kind) == (None, None, "hotline")


# --- downstream: a case without a point ----------------------------------------------------


@pytest.fixture
def unlocated(client, world):
    """An unlocated call in G1 (chosen grid) and one known only by its unit (town 1)."""
    sign_in(client, world.town)
    in_grid = register(client, grid=G1, category=PUBLIC_SERVICE, address="示范路 5 号")
    by_unit = register(client, unit=TOWN, address="火星基地", description="外地来电反映噪音扰民")
    return in_grid, by_unit


def test_case_page_shows_no_point_without_crashing(client, world, unlocated):
    for case in unlocated:
        response = client.get(f"/command/cases/{case.number}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert (
            '<span class="muted" id="no-point">未标注地图点位（按网格、地址或接收单位确定）</span>'
            in html
        )
        assert "None" not in html
    _in_grid, by_unit = unlocated
    assert "网格外" in client.get(f"/command/cases/{by_unit.number}/").content.decode()


def test_the_map_leaves_out_cases_without_a_point(client, world, unlocated):
    located = register(client, lng=str(IN_G1[0]), lat=str(IN_G1[1]))
    response = client.get("/command/map/events.geojson?box=all")
    assert response.status_code == 200
    data = orjson.loads(response.content)
    assert [f["properties"]["number"] for f in data["features"]] == [located.number]


def test_case_api_and_timeline_of_an_unlocated_case(world, unlocated):
    in_grid, _by_unit = unlocated
    body = api_client(world.town).get(f"/api/v1/cases/{in_grid.number}/").json()
    assert [(e["action"], e["label"]) for e in body["timeline"]] == [("report", "上报")]
    detail = body["detail"]
    assert (detail["lng"], detail["lat"], detail["grid_code"], detail["outside_grid"]) == (
        None,
        None,
        G1,
        False,
    )


def test_export_lists_unlocated_cases(client, world, unlocated):
    response = client.get("/command/export.xlsx?box=all")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[2:]) == sorted(c.number for c in unlocated)


def test_open311_shows_the_address_and_no_coordinates(client, world, unlocated):
    in_grid, _by_unit = unlocated
    response = client.get(f"{BASE}requests/{in_grid.number}.json")
    assert response.status_code == 200
    row = orjson.loads(response.content)[0]
    assert (row["service_request_id"], row["address"], row["lat"], row["long"]) == (
        in_grid.number,
        "示范路 5 号",
        None,
        None,
    )
    xml = client.get(f"{BASE}requests/{in_grid.number}.xml").content.decode()
    assert "<lat /><long />" in xml


def test_duplicates_at_acceptance_use_the_grid_or_the_unit(world, unlocated):
    in_grid, by_unit = unlocated
    near = report(world.grid_worker, description="小区门口的路灯不亮了")
    assert [c.case.number for c in duplicate_candidates(world.village, in_grid)] == [near.number]
    # Known only by its unit (the town): candidates are looked for in the whole town.
    by_unit.event.description = "小区门口路灯不亮"
    by_unit.event.save(update_fields=["description"])
    found = [c.case.number for c in duplicate_candidates(world.town, by_unit)]
    assert sorted(found) == sorted([near.number, in_grid.number])


# --- duplicate hints without a point -------------------------------------------------------

HINT_TEXT = "小区门口路灯不亮"


@pytest.fixture
def similar(world):
    return report(world.grid_worker, description="小区门口的路灯不亮了")


def hint_numbers(client, **params) -> list[str]:
    response = client.get("/hotline/hints/", {"description": HINT_TEXT, **params})
    assert response.status_code == 200
    return [h.case.number for h in response.context["hints"]]


def test_hints_use_the_chosen_grid_or_the_address(client, world, similar, house, named_village):
    sign_in(client, world.town)
    assert hint_numbers(client, grid=G2) == [similar.number]  # G2 neighbours G1
    assert hint_numbers(client, address=house.address) == [similar.number]
    assert hint_numbers(client, address="东街社区菜市场") == [similar.number]
    assert hint_numbers(client, grid=G3) == []  # another town's grid
    assert hint_numbers(client, address="火星基地") == []
    response = client.get("/hotline/hints/", {"description": HINT_TEXT, "address": "火星基地"})
    assert "点选位置（或选择网格、填写地址）" in response.content.decode()


def test_hints_of_a_grid_outside_the_operators_scope_are_empty(client, world, similar):
    sign_in(client, world.town2)
    assert hint_numbers(client, grid=G1) == []
