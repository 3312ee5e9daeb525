"""Correction services for houses and units (`house_update`, `organization_update`,
`place_update`, `route_update`): partial changes, version checks, scope and roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.audit.models import AuditRecord
from pingan.registry.models import House, Organization, Route
from pingan.registry.services import (
    ConflictError,
    house_update,
    organization_update,
    route_update,
)
from tests.registry.factories import GRID_A1A, GRID_B1A

pytestmark = pytest.mark.django_db


def test_house_update_changes_only_the_given_keys(world):
    house = House.objects.create(address="一组1号", region_code=GRID_A1A, lng=104.1, lat=27.2)
    house = house_update(actor=world.grid_a1a, house=house, version=1, changes={"lng": "104.3"})
    assert (house.lng, house.lat, house.address, house.version) == (104.3, 27.2, "一组1号", 2)
    same = house_update(
        actor=world.grid_a1a, house=house, version=2, changes={"address": "一组1号"}
    )
    assert same.version == 2  # nothing changed: no new version, no audit record
    assert AuditRecord.objects.filter(action="registry.house.update").count() == 1
    with pytest.raises(ValidationError) as info:
        house_update(actor=world.grid_a1a, house=house, version=2, changes={"lat": "95"})
    assert info.value.message_dict == {"lat": ["应在 -90 到 90 之间。"]}
    with pytest.raises(ConflictError):
        house_update(actor=world.grid_a1a, house=house, version=1, changes={"address": "改"})
    with pytest.raises(ValueError):
        house_update(actor=world.grid_a1a, house=house, version=2, changes={"version": 9})
    house.refresh_from_db()
    assert (house.address, house.lat, house.version) == ("一组1号", 27.2, 2)


def test_house_update_is_refused_outside_scope_and_for_read_only_roles(world):
    house = House.objects.create(address="外镇1号", region_code=GRID_B1A)
    with pytest.raises(PermissionDenied):
        house_update(actor=world.town_a, house=house, version=1, changes={"address": "改"})
    assert AuditRecord.objects.filter(action="scope.denied", object_id=str(house.pk)).exists()
    with pytest.raises(PermissionDenied):
        house_update(actor=world.leader, house=house, version=1, changes={"address": "改"})
    house.refresh_from_db()
    assert (house.address, house.version) == ("外镇1号", 1)


def test_unit_update_keeps_what_is_not_given_and_accepts_code_labels(world):
    org = Organization.objects.create(
        kind="non_public", name="示范公司", region_code=GRID_A1A, legal_representative="周总"
    )
    org = organization_update(
        actor=world.town_a, organization=org, version=1, data={"attention": "中等"}
    )
    assert (org.attention, org.name, org.legal_representative, org.version) == (
        "02",
        "示范公司",
        "周总",
        2,
    )
    with pytest.raises(ValidationError) as info:
        organization_update(
            actor=world.town_a, organization=org, version=2, data={"credit_code": "123"}
        )
    assert list(info.value.message_dict) == ["credit_code"]
    with pytest.raises(PermissionDenied):
        organization_update(actor=world.sifa, organization=org, version=2, data={"name": "司法"})
    org.refresh_from_db()
    assert (org.name, org.version) == ("示范公司", 2)


def test_route_update_validates_the_line(world):
    route = Route.objects.create(kind="power", name="示范线", region_code=GRID_A1A)
    line = {"type": "LineString", "coordinates": [[104.0, 27.0], [104.1, 27.1]]}
    route = route_update(actor=world.town_a, route=route, version=1, data={"geometry": line})
    assert (route.geometry, route.version) == (line, 2)
    with pytest.raises(ValidationError) as info:
        route_update(
            actor=world.town_a,
            route=route,
            version=2,
            data={"geometry": {"type": "Point", "coordinates": [104, 27]}},
        )
    assert info.value.message_dict == {
        "geometry": ["线路应为 GeoJSON LineString（WGS84 经纬度）。"]
    }
    assert AuditRecord.objects.get(action="registry.route.update").detail == {
        "kind": "power",
        "fields": ["geometry"],
    }
