"""Department types (seeded code table) and departments (code convention, audit, permission)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.regions.models import Department, DepartmentType
from pingan.regions.services import department_create, department_type_save, department_update
from tests.factories import make_actor, region_chain

pytestmark = pytest.mark.django_db

SEEDED = [
    ("gongan", "公安"),
    ("jiancha", "检察"),
    ("fayuan", "法院"),
    ("sifa", "司法"),
    ("minzheng", "民政"),
    ("renshe", "人社"),
    ("weijian", "卫健"),
    ("yingji", "应急"),
    ("shichang", "市场监管"),
    ("zhujian", "住建"),
    ("chengguan", "城管"),
    ("xinfang", "信访"),
    ("jiaoyu", "教育"),
    ("ziranziyuan", "自然资源"),
    ("shengtai", "生态环境"),
    ("nongye", "农业农村"),
    ("other", "其他"),
]


def test_department_types_are_seeded_in_order():
    assert list(DepartmentType.objects.values_list("code", "name")) == SEEDED


def test_create_department_with_conventional_code():
    county = region_chain("990101")
    admin = make_actor(Role.SYSTEM_ADMIN, "990101")
    police = department_create(
        actor=admin,
        region=county,
        dept_type=DepartmentType.objects.get(code="gongan"),
        name="示范县公安局",
    )
    assert (police.code, police.region_id, police.type_id) == ("990101-gongan", "990101", "gongan")
    record = AuditRecord.objects.get(action="department.create")
    assert (record.object_id, record.region_code, record.actor) == (
        "990101-gongan",
        "990101",
        admin.user,
    )
    other = department_create(
        actor=None,
        region=county,
        dept_type=DepartmentType.objects.get(code="other"),
        name="示范县财政局",
        suffix="caizheng",
    )
    assert other.code == "990101-other-caizheng"


def test_duplicate_code_and_wrong_level_are_field_errors():
    county = region_chain("990101")
    village = region_chain("990101001001")
    police = DepartmentType.objects.get(code="gongan")
    department_create(actor=None, region=county, dept_type=police, name="公安局")
    with pytest.raises(ValidationError) as caught:
        department_create(actor=None, region=county, dept_type=police, name="又一个")
    assert caught.value.message_dict == {"code": ["部门编码 990101-gongan 已存在。"]}
    with pytest.raises(ValidationError) as caught:
        department_create(actor=None, region=village, dept_type=police, name=" ")
    assert caught.value.message_dict == {
        "region": ["部门只能设在乡镇及以上区划，区划990101001001 是村/社区。"],
        "name": ["名称不能为空。"],
    }
    assert Department.objects.count() == 1


def test_model_clean_enforces_the_code_convention():
    county = region_chain("990101")
    police = DepartmentType.objects.get(code="gongan")
    department = Department(code="990102-gongan", name="x", type=police, region=county)
    with pytest.raises(ValidationError) as caught:
        department.clean()
    assert caught.value.message_dict == {
        "code": ["部门编码必须是“区划编码-类型编码”（如 990101-gongan），可再加“-后缀”。"]
    }
    Department(code="990101-gongan-2", name="x", type=police, region=county).clean()


def test_update_and_permission():
    county = region_chain("990101")
    police = department_create(
        actor=None, region=county, dept_type=DepartmentType.objects.get(code="gongan"), name="a"
    )
    operator = make_actor(Role.COUNTY_OPERATOR, "990101")
    with pytest.raises(PermissionDenied):
        department_update(actor=operator, department=police, name="b", active=False)
    assert AuditRecord.objects.filter(action="permission.denied").count() == 1
    department_update(actor=None, department=police, name="示范县公安局", active=False)
    police.refresh_from_db()
    assert (police.name, police.active) == ("示范县公安局", False)
    assert AuditRecord.objects.get(action="department.update").detail == {
        "before": {"name": "a", "active": True},
        "after": {"name": "示范县公安局", "active": False},
    }


def test_department_type_save_validates_code():
    with pytest.raises(ValidationError) as caught:
        department_type_save(actor=None, code="Cai-Zheng", name="财政")
    assert list(caught.value.message_dict) == ["code"]
    saved = department_type_save(actor=None, code="caizheng", name="财政", sort=200)
    assert (saved.code, saved.name, saved.sort) == ("caizheng", "财政", 200)
    assert AuditRecord.objects.get(action="department_type.save").detail["created"] is True
