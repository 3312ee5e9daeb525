"""REST API: region detail and children, point → grid lookup (signed-in users only)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from pingan.accounts.roles import Role
from tests.factories import make_actor
from tests.regions.factories import GRID_A, GRID_B, MICRO_A1, TOWN, VILLAGE, box, build_base_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    build_base_tree()
    # A grid worker of another area: region data is readable by any signed-in user.
    actor = make_actor(Role.GRID_WORKER, GRID_B)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=actor.user).key}")
    return client


@pytest.mark.parametrize(
    "url",
    ["/api/v1/regions/", f"/api/v1/regions/{VILLAGE}/", "/api/v1/grids/lookup/?lat=39&lng=116"],
)
def test_anonymous_gets_401(url):
    response = APIClient().get(url)
    assert response.status_code == 401


def test_region_detail(api):
    response = api.get(f"/api/v1/regions/{VILLAGE}/")
    assert response.status_code == 200
    assert response.json() == {
        "code": VILLAGE,
        "name": "东街社区",
        "level": "village",
        "parent": TOWN,
        "centroid": [116.01, 39.005],
        "geometry": box(116.0, 39.0, 116.02, 39.01),
        "children": [
            {"code": GRID_A, "name": "东街第一网格", "level": "grid"},
            {"code": GRID_B, "name": "东街第二网格", "level": "grid"},
        ],
        "grid_count": 2,
    }


def test_grid_and_region_without_polygon(api):
    grid = api.get(f"/api/v1/regions/{GRID_A}/").json()
    assert (grid["level"], grid["grid_count"], grid["children"]) == (
        "grid",
        1,
        [{"code": MICRO_A1, "name": "一号楼微网格", "level": "microgrid"}],
    )
    province = api.get("/api/v1/regions/99/").json()
    assert (province["parent"], province["centroid"], province["geometry"]) == (None, None, None)
    assert province["grid_count"] == 2


@pytest.mark.parametrize("code", ["990199", "abc", "99010100100100100199"])
def test_unknown_region_is_404(api, code):
    response = api.get(f"/api/v1/regions/{code}/")
    assert response.status_code == 404
    assert "不存在" in response.json()["detail"]


def test_children_list_with_grid_counts(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # auth, parent check, count, page, grid counts
        response = api.get(f"/api/v1/regions/?parent={TOWN}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "code": VILLAGE,
            "name": "东街社区",
            "level": "village",
            "parent": TOWN,
            "centroid": [116.01, 39.005],
            "grid_count": 2,
        }
    ]
    top = api.get("/api/v1/regions/").json()
    assert [r["code"] for r in top["results"]] == ["99"]
    assert top["results"][0]["grid_count"] == 2


def test_children_list_errors(api):
    assert api.get("/api/v1/regions/?parent=990199").status_code == 404
    response = api.get("/api/v1/regions/?parent=x1")
    assert response.status_code == 400
    assert response.json() == {"parent": ["上级编码 parent 只能是 2–18 位数字。"]}


def test_lookup_found(api):
    response = api.get("/api/v1/grids/lookup/", {"lat": "39.002", "lng": "116.002"})
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert body["code"] == MICRO_A1
    assert body["grid"] == {"code": GRID_A, "name": "东街第一网格"}
    assert body["microgrid"] == {"code": MICRO_A1, "name": "一号楼微网格"}
    assert body["village"] == {"code": VILLAGE, "name": "东街社区"}
    assert body["town"] == {"code": TOWN, "name": "城关镇"}
    assert body["county"] == {"code": "990101", "name": "示范县"}


def test_lookup_outside_and_gcj02(api):
    body = api.get("/api/v1/grids/lookup/", {"lat": "40", "lng": "117"}).json()
    assert body["found"] is False
    assert body["message"] == "该位置不在任何网格内"
    assert body["grid"] is None
    # GCJ-02 of a WGS84 point inside grid B.
    gcj = {"lng": "116.021069", "lat": "39.0059338", "crs": "gcj02"}
    body = api.get("/api/v1/grids/lookup/", gcj).json()
    assert (body["found"], body["code"]) == (True, GRID_B)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"lng": "116"}, {"lat": ["请提供纬度 lat。"]}),
        ({}, {"lat": ["请提供纬度 lat。"], "lng": ["请提供经度 lng。"]}),
        ({"lat": "abc", "lng": "116"}, {"lat": ["纬度 lat 必须是数字。"]}),
        ({"lat": "nan", "lng": "116"}, {"lat": ["纬度 lat 必须是数字。"]}),
        ({"lat": "91", "lng": "116"}, {"lat": ["纬度 lat 必须在 -90 到 90 之间。"]}),
        ({"lat": "39", "lng": "-180.5"}, {"lng": ["经度 lng 必须在 -180 到 180 之间。"]}),
        (
            {"lat": "39", "lng": "116", "crs": "bd09"},
            {"crs": ["坐标系 crs 只能是 wgs84 或 gcj02。"]},
        ),
    ],
)
def test_lookup_bad_parameters_are_400_per_field(api, params, errors):
    response = api.get("/api/v1/grids/lookup/", params)
    assert response.status_code == 400
    assert response.json() == errors


def test_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/regions/", "/api/v1/regions/{code}/", "/api/v1/grids/lookup/"} <= set(
        schema["paths"]
    )
    params = {p["name"] for p in schema["paths"]["/api/v1/grids/lookup/"]["get"]["parameters"]}
    assert {"lat", "lng", "crs"} <= params
