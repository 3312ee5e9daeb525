"""Excel export, the map data and the supervision board."""

import io

import orjson
import pytest
from openpyxl import load_workbook

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from tests.accounts.factories import sign_in
from tests.flow.factories import IN_G1, act

pytestmark = pytest.mark.django_db


def test_export_is_the_filtered_list_with_exporter_row_and_audit(client, world, cases):
    world.town.user.full_name = "王操作员"
    world.town.user.save()
    sign_in(client, world.town)
    response = client.get("/command/export.xlsx?box=all")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：王操作员（") and "导出时间：" in rows[0][0]
    assert rows[1][:5] == ("编号", "类别", "标题", "当前承办单位", "状态")
    assert sorted(r[0] for r in rows[2:]) == sorted([cases.mine.number, cases.village.number])
    mine = next(r for r in rows[2:] if r[0] == cases.mine.number)
    assert mine[1] == "邻里纠纷" and mine[4] == "待受理" and mine[8] == "正常"
    record = AuditRecord.objects.get(action="cases.export")
    assert record.actor_id == world.town.user.pk
    assert record.detail["rows"] == 2 and record.detail["box"] == "all"
    # The todo box exports only the town's own case.
    todo = load_workbook(io.BytesIO(client.get("/command/export.xlsx").content)).active
    assert [r[0] for r in todo.iter_rows(min_row=3, values_only=True)] == [cases.mine.number]


def test_map_json_is_scoped_open_and_coloured(client, world, cases):
    act(world.town, cases.mine, "accept")
    Case.objects.filter(pk=cases.mine.pk).update(is_overdue=True)
    closed = act(world.grid_worker, cases.village, "handle_locally", note="当场处置")
    assert closed.state == "closed"
    sign_in(client, world.town)
    response = client.get("/command/map/events.geojson")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    data = orjson.loads(response.content)
    assert [f["properties"]["number"] for f in data["features"]] == [cases.mine.number]
    feature = data["features"][0]
    assert feature["geometry"]["coordinates"] == [IN_G1[0], IN_G1[1]]
    assert feature["properties"]["light"] == "red"
    assert feature["properties"]["url"] == f"/command/cases/{cases.mine.number}/"
    assert data["truncated"] is False
    client.logout()
    sign_in(client, world.town2)
    data = orjson.loads(client.get("/command/map/events.geojson").content)
    assert [f["properties"]["number"] for f in data["features"]] == [cases.neighbour.number]
    assert data["features"][0]["properties"]["light"] == "green"
    filtered = orjson.loads(client.get("/command/map/events.geojson?state=handling").content)
    assert filtered["features"] == []


def test_map_cap(client, world, cases, monkeypatch):
    monkeypatch.setattr("pingan.command.selectors.MAP_POINT_CAP", 1)
    sign_in(client, world.county)
    data = orjson.loads(client.get("/command/map/events.geojson").content)
    assert data["count"] == 1 and data["truncated"] is True
    # newest first
    assert data["features"][0]["properties"]["number"] == cases.neighbour.number


def test_map_page_renders(client, world, cases):
    sign_in(client, world.town)
    html = client.get("/command/map/?category=02").content.decode()
    assert 'data-events-url="/command/map/events.geojson?category=02"' in html
    assert f'data-grids-url="/map/grids.geojson?region={world.town.position.scope_code}"' in html


def test_supervision_board(client, world, cases):
    act(world.county, cases.mine, "supervise", level="red", note="限期办结")
    act(world.county, cases.neighbour, "supervise", level="yellow", note="尽快处理")
    sign_in(client, world.county)
    html = client.get("/command/supervision/").content.decode()
    assert cases.mine.number in html and cases.neighbour.number in html
    assert "红牌督办" in html and "黄牌督办" in html
    red = client.get("/command/supervision/?level=red").content.decode()
    assert cases.mine.number in red and cases.neighbour.number not in red
    # The town answers by acting on the case; the card is then "responded".
    act(world.town, cases.mine, "accept")
    unanswered = client.get("/command/supervision/?responded=no", HTTP_HX_REQUEST="true")
    body = unanswered.content.decode()
    assert body.startswith('<section class="card" id="supervision-results">')
    assert cases.neighbour.number in body and cases.mine.number not in body
    client.logout()
    sign_in(client, world.town)
    town_html = client.get("/command/supervision/").content.decode()
    assert cases.mine.number in town_html and cases.neighbour.number not in town_html
