"""GET /api/v1/hotline/grid-contact/: *180 for the telephony bridge."""

import pytest
from rest_framework.test import APIClient

from pingan.audit.models import AuditRecord
from pingan.core.phones import phone_hash
from pingan.registry.models import House
from tests.flow.factories import G1, G2, IN_G1, OUTSIDE, TOWN2, VILLAGE, api_client
from tests.public.callcentre_helpers import CALLER, give_phone

URL = "/api/v1/hotline/grid-contact/"
KEY = "bridge-key-0123456789abcdef"


@pytest.fixture
def bridge(settings, world):
    settings.PINGAN_HOTLINE_BRIDGE_KEY = f"old-key-xyz,{KEY}"
    settings.PINGAN_HOTLINE_BRIDGE_REGION = ""
    give_phone(world.grid_worker, "13900000001")
    give_phone(world.grid_worker2, "13900000002")
    give_phone(world.village, "13900000003")
    client = APIClient()
    client.credentials(HTTP_X_PINGAN_BRIDGE_KEY=KEY)
    world.bridge = client
    return world


def test_bridge_key_gets_the_grid_village_and_contacts(bridge):
    response = bridge.bridge.get(URL, {"lat": IN_G1[1], "lng": IN_G1[0], "caller": CALLER})
    assert response.status_code == 200
    body = response.json()
    assert (body["found"], body["source"], body["grid"]["code"], body["village"]["code"]) == (
        True,
        "point",
        G1,
        VILLAGE,
    )
    assert [(c["name"], c["role"], c["phone"], c["fallback"]) for c in body["contacts"]] == [
        (bridge.grid_worker.user.full_name, "grid_worker", "13900000001", False),
        (bridge.village.user.full_name, "village_staff", "13900000003", True),
    ]
    assert response["Cache-Control"] == "private, no-store"
    record = AuditRecord.objects.get(action="hotline.grid_contact")
    assert (record.actor_username, record.object_id, record.detail["via"]) == (
        "bridge:hotline",
        G1,
        "bridge",
    )
    assert record.detail["caller_phone_hash"] == phone_hash(CALLER)


def test_the_second_rotation_key_works_too(bridge):
    client = APIClient()
    client.credentials(HTTP_X_PINGAN_BRIDGE_KEY="old-key-xyz")
    assert client.get(URL, {"grid": G2}).status_code == 200


@pytest.mark.parametrize("key", ["wrong", "", KEY + "x"])
def test_a_bad_bridge_key_is_401_audited_and_reveals_nothing(bridge, key):
    client = APIClient()
    client.credentials(HTTP_X_PINGAN_BRIDGE_KEY=key)
    response = client.get(URL, {"grid": G1})
    assert response.status_code == 401
    assert response.json() == {"detail": "桥接密钥无效。"}
    assert AuditRecord.objects.filter(action="hotline.bridge_denied", outcome="denied").count() == 1
    assert not AuditRecord.objects.filter(action="hotline.grid_contact").exists()


def test_without_a_configured_key_every_key_is_refused(bridge, settings):
    settings.PINGAN_HOTLINE_BRIDGE_KEY = ""
    assert bridge.bridge.get(URL, {"grid": G1}).status_code == 401


def test_no_credentials_is_401(bridge):
    assert APIClient().get(URL, {"grid": G1}).status_code == 401


def test_an_operator_token_works_within_the_position_scope(bridge):
    client = api_client(bridge.town)
    body = client.get(URL, {"grid": G1}).json()
    assert [c["phone"] for c in body["contacts"]] == ["13900000001", "13900000003"]
    record = AuditRecord.objects.get(action="hotline.grid_contact")
    assert (record.actor_username, record.detail["via"]) == (bridge.town.user.username, "api")
    other = api_client(bridge.town2).get(URL, {"grid": G1}).json()
    assert (other["found"], other["contacts"], other["message"]) == (
        False,
        [],
        "该位置不在查询范围（辖区）内。",
    )


@pytest.mark.parametrize("who", ["grid_worker", "village", "police", "leader"])
def test_other_roles_get_403_audited(bridge, who):
    actor = getattr(bridge, who)
    response = api_client(actor).get(URL, {"grid": G1})
    assert response.status_code == 403
    assert AuditRecord.objects.filter(
        action="permission.denied", object_id="api:hotline.grid-contact"
    ).exists()
    assert not AuditRecord.objects.filter(action="hotline.grid_contact").exists()


def test_a_point_outside_every_grid_gets_a_clear_answer(bridge):
    body = bridge.bridge.get(URL, {"lat": OUTSIDE[1], "lng": OUTSIDE[0]}).json()
    assert body == {
        "found": False,
        "source": "point",
        "lng": OUTSIDE[0],
        "lat": OUTSIDE[1],
        "grid": None,
        "microgrid": None,
        "village": None,
        "town": None,
        "county": None,
        "contacts": [],
        "message": "该位置不在任何网格内。",
    }


def test_grid_codes_and_addresses(bridge):
    village = bridge.bridge.get(URL, {"grid": VILLAGE}).json()
    assert (village["grid"], village["village"]["code"]) == (None, VILLAGE)
    assert [c["phone"] for c in village["contacts"]] == ["13900000003"]
    unknown = bridge.bridge.get(URL, {"grid": "990101009009009"}).json()
    assert (unknown["found"], unknown["message"]) == (False, "网格编码不存在。")
    House.objects.create(address="示范村五组8号", region_code=G2)
    by_address = bridge.bridge.get(URL, {"address": "示范村五组8号"}).json()
    assert (by_address["source"], by_address["grid"]["code"]) == ("address", G2)
    assert [c["phone"] for c in by_address["contacts"]] == ["13900000002", "13900000003"]


def test_the_bridge_region_bounds_answers(bridge, settings):
    settings.PINGAN_HOTLINE_BRIDGE_REGION = TOWN2
    body = bridge.bridge.get(URL, {"lat": IN_G1[1], "lng": IN_G1[0]}).json()
    assert (body["found"], body["contacts"]) == (False, [])


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"lat": ["请提供 lat 和 lng，或网格编码 grid，或地址 address。"]}),
        ({"lat": "25"}, {"lng": ["lat 和 lng 须同时提供。"]}),
        ({"lat": "95", "lng": "102"}, {"lat": ["纬度 lat 必须在 -90 到 90 之间。"]}),
        ({"grid": "G1"}, {"grid": ["网格编码 grid 只能是 9–18 位数字。"]}),
        (
            {"grid": G1, "caller": "12345"},
            {"caller": ["联系电话应为11位手机号码，或带区号的固定电话号码（如 0871-12345678）。"]},
        ),
        ({"address": "x" * 201}, {"address": ["地址 address 不能超过 200 字。"]}),
    ],
)
def test_bad_queries_are_field_errors(bridge, params, errors):
    response = bridge.bridge.get(URL, params)
    assert response.status_code == 400
    assert response.json() == errors
    assert not AuditRecord.objects.filter(action="hotline.grid_contact").exists()


def test_the_endpoint_is_in_the_openapi_schema(bridge):
    client = api_client(bridge.town)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/hotline/grid-contact/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"lat", "lng", "crs", "grid", "address", "caller", "X-Pingan-Bridge-Key"} <= names
