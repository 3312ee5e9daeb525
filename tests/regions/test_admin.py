"""Django admin screens for regions, department types and departments (system admins)."""

import pytest

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.regions.models import Department, DepartmentType, Region
from tests.accounts.factories import sign_in
from tests.factories import make_actor
from tests.regions.factories import GRID_A, VILLAGE, build_base_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    build_base_tree()
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    sign_in(client, actor)
    return actor


@pytest.mark.parametrize(
    "url",
    [
        "/admin/regions/region/",
        "/admin/regions/region/?level__exact=grid",
        "/admin/regions/region/?q=东街",
        f"/admin/regions/region/?q={VILLAGE}",
        f"/admin/regions/region/{GRID_A}/change/",
        "/admin/regions/departmenttype/",
        "/admin/regions/departmenttype/add/",
        "/admin/regions/departmenttype/gongan/change/",
        "/admin/regions/department/",
        "/admin/regions/department/add/",
    ],
)
def test_pages_load_for_a_system_admin(client, root, url):
    response = client.get(url)
    assert response.status_code == 200


def test_region_list_search_and_geometry_preview(client, root):
    html = client.get(f"/admin/regions/region/?q={VILLAGE}").content.decode()
    assert GRID_A in html and '990101001"' not in html
    html = client.get(f"/admin/regions/region/{GRID_A}/change/").content.decode()
    assert "Polygon：1 个多边形，1 个环，5 个坐标点" in html
    assert "[116.005, 39.005]" in html


def test_region_rename_goes_through_the_service(client, root):
    response = client.post(f"/admin/regions/region/{GRID_A}/change/", {"name": "一网格"})
    assert response.status_code == 302
    assert Region.objects.get(code=GRID_A).name == "一网格"
    assert AuditRecord.objects.get(action="regions.rename").detail == {
        "from": "东街第一网格",
        "to": "一网格",
    }
    assert client.get("/admin/regions/region/add/").status_code == 403


def test_add_department_through_the_admin(client, root):
    police = DepartmentType.objects.get(code="gongan")
    bad = client.post(
        "/admin/regions/department/add/",
        {"region": VILLAGE, "type": police.code, "suffix": "", "name": "村警务室", "active": "on"},
    )
    assert bad.status_code == 200
    assert "部门只能设在乡镇及以上区划" in bad.content.decode()
    ok = client.post(
        "/admin/regions/department/add/",
        {
            "region": "990101",
            "type": police.code,
            "suffix": "",
            "name": "示范县公安局",
            "active": "on",
        },
    )
    assert ok.status_code == 302
    department = Department.objects.get()
    assert (department.code, department.name) == ("990101-gongan", "示范县公安局")
    assert AuditRecord.objects.get(action="department.create").actor == root.user
    change = client.post(
        "/admin/regions/department/990101-gongan/change/", {"name": "公安局", "active": ""}
    )
    assert change.status_code == 302
    department.refresh_from_db()
    assert (department.name, department.active) == ("公安局", False)


def test_department_type_admin_validates_code(client, root):
    bad = client.post(
        "/admin/regions/departmenttype/add/",
        {"code": "Bad-Code", "name": "财政", "sort": "5", "active": "on"},
    )
    assert bad.status_code == 200
    assert "类型编码须为小写字母开头" in bad.content.decode()
    ok = client.post(
        "/admin/regions/departmenttype/add/",
        {"code": "caizheng", "name": "财政", "sort": "5", "active": "on"},
    )
    assert ok.status_code == 302
    assert DepartmentType.objects.get(code="caizheng").name == "财政"


def test_region_autocomplete_offers_department_levels_only(client, root):
    response = client.get(
        "/admin/autocomplete/",
        {"term": "99", "app_label": "regions", "model_name": "department", "field_name": "region"},
    )
    assert response.status_code == 200
    codes = [r["id"] for r in response.json()["results"]]
    assert codes == ["99", "9901", "990101", "990101001"]


def test_other_roles_are_refused(client):
    build_base_tree()
    staff = make_actor(Role.COUNTY_OPERATOR, "990101")
    staff.user.is_staff = True
    staff.user.save()
    sign_in(client, staff)
    assert client.get("/admin/regions/region/").status_code == 403
    assert client.get(f"/admin/regions/region/{GRID_A}/change/").status_code == 403
    assert client.post(f"/admin/regions/region/{GRID_A}/change/", {"name": "x"}).status_code == 403
    assert Region.objects.get(code=GRID_A).name == "东街第一网格"
