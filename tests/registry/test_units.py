"""Organizations, places and 护路护线 lines: validation, scope, API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.audit.models import AuditRecord
from pingan.registry.creditcode import check_character, normalize_credit_code
from pingan.registry.models import Organization, Place, Route
from pingan.registry.selectors import visible_units
from pingan.registry.services import organization_create, place_create, route_create
from tests.registry.factories import GRID_A1A, GRID_B1A, api_client

pytestmark = pytest.mark.django_db

REAL_CODES = ["91350200776049653A", "913502000728319549", "91350213678251743X"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code):
    assert normalize_credit_code(code.lower()) == code


def test_credit_code_errors():
    good = REAL_CODES[0]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位错误"):
        normalize_credit_code(wrong)
    with pytest.raises(ValidationError, match="18位"):
        normalize_credit_code("9135020077604965")
    with pytest.raises(ValidationError, match="18位"):
        normalize_credit_code("91350200776O49653A")  # letter O
    assert normalize_credit_code(" ") == ""
    assert check_character(good[:17]) == good[17]


def test_organization_create_validates_and_audits(world):
    org = organization_create(
        actor=world.grid_a1a,
        data={
            "kind": "non_public",
            "name": "示范物流有限公司",
            "region_code": GRID_A1A,
            "credit_code": REAL_CODES[1],
            "attention": "一般",
        },
    )
    assert (org.attention, org.credit_code, org.created_by) == (
        "01",
        REAL_CODES[1],
        world.grid_a1a.user,
    )
    record = AuditRecord.objects.get(action="registry.organization.create")
    assert record.detail == {"kind": "non_public"}
    with pytest.raises(ValidationError) as info:
        organization_create(
            actor=world.grid_a1a,
            data={"kind": "alien", "name": "", "region_code": GRID_B1A, "credit_code": "123"},
        )
    assert info.value.message_dict == {
        "kind": ["请选择有效的类型。"],
        "name": ["请填写名称。"],
        "region_code": ["该网格不在您的管辖范围内。"],
        "credit_code": ["统一社会信用代码应为18位数字或大写字母（不含 I、O、S、V、Z）。"],
    }
    assert Organization.objects.count() == 1


def test_units_are_scoped_and_closed_to_departments(world):
    place_create(
        actor=world.grid_a1a,
        data={"kind": "school", "name": "示范小学", "region_code": GRID_A1A},
    )
    assert [p.name for p in visible_units(world.town_a, Place)] == ["示范小学"]
    assert not visible_units(world.town_b, Place).exists()
    assert not visible_units(world.gongan, Place).exists()
    with pytest.raises(PermissionDenied):
        place_create(
            actor=world.leader, data={"kind": "school", "name": "x", "region_code": GRID_A1A}
        )


def test_route_geometry_must_be_a_line(world):
    line = {"type": "LineString", "coordinates": [[102.7, 25.0], [102.8, 25.1]]}
    route = route_create(
        actor=world.county,
        data={
            "kind": "railway",
            "name": "示范铁路K12段",
            "region_code": GRID_B1A,
            "geometry": line,
        },
    )
    route.refresh_from_db()
    assert route.geometry == line
    for bad in (
        {"type": "Point", "coordinates": [102.7, 25.0]},
        {"type": "LineString", "coordinates": [[200, 25.0], [102.8, 25.1]]},
        "not geojson",
    ):
        with pytest.raises(ValidationError) as info:
            route_create(
                actor=world.county,
                data={"kind": "power", "name": "线", "region_code": GRID_B1A, "geometry": bad},
            )
        assert list(info.value.message_dict) == ["geometry"]
    assert Route.objects.count() == 1


def test_units_api(world):
    client = api_client(world.grid_a1a)
    response = client.post(
        "/api/v1/organizations/",
        {"kind": "social", "name": "示范村老年协会", "region_code": GRID_A1A},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["name"] == "示范村老年协会"
    bad = client.post("/api/v1/places/", {"kind": "school", "name": ""}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"name": ["请填写名称。"], "region_code": ["请选择所属村（社区）或网格。"]}
    listed = api_client(world.county).get("/api/v1/organizations/", {"q": "老年"}).json()
    assert [o["name"] for o in listed["results"]] == ["示范村老年协会"]
    assert api_client(world.town_b).get("/api/v1/organizations/").json()["count"] == 0
    assert api_client(world.county).get("/api/v1/routes/").json()["count"] == 0
