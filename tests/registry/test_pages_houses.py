"""Houses (以房管人), organizations and places pages: scope, occupants, precise-point reveal."""

from __future__ import annotations

import pytest

from pingan.audit.models import AuditRecord
from pingan.registry.models import House, Organization, Person, Place
from tests.accounts.factories import sign_in
from tests.registry.factories import GRID_A1A, GRID_A1B, GRID_B1A, VILLAGE_A2
from tests.registry.pages_helpers import HX, html_of, row_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def houses(world):
    a = House.objects.create(
        address="示范村一组1号", region_code=GRID_A1A, lng=102.123456, lat=25.654321, is_rental=True
    )
    b = House.objects.create(address="示范村二组8号", region_code=VILLAGE_A2)
    other = House.objects.create(address="乙镇三组3号", region_code=GRID_B1A)
    Person.objects.filter(pk__in=[world.p_a1a.pk, world.p_a1b.pk]).update(house=a)
    Person.objects.filter(pk=world.p_b1.pk).update(house=other)
    House.objects.filter(pk=a.pk).update(owner=world.p_a1a)
    return a, b, other


def test_house_list_is_scoped_with_occupant_counts(client, world, houses):
    a, b, _other = houses
    sign_in(client, world.town_a)
    html = html_of(client.get("/registry/houses/"))
    assert row_ids(html, "house") == [a.pk, b.pk]
    assert "乙镇三组3号" not in html
    assert '<td class="num">2</td>' in html and '<td class="num">0</td>' in html
    assert "102.12, 25.65" in html and "102.123456" not in html
    assert row_ids(html_of(client.get("/registry/houses/", {"q": "二组"})), "house") == [b.pk]
    html = html_of(client.get("/registry/houses/", {"region": GRID_A1A}))
    assert row_ids(html, "house") == [a.pk]


def test_house_detail_lists_occupants_and_owner(client, world, houses):
    a, _b, other = houses
    sign_in(client, world.village_a1)
    html = html_of(client.get(f"/registry/houses/{a.pk}/"))
    assert '<h1 id="house-address">示范村一组1号</h1>' in html
    assert row_ids(html, "person") == [world.p_a1b.pk, world.p_a1a.pk]  # 李四, 张三丰
    assert '<span class="badge badge-muted">房主</span>' in html
    assert "138****5678" in html and "13812345678" not in html
    assert client.get(f"/registry/houses/{other.pk}/").status_code == 404
    denied = AuditRecord.objects.filter(action="scope.denied", object_type="registry.house")
    assert [r.object_id for r in denied] == [str(other.pk)]


def test_house_point_reveal_is_audited_and_refused_to_leaders(client, world, houses):
    a, _b, _other = houses
    sign_in(client, world.grid_a1a)
    reveal = f"/registry/houses/{a.pk}/reveal/"
    page = html_of(client.get(f"/registry/houses/{a.pk}/"))
    assert f'action="{reveal}" hx-post="{reveal}" hx-target="#reveal-panel"' in page
    response = client.post(reveal, {"reason": "入户"}, **HX)
    html = html_of(response)
    assert response.status_code == 200
    assert "<dt>经度</dt><dd>102.123456</dd>" in html and "<dt>纬度</dt><dd>25.654321</dd>" in html
    fields = AuditRecord.objects.filter(action="sensitive.reveal").values_list(
        "detail__field", flat=True
    )
    assert sorted(fields) == ["lat", "lng"]
    client.logout()
    sign_in(client, world.leader)
    page = html_of(client.get(f"/registry/houses/{a.pk}/"))
    assert "领导岗位只读" in page and 'class="reveal-form"' not in page
    response = client.post(f"/registry/houses/{a.pk}/reveal/", {"reason": "看"}, **HX)
    assert response.status_code == 403
    assert "102.123456" not in html_of(response)


def test_organizations_and_places_are_scoped(client, world):
    org_a = Organization.objects.create(
        kind="non_public", name="示范物流有限公司", region_code=GRID_A1B, credit_code=""
    )
    Organization.objects.create(kind="social", name="乙镇协会", region_code=GRID_B1A)
    school = Place.objects.create(kind="school", name="示范小学", region_code=GRID_A1A)
    Place.objects.create(kind="key_place", name="乙镇网吧", region_code=GRID_B1A)
    sign_in(client, world.town_a)
    html = html_of(client.get("/registry/organizations/"))
    assert row_ids(html, "unit") == [org_a.pk]
    assert "非公有制经济组织" in html and "乙镇协会" not in html
    html = html_of(client.get("/registry/places/"))
    assert row_ids(html, "unit") == [school.pk]
    assert "乙镇网吧" not in html
    assert row_ids(html_of(client.get("/registry/places/", {"kind": "key_place"})), "unit") == []
    assert row_ids(html_of(client.get("/registry/places/", {"q": "小学"})), "unit") == [school.pk]


def test_departments_do_not_get_houses_or_units(client, world, houses):
    sign_in(client, world.gongan)
    for url in ("/registry/houses/", "/registry/organizations/", "/registry/places/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "房屋、组织和场所信息不经数据闸门向职能部门开放。" in html_of(response)
    assert client.get(f"/registry/houses/{houses[0].pk}/").status_code == 404
