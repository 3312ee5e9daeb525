"""*180 "reach my grid worker" on the hotline page: the grid's workers and their phones."""

import pytest

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.core.phones import phone_hash
from pingan.public.hotline.contacts import contacts_for
from pingan.public.hotline.places import place_for_address, place_for_code, place_for_point
from pingan.regions.lookup import reset_grid_index
from pingan.regions.models import Region
from pingan.registry.models import House
from tests.accounts.factories import sign_in
from tests.factories import PositionFactory, RegionFactory, make_actor, square
from tests.flow.factories import G1, G2, IN_G1, OUTSIDE, TOWN, VILLAGE, VILLAGE2
from tests.public.callcentre_helpers import CALLER, give_phone

MICRO = G1 + "001"
IN_MICRO = (102.702, 25.002)


@pytest.fixture
def staffed(world):
    """G1 with a worker, a micro-grid worker, an inactive position; G2's worker; village
    staff; all with phones."""
    RegionFactory(
        code=MICRO, parent=Region.objects.get(code=G1), geometry=square(102.70, 25.00, 0.004)
    )
    reset_grid_index()
    give_phone(world.grid_worker, "13900000001")
    give_phone(world.grid_worker2, "13900000002")
    give_phone(world.village, "13900000003")
    micro = give_phone(make_actor(Role.GRID_WORKER, MICRO), "13900000004")
    gone = give_phone(make_actor(Role.GRID_WORKER, G1), "13900000005")
    gone.position.active = False
    gone.position.save()
    world.micro_worker = micro
    return world


def names(contacts):
    return [(c.name, c.phone, c.role, c.fallback) for c in contacts]


def test_contacts_of_a_grid_are_its_workers_then_the_village_staff(staffed):
    w = staffed
    g1, micro, village = w.grid_worker.user, w.micro_worker.user, w.village.user
    expected_g1 = [
        (g1.full_name, "13900000001", Role.GRID_WORKER, False),
        (micro.full_name, "13900000004", Role.GRID_WORKER, False),
        (village.full_name, "13900000003", Role.VILLAGE_STAFF, True),
    ]
    assert names(contacts_for(place_for_point(*IN_G1))) == expected_g1
    # In the micro-grid its own worker comes first.
    in_micro = contacts_for(place_for_point(*IN_MICRO))
    assert [c.phone for c in in_micro] == ["13900000004", "13900000001", "13900000003"]
    # A village code: its staff only (they are the primary contact then).
    assert names(contacts_for(place_for_code(VILLAGE))) == [
        (village.full_name, "13900000003", Role.VILLAGE_STAFF, False)
    ]


def test_a_grid_without_anyone_falls_back_to_the_town_operators(staffed):
    give_phone(staffed.town2, "13900000009")
    assert [(c.phone, c.fallback) for c in contacts_for(place_for_code(VILLAGE2))] == [
        ("13900000009", True)
    ]


def test_page_180_shows_the_grid_workers_phones_and_audits_with_caller_hash(client, staffed):
    sign_in(client, staffed.town)
    response = client.post(
        "/hotline/contacts/", {"lng": IN_G1[0], "lat": IN_G1[1], "phone": CALLER}
    )
    assert response.status_code == 200
    html = response.content.decode()
    for phone in ("13900000001", "13900000004", "13900000003"):
        assert f'href="tel:{phone}"' in html
    for phone in ("13900000002", "13900000005"):
        assert phone not in html
    record = AuditRecord.objects.get(action="hotline.grid_contact")
    assert (record.object_id, record.region_code, record.actor_username) == (
        G1,
        G1,
        staffed.town.user.username,
    )
    assert record.detail["caller_phone_hash"] == phone_hash(CALLER)
    assert record.detail["grid"] == G1 and record.detail["via"] == "page"
    assert sorted(record.detail["users"]) == sorted(
        [staffed.grid_worker.user.pk, staffed.micro_worker.user.pk, staffed.village.user.pk]
    )


def test_page_180_uses_the_chosen_grid_when_there_is_no_point(client, staffed):
    sign_in(client, staffed.county)
    response = client.post("/hotline/contacts/", {"grid": G2})
    assert [c.phone for c in response.context["contacts"]] == ["13900000002", "13900000003"]
    assert response.context["place"].source == "grid"


def test_page_180_outside_every_grid_or_scope_reveals_nothing(client, staffed):
    sign_in(client, staffed.town)
    response = client.post("/hotline/contacts/", {"lng": OUTSIDE[0], "lat": OUTSIDE[1]})
    assert response.context["contacts"] == []
    assert "该位置不在任何网格内" in response.content.decode()
    sign_in(client, staffed.town2)
    response = client.post("/hotline/contacts/", {"lng": IN_G1[0], "lat": IN_G1[1]})
    assert response.context["contacts"] == []
    assert "不在查询范围" in response.content.decode()
    assert "13900000001" not in response.content.decode()
    empty = client.post("/hotline/contacts/", {})
    assert "请先在地图上点选位置" in empty.content.decode()
    assert not AuditRecord.objects.filter(action="hotline.grid_contact").exists()


def test_an_address_finds_the_grid_of_a_registry_house_or_a_named_village(client, staffed):
    House.objects.create(address="示范村三组12号", region_code=G2, lng=102.715, lat=25.005)
    place = place_for_address("示范村 三组１２号")
    assert (place.found, place.grid.code, place.lng, place.source) == (True, G2, 102.715, "address")
    village = RegionFactory(code=VILLAGE)
    village.name = "东街社区"
    village.save()
    by_name = place_for_address("城关东街社区菜市场门口")
    assert (by_name.found, by_name.code, by_name.grid) == (True, VILLAGE, None)
    assert place_for_address("火星基地").found is False
    # Outside the allowed prefix the house is not used.
    assert place_for_address("示范村三组12号", prefix=TOWN + "9").found is False
    sign_in(client, staffed.town)
    response = client.post("/hotline/contacts/", {"address": "示范村三组12号"})
    assert [c.phone for c in response.context["contacts"]] == ["13900000002", "13900000003"]
    assert 'data-locate-lng="102.715000"' in response.content.decode()


def test_inactive_users_are_not_offered(staffed):
    user = staffed.grid_worker.user
    user.is_active = False
    user.save()
    PositionFactory(role=Role.GRID_WORKER, region_id=G1, user=user)
    assert "13900000001" not in [c.phone for c in contacts_for(place_for_point(*IN_G1))]
