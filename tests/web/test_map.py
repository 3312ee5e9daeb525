"""The scoped GeoJSON behind the home-page map."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.accounts.roles import Role
from pingan.regions.models import Region
from pingan.web import selectors
from tests.factories import DepartmentFactory, make_actor, region_chain
from tests.web.factories import (
    COUNTY,
    GRIDS_A1,
    GRIDS_A2,
    GRIDS_B1,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    area,
    build_county,
    sign_in,
)

pytestmark = pytest.mark.django_db
URL = "/map/grids.geojson"


def codes(data):
    return [f["properties"]["code"] for f in data["features"]]


def test_grid_worker_gets_only_its_own_grid(client):
    build_county()
    sign_in(client, make_actor(Role.GRID_WORKER, GRIDS_A1[0]))

    response = client.get(URL)

    assert response.status_code == 200
    data = response.json()
    assert codes(data) == [GRIDS_A1[0]]
    assert data["feature_level"] == "grid"
    assert data["grid_count"] == 1
    assert data["outlines"] == []
    assert client.get(URL, {"region": GRIDS_A1[1]}).status_code == 404
    assert client.get(URL, {"region": VILLAGE_A1}).status_code == 404


def test_town_operator_gets_its_grids_and_not_the_neighbours(client):
    build_county()
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))

    data = client.get(URL).json()

    assert codes(data) == GRIDS_A1 + GRIDS_A2
    assert data["region"] == {"code": TOWN_A, "name": "甲镇", "level": "town"}
    # The villages are drawn as outlines over their grids.
    assert codes({"features": data["outlines"]}) == [VILLAGE_A1, VILLAGE_A2]
    assert data["outlines"][0]["properties"]["level"] == "village"
    assert codes(client.get(URL, {"region": VILLAGE_A2}).json()) == GRIDS_A2
    assert client.get(URL, {"region": TOWN_B}).status_code == 404
    assert client.get(URL, {"region": COUNTY}).status_code == 404
    assert client.get(URL, {"region": "990101001999"}).status_code == 404


def test_feature_collection_shape(client):
    build_county()
    grid = Region.objects.get(code=GRIDS_A1[0])
    # Stored with more precision than a map needs: the response rounds to 6 decimals.
    grid.geometry = {
        "type": "Polygon",
        "coordinates": [
            [
                [100.0000001, 25.0],
                [100.01, 25.0],
                [100.01, 25.01],
                [100.0, 25.0100004],
                [100.0000001, 25.0],
            ]
        ],
    }
    grid.save()
    sign_in(client, make_actor(Role.VILLAGE_STAFF, VILLAGE_A1))

    response = client.get(URL)

    assert response["Content-Type"] == "application/geo+json"
    assert response["Cache-Control"] == "private, no-store"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert data["truncated"] is False
    first = data["features"][0]
    assert first == {
        "type": "Feature",
        "id": GRIDS_A1[0],
        "properties": {"code": GRIDS_A1[0], "name": "甲一村第1网格", "level": "grid"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[100.0, 25.0], [100.01, 25.0], [100.01, 25.01], [100.0, 25.01], [100.0, 25.0]]
            ],
        },
    }
    assert data["boundary"]["properties"]["code"] == VILLAGE_A1
    assert data["boundary"]["geometry"]["type"] == "Polygon"
    assert data["outlines"] == []  # a village's children are the grids themselves


def test_grids_without_polygon_are_left_out_but_counted(client):
    build_county()
    Region.objects.filter(code=GRIDS_A2[0]).update(geometry=None)
    sign_in(client, make_actor(Role.VILLAGE_STAFF, VILLAGE_A2))

    data = client.get(URL).json()

    assert codes(data) == [GRIDS_A2[1]]
    assert data["grid_count"] == 2


def test_too_many_grids_fall_back_to_simplified_villages(client, monkeypatch):
    build_county()
    village = Region.objects.get(code=VILLAGE_A1)
    # A square with redundant points on its edges: simplification removes them.
    village.geometry = {
        "type": "Polygon",
        "coordinates": [
            [
                [100.0, 25.0],
                [100.05, 25.0],
                [100.1, 25.0],
                [100.1, 25.1],
                [100.0, 25.1],
                [100.0, 25.05],
                [100.0, 25.0],
            ]
        ],
    }
    village.save()
    monkeypatch.setattr(selectors, "MAP_FEATURE_CAP", 4)
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN_A))

    data = client.get(URL).json()

    assert data["feature_level"] == "village"
    assert data["grid_count"] == 5
    assert data["outlines"] == []  # the villages are the features themselves
    assert codes(data) == [VILLAGE_A1, VILLAGE_A2]
    ring = data["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5
    # Within the cap the same actor still gets grids for a village.
    assert client.get(URL, {"region": VILLAGE_A1}).json()["feature_level"] == "grid"


def test_more_areas_than_the_cap_even_at_city_level_are_truncated(client, monkeypatch):
    build_county()
    area("9902", "另一市", 101.0, 26.0, 1.0)
    area("990201", "另一县", 101.0, 26.0, 0.5)
    triangle = {"type": "Polygon", "coordinates": [[[99, 24], [102, 24], [102, 27], [99, 24]]]}
    Region.objects.filter(code="9901").update(geometry=triangle)
    monkeypatch.setattr(selectors, "MAP_FEATURE_CAP", 1)
    sign_in(client, make_actor(Role.LEADER, "99"))

    data = client.get(URL).json()

    assert data["feature_level"] == "city"
    assert codes(data) == ["9901"]
    assert data["truncated"] is True


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_department_handler_gets_the_grids_of_its_region(client):
    build_county()
    department = DepartmentFactory(region=region_chain(TOWN_B))
    sign_in(client, make_actor(Role.DEPARTMENT_HANDLER, department))

    assert codes(client.get(URL).json()) == GRIDS_B1
    assert client.get(URL, {"region": TOWN_A}).status_code == 404


def test_county_operator_sees_every_grid(client):
    build_county()
    sign_in(client, make_actor(Role.COUNTY_OPERATOR, COUNTY))

    data = client.get(URL).json()

    assert codes(data) == GRIDS_A1 + GRIDS_A2 + GRIDS_B1
    assert codes({"features": data["outlines"]}) == [TOWN_A, TOWN_B]
    assert data["grid_count"] == 6
    assert client.get(URL, {"region": TOWN_B}).json()["grid_count"] == 1


def test_query_count_does_not_depend_on_the_number_of_grids(client):
    build_county()
    sign_in(client, make_actor(Role.COUNTY_OPERATOR, COUNTY))
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as town:
        assert len(client.get(URL, {"region": TOWN_A}).json()["features"]) == 5
    with CaptureQueriesContext(connection) as village:
        assert len(client.get(URL, {"region": VILLAGE_A2}).json()["features"]) == 2
    assert len(town) == len(village) <= 8
