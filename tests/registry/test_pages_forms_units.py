"""新增/修改 房屋, 组织, 场所 and 护路护线 through the pages: field errors next to the fields,
grids outside the scope refused, the owner picker, version conflicts, the new 护路护线 list,
and refusals (leader, departments) that change nothing."""

from __future__ import annotations

import pytest

from pingan.audit.models import AuditRecord
from pingan.registry.models import House, Organization, Place, Route
from tests.accounts.factories import sign_in
from tests.registry.factories import GRID_A1A, GRID_A1B, GRID_B1A, VILLAGE_A2, make_person
from tests.registry.forms_helpers import errors_of
from tests.registry.pages_helpers import HX, html_of, row_ids

pytestmark = pytest.mark.django_db

CREDIT = "91350200776049653A"  # a real code (GB 32100 check character)


def house_state(house: House) -> tuple:
    house.refresh_from_db()
    return (
        house.address,
        house.region_code,
        house.is_rental,
        house.owner_id,
        house.lng,
        house.lat,
        house.version,
    )


def test_registering_a_house_with_owner_and_point(client, world):
    sign_in(client, world.town_a)
    assert 'id="house-new" href="/registry/houses/new/"' in html_of(client.get("/registry/houses/"))
    assert client.get("/registry/houses/new/").status_code == 200
    response = client.post(
        "/registry/houses/new/",
        {
            "address": "示范村一组 18 号",
            "region_code": GRID_A1B,
            "is_rental": "1",
            "owner_id": world.p_a1b.pk,
            "lng": "104.0123",
            "lat": "27.3012",
        },
    )
    house = House.objects.get(address="示范村一组 18 号")
    assert response.status_code == 302
    assert response["Location"] == f"/registry/houses/{house.pk}/"
    assert house_state(house) == (
        "示范村一组 18 号",
        GRID_A1B,
        True,
        world.p_a1b.pk,
        104.0123,
        27.3012,
        1,
    )
    assert AuditRecord.objects.filter(action="registry.house.create", object_id=str(house.pk))


