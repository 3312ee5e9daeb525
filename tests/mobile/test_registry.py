"""我的人员 / 我的房屋 / 新增人员 / 走访 pages, the offline snapshot, one person live, the map."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.regions.models import Region
from pingan.registry.kinds import CardKind
from pingan.registry.models import House
from pingan.registry.services import visit_record
from tests.accounts.factories import sign_in
from tests.factories import PositionFactory
from tests.flow.factories import G1, G2, G3, IN_G1, IN_G3, act, report
from tests.registry.factories import make_card, make_id, make_person

pytestmark = pytest.mark.django_db
PAGES = ["/m/people/", "/m/houses/", "/m/people/new/", "/m/visit/"]
ID_A = make_id(birth="19800203", seq=17)
ID_B = make_id(birth="19920512", seq=24)
ID_C = make_id(birth="19750101", seq=31)


@pytest.fixture
def residents(world):
    house = House.objects.create(
        address="示范村三组12号", region_code=G1, is_rental=True, lng=102.70512, lat=25.00487
    )
    a = make_person(G1, "张三丰", id_number=ID_A, phone="13812345678", house=house)
    b = make_person(G2, "李四", id_number=ID_B, phone="13900001111")
    c = make_person(G3, "王五", id_number=ID_C)
    mental = make_card(
        a,
        CardKind.MENTAL_DISORDER,
        {"diagnosis": "01", "guardian_name": "张大", "guardian_phone": "13700002222"},
        risk_level=3,
    )
    make_card(a, CardKind.HOUSEHOLD, {"household_number": "H001"})
    make_card(c, CardKind.DRUG_USER, {"control_status": "01"})
    return {"house": house, "a": a, "b": b, "c": c, "mental": mental}


def snapshot(client) -> dict:
    response = client.get("/api/v1/mobile/snapshot/")
    assert response.status_code == 200, response.content[:300]
    return response.json()


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize(
    ("url", "heading", "tab"),
    [
        ("/m/people/", "我的人员", "我的人员"),
        ("/m/houses/", "我的房屋", "我的房屋"),
        ("/m/people/new/", "新增人员", "我的人员"),
        ("/m/visit/", "走访记录", "我的人员"),
    ],
)
def test_pages_render_with_their_tab(worker_client, url, heading, tab):
    html = worker_client.get(url).content.decode()
    assert f'<div class="m-title">{heading}</div>' in html
    assert re.search(rf'class="active" aria-current="page">{tab}</a>', html)
    assert 'data-snapshot="/api/v1/mobile/snapshot/"' in html
    assert "没有网格员岗位" not in html


def test_person_form_offers_each_grid_with_the_position_to_act_as(world):
    second = PositionFactory(
        user=world.grid_worker.user, role="grid_worker", region=Region.objects.get(code=G2)
    )
    client = Client()
    sign_in(client, world.grid_worker)
    html = client.get("/m/people/new/").content.decode()
    options = re.findall(r'<option value="(\d+)" data-position="(\d+)"( selected)?>', html)
    assert options == [
        (G1, str(world.grid_worker.position.pk), " selected"),
        (G2, str(second.pk), ""),
    ]
    assert 'data-endpoint="/api/v1/people/"' in html


def test_visit_form_takes_photos_after_the_visit(worker_client):
    html = worker_client.get("/m/visit/").content.decode()
    assert 'data-endpoint="/api/v1/cards/"' in html
    assert 'data-photos-url="/api/v1/visits/{id}/photos/"' in html
    assert 'data-max-photos="9"' in html
    assert 'accept="image/jpeg,image/png,image/webp" capture="environment" multiple' in html


@pytest.mark.parametrize("url", ["/m/people/", "/m/houses/", "/m/people/new/", "/m/visit/"])
def test_users_without_a_grid_are_told_so(world, url):
    client = Client()
    sign_in(client, world.village)
    html = client.get(url).content.decode()
    assert "没有网格员岗位" in html
    assert 'id="registry"' not in html and 'id="person-form"' not in html


def test_snapshot_holds_my_grid_only_masked_and_is_audited(world, worker_client, residents):
    response = worker_client.get("/api/v1/mobile/snapshot/")
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert data["owner"] == world.grid_worker.user.pk
    position = world.grid_worker.position.pk
    assert data["grids"] == [
        {"position": position, "code": G1, "name": Region.objects.get(code=G1).name}
    ]
    assert [p["name"] for p in data["people"]] == ["张三丰"]
    person = data["people"][0]
    assert person["id_number"] == ID_A[:6] + "********" + ID_A[-4:]
    assert person["phone"] == "138****5678"
    assert (person["sex_label"], person["birth_date"]) == ("男", "1980-02-03")
    assert (person["position"], person["house_id"]) == (position, residents["house"].pk)
    mental = residents["mental"]
    assert person["cards"] == [
        {
            "id": residents["a"].cards.get(kind="household").pk,
            "kind": "household",
            "kind_label": "户籍人口",
            "risk_level": None,
            "risk_label": "",
            "attention_label": "",
            "opened_on": "2026-01-05",
            "last_visit_at": None,
            "next_visit_on": None,
            "overdue": False,
        },
        {
            "id": mental.pk,
            "kind": "mental_disorder",
            "kind_label": "严重精神障碍患者",
            "risk_level": 3,
            "risk_label": "3级",
            "attention_label": "",
            "opened_on": "2026-01-05",
            "last_visit_at": None,
            "next_visit_on": mental.next_visit_on.isoformat(),
            "overdue": mental.next_visit_on < timezone.localdate(),
        },
    ]
    assert person["next_visit_on"] == mental.next_visit_on.isoformat()
    assert data["houses"] == [
        {
            "id": residents["house"].pk,
            "address": "示范村三组12号",
            "region_code": G1,
            "position": position,
            "is_rental": True,
            "owner_id": None,
            "point": [102.71, 25.0],
            "occupants": [residents["a"].pk],
        }
    ]
    assert data["kinds"]["mental_disorder"]["risk_levels"][3] == [3, "3级"]
    assert ["01", "入户走访"] in data["visit_methods"]
    # Nothing unmasked or sensitive reaches the phone.
    text = response.content.decode()
    for secret in (ID_A, "13812345678", "13700002222", "张大", "102.70512", "李四", "王五"):
        assert secret not in text
    record = AuditRecord.objects.get(action="registry.offline_snapshot")
    assert record.detail == {"grids": [G1], "people": 1, "houses": 1}


def test_a_worker_with_two_grids_gets_both_with_the_position_of_each(world, residents):
    second = PositionFactory(
        user=world.grid_worker.user, role="grid_worker", region=Region.objects.get(code=G2)
    )
    client = Client()
    sign_in(client, world.grid_worker)
    data = snapshot(client)
    assert [g["code"] for g in data["grids"]] == [G1, G2]
    rows = {p["name"]: p["position"] for p in data["people"]}
    assert rows == {"张三丰": world.grid_worker.position.pk, "李四": second.pk}


def test_snapshot_for_a_user_without_grids_is_empty(world, residents):
    client = Client()
    sign_in(client, world.village)
    data = snapshot(client)
    assert (data["grids"], data["people"], data["houses"]) == ([], [], [])


def test_snapshot_query_count_does_not_grow_with_people(world, worker_client, residents):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    snapshot(worker_client)  # first request: session, audit chain head
    with CaptureQueriesContext(connection) as small:
        snapshot(worker_client)
    for n in range(30):
        person = make_person(G1, f"居民{n}", id_number=make_id(seq=100 + n))
        make_card(person, CardKind.HOUSEHOLD, {})
    with CaptureQueriesContext(connection) as large:
        data = snapshot(worker_client)
    assert len(data["people"]) == 31
    assert len(large.captured_queries) == len(small.captured_queries)


def test_person_detail_has_cards_and_latest_visits_without_notes(world, worker_client, residents):
    mental = residents["mental"]
    visit_record(
        actor=world.grid_worker, card=mental, method="01", risk_level=2, notes="服药情况：规律"
    )
    response = worker_client.get(f"/api/v1/mobile/people/{residents['a'].pk}/")
    assert response.status_code == 200
    data = response.json()
    card = next(c for c in data["cards"] if c["kind"] == "mental_disorder")
    assert card["risk_level"] == 2
    assert [(v["method_label"], v["risk_level_after"], v["photos"]) for v in card["visits"]] == [
        ("入户走访", 2, [])
    ]
    assert data["house_address"] == "示范村三组12号"
    assert "服药" not in response.content.decode()


def test_another_grids_person_is_404_and_audited(world, worker_client, residents):
    for person in (residents["b"], residents["c"]):
        assert worker_client.get(f"/api/v1/mobile/people/{person.pk}/").status_code == 404
    assert worker_client.get("/api/v1/mobile/people/999999/").status_code == 404
    denied = AuditRecord.objects.filter(action="scope.denied", object_type="registry.person")
    assert sorted(denied.values_list("object_id", flat=True)) == sorted(
        [str(residents["b"].pk), str(residents["c"].pk)]
    )


def test_map_has_my_grid_and_its_open_events_only(world, worker_client):
    open_case = report(world.grid_worker)
    closed = report(world.grid_worker, description="已当场处理")
    act(world.grid_worker, closed, "handle_locally", note="已劝解")
    report(world.town2, point=IN_G3)  # another town's grid
    # What gridmap.js asks for.
    response = worker_client.get(
        "/api/v1/mobile/map/", headers={"Accept": "application/geo+json, application/json"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    grids = [f for f in data["features"] if f["properties"]["kind"] == "grid"]
    events = [f for f in data["features"] if f["properties"]["kind"] == "event"]
    assert [g["id"] for g in grids] == [G1]
    assert grids[0]["geometry"]["type"] == "Polygon"
    assert [e["properties"]["number"] for e in events] == [open_case.number]
    assert events[0]["geometry"] == {"type": "Point", "coordinates": list(IN_G1)}
    assert events[0]["properties"]["overdue"] is False
    assert data["truncated"] is False


def test_home_page_draws_the_map_with_the_vendored_leaflet(worker_client, settings):
    settings.PINGAN_MAP_TILE_URL = ""
    html = worker_client.get("/m/").content.decode()
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in html
    assert 'data-url="/api/v1/mobile/map/" data-tile-url=""' in html
    # No CDN: every script and stylesheet is served by the app itself.
    assert re.findall(r'<(?:script src|link rel="stylesheet" href)="(https?:)?//', html) == []


def test_mobile_json_needs_a_signed_in_user(db):
    for url in ("/api/v1/mobile/snapshot/", "/api/v1/mobile/map/", "/api/v1/mobile/people/1/"):
        assert Client().get(url).status_code in (401, 403)


def test_overdue_card_is_flagged(world, worker_client, residents):
    mental = residents["mental"]
    mental.next_visit_on = timezone.localdate() - timedelta(days=2)
    mental.save()
    person = snapshot(worker_client)["people"][0]
    assert person["overdue"] is True
    assert next(c for c in person["cards"] if c["id"] == mental.pk)["overdue"] is True
