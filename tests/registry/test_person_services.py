"""person_create / person_update: validation, derived fields, duplicates, permission, audit."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.audit.verify import verify_chain
from pingan.registry.keys import id_hash, id_tail_hash, phone_hash
from pingan.registry.models import Person
from pingan.registry.services import (
    ConflictError,
    DuplicatePersonError,
    house_create,
    person_create,
    person_update,
)
from tests.factories import make_actor
from tests.registry.factories import (
    COUNTY,
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    TOWN_A,
    VILLAGE_A1,
    build_tree,
    dept_actor,
    make_id,
)

pytestmark = pytest.mark.django_db

FEMALE_1985 = make_id(birth="19850315", seq=124)  # even sequence: female
MALE_1990 = make_id(birth="19900101", seq=123)


@pytest.fixture
def tree(db):
    build_tree()


@pytest.fixture
def worker(tree):
    return make_actor(Role.GRID_WORKER, GRID_A1A)


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def test_create_normalises_derives_and_audits(worker):
    spaced = f" {MALE_1990[:6]} {MALE_1990[6:14]} {MALE_1990[14:].lower()} "
    person = person_create(
        actor=worker,
        name=" 单  田芳 ",
        id_number=spaced,
        region_code=GRID_A1A,
        phone="+86 138-1234-5678",
        address="示范村一组 8 号",
        ethnicity="汉族",
    )
    person.refresh_from_db()
    assert (person.name, person.name_pinyin, person.name_initials) == (
        "单 田芳",
        "shantianfang",
        "stf",
    )
    assert person.id_number == MALE_1990
    assert (person.sex, person.birth_date) == ("1", date(1990, 1, 1))
    assert person.ethnicity == "01"
    assert person.phone == "13812345678"
    assert person.id_hash == id_hash(MALE_1990)
    assert person.id_tail4_hash == id_tail_hash(MALE_1990[-4:])
    assert person.id_tail6_hash == id_tail_hash(MALE_1990[-6:])
    assert person.phone_hash == phone_hash("13812345678")
    assert (person.created_by, person.version) == (worker.user, 1)
    record = AuditRecord.objects.get(action="registry.person.create")
    assert (record.object_type, record.object_id, record.region_code, record.detail) == (
        "registry.person",
        str(person.pk),
        GRID_A1A,
        {},
    )
    assert verify_chain().ok


def test_sensitive_columns_are_ciphertext_in_the_database(worker):
    person = person_create(
        actor=worker, name="张三", id_number=MALE_1990, region_code=GRID_A1A, phone="13812345678"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_person WHERE id = %s", [person.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert raw_id.startswith("v1:") and MALE_1990 not in raw_id
    assert raw_phone.startswith("v1:") and "13812345678" not in raw_phone


def test_fifteen_digit_number_is_upgraded(worker):
    old = "990101900101123"  # 1990-01-01, sequence 123
    person = person_create(actor=worker, name="老号", id_number=old, region_code=GRID_A1A)
    assert person.id_number == MALE_1990


def test_every_field_error_at_once_and_nothing_saved(worker):
    bad = MALE_1990[:17] + ("0" if MALE_1990[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        person_create(
            actor=worker,
            name="",
            id_number=bad,
            region_code=GRID_B1A,
            phone="12345",
            ethnicity="火星族",
        )
    errors = errors_of(info)
    assert errors["name"] == ["请填写姓名。"]
    assert errors["id_number"][0].startswith("校验码错误")
    assert errors["region_code"] == ["该网格不在您的管辖范围内。"]
    assert errors["phone"] == [
        "联系电话应为11位手机号码，或带区号的固定电话号码（如 0871-12345678）。"
    ]
    assert errors["ethnicity"] == ["“火星族”不是有效的民族代码。"]
    assert not Person.objects.exists()
    assert not AuditRecord.objects.filter(action="registry.person.create").exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "请选择所属村（社区）或网格。"),
        ("990101001001999", "区划/网格编码“990101001001999”不存在。"),
        (TOWN_A, "请选择到村（社区）或网格一级。"),
    ],
)
def test_region_must_be_an_existing_village_or_grid(tree, code, message):
    actor = make_actor(Role.COUNTY_OPERATOR, COUNTY)
    with pytest.raises(ValidationError) as info:
        person_create(actor=actor, name="张三", id_number=MALE_1990, region_code=code)
    assert errors_of(info) == {"region_code": [message]}


def test_given_sex_and_birth_date_must_match_the_number(worker):
    with pytest.raises(ValidationError) as info:
        person_create(
            actor=worker,
            name="张三",
            id_number=FEMALE_1985,
            region_code=GRID_A1A,
            sex="1",
            birth_date="1985-03-16",
        )
    assert errors_of(info) == {
        "sex": ["性别与公民身份号码不一致：号码显示为“女”。"],
        "birth_date": ["出生日期与公民身份号码不一致：号码显示为 1985-03-15。"],
    }
    person = person_create(
        actor=worker,
        name="张三",
        id_number=FEMALE_1985,
        region_code=GRID_A1A,
        sex="2",
        birth_date="1985-03-15",
    )
    assert person.sex == "2"


def test_duplicate_id_names_the_existing_person_only_in_scope(tree):
    grid_b = make_actor(Role.GRID_WORKER, GRID_B1A)
    first = person_create(actor=grid_b, name="赵六", id_number=MALE_1990, region_code=GRID_B1A)
    county = make_actor(Role.COUNTY_OPERATOR, COUNTY)
    with pytest.raises(DuplicatePersonError) as info:
        person_create(actor=county, name="赵六", id_number=MALE_1990, region_code=GRID_A1A)
    assert errors_of(info) == {"id_number": ["该身份证号已登记。"]}
    assert info.value.existing == first
    town_a = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    with pytest.raises(DuplicatePersonError) as info:
        person_create(actor=town_a, name="赵六", id_number=MALE_1990, region_code=GRID_A1A)
    assert info.value.existing is None
    assert Person.objects.count() == 1


def test_house_fills_region_and_address_and_must_match(worker):
    house = house_create(actor=worker, address="示范村一组8号", region_code=GRID_A1A)
    person = person_create(actor=worker, name="张三", id_number=MALE_1990, house_id=house.pk)
    assert (person.region_code, person.address, person.house) == (GRID_A1A, "示范村一组8号", house)
    village = make_actor(Role.VILLAGE_STAFF, VILLAGE_A1)
    with pytest.raises(ValidationError) as info:
        person_create(
            actor=village,
            name="李四",
            id_number=FEMALE_1985,
            region_code=GRID_A1B,
            house_id=house.pk,
        )
    assert errors_of(info) == {"house_id": ["所属房屋不在所选网格内。"]}
    other_grid = make_actor(Role.GRID_WORKER, GRID_A1B)
    with pytest.raises(ValidationError) as info:
        person_create(
            actor=other_grid,
            name="李四",
            id_number=FEMALE_1985,
            region_code=GRID_A1B,
            house_id=house.pk,
        )
    assert errors_of(info) == {"house_id": ["房屋不存在或不在您的管辖范围内。"]}


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR])
def test_read_only_roles_cannot_register(tree, role):
    actor = make_actor(role, COUNTY)
    with pytest.raises(PermissionDenied, match="只读岗位不能修改数据。"):
        person_create(actor=actor, name="张三", id_number=MALE_1990, region_code=GRID_A1A)
    assert not Person.objects.exists()
    assert AuditRecord.objects.get(action="permission.denied").detail["reason"] == "read_only_role"


@pytest.mark.parametrize("who", ["department", Role.SYSTEM_ADMIN])
def test_departments_and_admins_cannot_register(tree, who):
    actor = dept_actor("weijian") if who == "department" else make_actor(who, COUNTY)
    with pytest.raises(PermissionDenied, match="当前岗位不能登记或修改基础信息。"):
        person_create(actor=actor, name="张三", id_number=MALE_1990, region_code=GRID_A1A)
    assert not Person.objects.exists()
    record = AuditRecord.objects.get(action="permission.denied")
    assert record.detail == {"reason": "registry_write_role", "role": actor.role}


def test_update_changes_fields_bumps_version_and_audits_names_only(worker):
    person = person_create(actor=worker, name="张三", id_number=MALE_1990, region_code=GRID_A1A)
    updated = person_update(
        actor=worker,
        person=person,
        version=1,
        changes={"name": "张珊", "phone": "0871-12345678", "address": "新址", "ethnicity": "03"},
    )
    assert (updated.name, updated.name_pinyin, updated.phone, updated.version) == (
        "张珊",
        "zhangshan",
        "087112345678",
        2,
    )
    assert updated.phone_hash == phone_hash("087112345678")
    record = AuditRecord.objects.get(action="registry.person.update")
    assert record.detail == {"fields": ["address", "ethnicity", "name", "phone"]}
    with pytest.raises(ConflictError, match="已被他人修改"):
        person_update(actor=worker, person=updated, version=1, changes={"name": "张三"})
    assert Person.objects.get(pk=person.pk).name == "张珊"


def test_update_of_id_number_rederives_and_checks_duplicates(worker):
    person = person_create(actor=worker, name="张三", id_number=MALE_1990, region_code=GRID_A1A)
    other = person_create(actor=worker, name="李四", id_number=FEMALE_1985, region_code=GRID_A1A)
    with pytest.raises(DuplicatePersonError) as info:
        person_update(actor=worker, person=other, version=1, changes={"id_number": MALE_1990})
    assert info.value.existing == person
    fixed = make_id(birth="19850316", seq=126)
    other = person_update(actor=worker, person=other, version=1, changes={"id_number": fixed})
    assert (other.birth_date, other.sex, other.id_hash) == (date(1985, 3, 16), "2", id_hash(fixed))


def test_update_with_nothing_changed_writes_nothing(worker):
    person = person_create(actor=worker, name="张三", id_number=MALE_1990, region_code=GRID_A1A)
    same = person_update(actor=worker, person=person, version=1, changes={"name": "张三"})
    assert same.version == 1
    assert not AuditRecord.objects.filter(action="registry.person.update").exists()


def test_update_out_of_scope_is_denied_and_audited(tree):
    grid_b = make_actor(Role.GRID_WORKER, GRID_B1A)
    person = person_create(actor=grid_b, name="赵六", id_number=MALE_1990, region_code=GRID_B1A)
    town_a = make_actor(Role.TOWN_OPERATOR, TOWN_A)
    with pytest.raises(PermissionDenied):
        person_update(actor=town_a, person=person, version=1, changes={"name": "改名"})
    assert Person.objects.get(pk=person.pk).name == "赵六"
    assert AuditRecord.objects.filter(action="scope.denied").count() == 1


def test_update_rejects_fields_that_are_not_corrections(worker):
    person = person_create(actor=worker, name="张三", id_number=MALE_1990, region_code=GRID_A1A)
    with pytest.raises(ValueError, match="region_code"):
        person_update(actor=worker, person=person, version=1, changes={"region_code": GRID_A1B})