def test_house_errors_and_foreign_grid_save_nothing(client, world):
    sign_in(client, world.town_a)
    before = House.objects.count()
    response = client.post(
        "/registry/houses/new/",
        {"address": " ", "region_code": GRID_B1A, "owner_id": world.p_b1.pk, "lng": "104.1"},
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "请填写房屋地址。" in errors_of(html, "address")
    assert "该网格不在您的管辖范围内。" in errors_of(html, "region_code")
    assert "房主不存在或不在您的管辖范围内。" in errors_of(html, "owner_id")
    assert "经度和纬度需同时填写。" in errors_of(html, "lat")
    # No grid chosen and a point outside every grid.
    response = client.post(
        "/registry/houses/new/", {"address": "野外1号", "region_code": "", "lng": "1", "lat": "1"}
    )
    assert "该位置不在任何网格内，请选择所属网格。" in errors_of(html_of(response), "region_code")
    assert House.objects.count() == before


def test_owner_picker_searches_people_in_scope(client, world):
    house = House.objects.create(address="示范村一组8号", region_code=GRID_A1A)
    occupant = make_person(GRID_A1A, "钱一", house=house)
    sign_in(client, world.town_a)
    html = html_of(client.get(f"/registry/houses/{house.pk}/edit/"))
    assert f'<option value="{occupant.pk}">钱一' in html  # occupants are offered first
    html = html_of(
        client.get("/registry/people/options/", {"owner_q": "zs", "house": house.pk}, **HX)
    )
    assert f'<option value="{world.p_a1a.pk}">张三丰' in html
    assert f'<option value="{occupant.pk}">钱一' in html
    html = html_of(client.get("/registry/people/options/", {"owner_q": "赵六"}, **HX))
    assert "赵六" not in html  # town B's


def test_correcting_a_house(client, world):
    house = House.objects.create(address="示范村一组8号", region_code=GRID_A1A)
    sign_in(client, world.grid_a1a)
    assert f'id="house-edit" href="/registry/houses/{house.pk}/edit/"' in html_of(
        client.get(f"/registry/houses/{house.pk}/")
    )
    response = client.post(
        f"/registry/houses/{house.pk}/edit/",
        {
            "version": 1,
            "address": "示范村一组8号附1号",
            "region_code": GRID_A1A,
            "is_rental": "1",
            "owner_id": world.p_a1a.pk,
            "lng": "",
            "lat": "",
        },
    )
    assert response.status_code == 302
    assert house_state(house) == (
        "示范村一组8号附1号",
        GRID_A1A,
        True,
        world.p_a1a.pk,
        None,
        None,
        2,
    )
    record = AuditRecord.objects.get(action="registry.house.update")
    assert record.detail == {"fields": ["address", "is_rental", "owner_id"]}


def test_a_house_with_occupants_keeps_its_grid_and_stale_edits_conflict(client, world):
    house = House.objects.create(address="示范村一组8号", region_code=GRID_A1A)
    make_person(GRID_A1A, "钱一", house=house)
    sign_in(client, world.town_a)
    before = house_state(house)
    data = {"version": 1, "address": "示范村一组8号", "region_code": GRID_A1B, "owner_id": ""}
    response = client.post(f"/registry/houses/{house.pk}/edit/", data)
    assert response.status_code == 400
    assert "该房屋已登记住户，不能改到其他网格" in errors_of(html_of(response), "region_code")
    assert house_state(house) == before
    response = client.post(
        f"/registry/houses/{house.pk}/edit/", {**data, "version": 7, "region_code": GRID_A1A}
    )
    assert response.status_code == 409
    assert "该房屋信息已被他人修改，请刷新后重试。" in errors_of(html_of(response), "all")
    assert house_state(house) == before
    assert not AuditRecord.objects.filter(action="registry.house.update").exists()
    # An empty house may move to another grid in scope.
    empty = House.objects.create(address="示范村二组1号", region_code=GRID_A1A)
    response = client.post(
        f"/registry/houses/{empty.pk}/edit/",
        {"version": 1, "address": "示范村二组1号", "region_code": VILLAGE_A2},
    )
    assert response.status_code == 302
    assert house_state(empty)[1] == VILLAGE_A2


def test_organizations_register_and_correct(client, world):
    sign_in(client, world.town_a)
    html = html_of(client.get("/registry/organizations/"))
    assert 'id="unit-new" href="/registry/organizations/new/"' in html
    response = client.post(
        "/registry/organizations/new/",
        {
            "kind": "non_public",
            "name": "",
            "region_code": GRID_A1A,
            "credit_code": CREDIT[:17] + "B",
        },
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "请填写名称。" in errors_of(html, "name")
    assert "统一社会信用代码校验位错误，请核对。" in errors_of(html, "credit_code")
    assert not Organization.objects.exists()
    response = client.post(
        "/registry/organizations/new/",
        {
            "kind": "non_public",
            "name": "示范建材有限公司",
            "region_code": GRID_A1A,
            "credit_code": CREDIT.lower(),
            "attention": "02",
            "legal_representative": "周总",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/registry/organizations/"
    org = Organization.objects.get()
    assert (org.name, org.credit_code, org.attention, org.version) == (
        "示范建材有限公司",
        CREDIT,
        "02",
        1,
    )
    html = html_of(client.get("/registry/organizations/"))
    assert row_ids(html, "unit") == [org.pk]
    assert f'href="/registry/organizations/{org.pk}/edit/"' in html
    edit = f"/registry/organizations/{org.pk}/edit/"
    assert 'value="示范建材有限公司"' in html_of(client.get(edit))
    response = client.post(
        edit,
        {
            "version": 1,
            "kind": "social",
            "name": "示范建材协会",
            "region_code": GRID_A1A,
            "credit_code": CREDIT,
            "attention": "02",
            "legal_representative": "周总",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.kind, org.name, org.version) == ("social", "示范建材协会", 2)
    assert AuditRecord.objects.get(action="registry.organization.update").detail == {
        "kind": "social",
        "fields": ["kind", "name"],
    }
    response = client.post(
        edit, {"version": 1, "kind": "social", "name": "旧版本", "region_code": GRID_A1A}
    )
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新后重试。" in errors_of(html_of(response), "all")
    response = client.post(
        edit, {"version": 2, "kind": "social", "name": "外镇", "region_code": GRID_B1A}
    )
    assert "该网格不在您的管辖范围内。" in errors_of(html_of(response), "region_code")
    org.refresh_from_db()
    assert (org.name, org.region_code, org.version) == ("示范建材协会", GRID_A1A, 2)


def test_places_register_and_correct(client, world):
    sign_in(client, world.village_a1)
    response = client.post(
        "/registry/places/new/",
        {"kind": "school", "name": "示范小学", "region_code": GRID_A1B, "principal": "李校长"},
    )
    assert response.status_code == 302
    place = Place.objects.get()
    response = client.post(
        f"/registry/places/{place.pk}/edit/",
        {"version": 1, "kind": "nope", "name": "示范小学", "region_code": GRID_A1B},
    )
    assert "请选择有效的类型。" in errors_of(html_of(response), "kind")
    response = client.post(
        f"/registry/places/{place.pk}/edit/",
        {
            "version": 1,
            "kind": "school",
            "name": "示范中心小学",
            "region_code": GRID_A1B,
            "principal": "李校长",
            "address": "示范村三组",
        },
    )
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.name, place.address, place.version) == ("示范中心小学", "示范村三组", 2)


def test_routes_have_a_list_and_forms(client, world):
    sign_in(client, world.town_a)
    html = html_of(client.get("/registry/routes/"))
    assert '<a href="/registry/routes/" class="active" aria-current="page">护路护线</a>' in html
    assert 'id="no-units"' in html
    response = client.post(
        "/registry/routes/new/",
        {
            "kind": "railway",
            "name": "示范铁路K10段",
            "region_code": GRID_A1A,
            "geometry": "104.01,27.30\n104.02",
        },
    )
    assert "线路应为 GeoJSON LineString（WGS84 经纬度）。" in errors_of(
        html_of(response), "geometry"
    )
    response = client.post(
        "/registry/routes/new/",
        {
            "kind": "railway",
            "name": "示范铁路K10段",
            "region_code": GRID_A1A,
            "owner_unit": "示范工务段",
            "hazard": "护栏破损两处",
            "geometry": "104.01,27.30\n104.02，27.31",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/registry/routes/"
    route = Route.objects.get()
    assert route.geometry == {
        "type": "LineString",
        "coordinates": [[104.01, 27.3], [104.02, 27.31]],
    }
    html = html_of(client.get("/registry/routes/"))
    assert row_ids(html, "unit") == [route.pk] and "护栏破损两处" in html
    edit = f"/registry/routes/{route.pk}/edit/"
    assert "104.01,27.3\n104.02,27.31</textarea>" in html_of(client.get(edit))
    response = client.post(
        edit,
        {
            "version": 1,
            "kind": "railway",
            "name": "示范铁路K10段",
            "region_code": GRID_A1A,
            "owner_unit": "示范工务段",
            "hazard": "已修复",
            "geometry": "",
        },
    )
    assert response.status_code == 302
    route.refresh_from_db()
    assert (route.hazard, route.geometry, route.version) == ("已修复", None, 2)


def test_leader_and_departments_cannot_register_units(client, world):
    org = Organization.objects.create(kind="social", name="示范协会", region_code=GRID_A1A)
    sign_in(client, world.leader)
    html = html_of(client.get("/registry/routes/"))
    assert 'id="unit-new"' not in html
    assert 'id="house-new"' not in html_of(client.get("/registry/houses/"))
    assert (
        client.post(
            "/registry/routes/new/", {"kind": "railway", "name": "强行", "region_code": GRID_A1A}
        ).status_code
        == 403
    )
    response = client.post(
        f"/registry/organizations/{org.pk}/edit/",
        {"version": 1, "kind": "social", "name": "领导改名", "region_code": GRID_A1A},
    )
    assert response.status_code == 403
    assert (
        client.post(
            "/registry/houses/new/", {"address": "强行1号", "region_code": GRID_A1A}
        ).status_code
        == 403
    )
    sign_in(client, world.sifa)
    assert client.get("/registry/routes/").status_code == 403
    response = client.post(
        "/registry/places/new/", {"kind": "school", "name": "司法登记", "region_code": GRID_A1A}
    )
    assert response.status_code == 403
    assert "当前岗位不能登记或修改基础信息。" in html_of(response)
    assert not Route.objects.exists() and not Place.objects.exists()
    assert not House.objects.exists()
    org.refresh_from_db()
    assert (org.name, org.version) == ("示范协会", 1)
    denied = AuditRecord.objects.filter(action="permission.denied")
    assert denied.filter(detail__reason="read_only_role").count() == 3
    assert denied.filter(detail__reason="registry_write_role").count() == 1


def test_units_outside_the_scope_are_not_found(client, world):
    org = Organization.objects.create(kind="social", name="外镇协会", region_code=GRID_B1A)
    house = House.objects.create(address="外镇一组1号", region_code=GRID_B1A)
    sign_in(client, world.town_a)
    assert client.get(f"/registry/organizations/{org.pk}/edit/").status_code == 404
    response = client.post(
        f"/registry/houses/{house.pk}/edit/", {"version": 1, "address": "改", "region_code": ""}
    )
    assert response.status_code == 404
    assert house_state(house)[0] == "外镇一组1号"
    assert AuditRecord.objects.filter(action="scope.denied").count() == 2
