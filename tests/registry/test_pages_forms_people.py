"""新增人员 / 修改人员 through the pages: registration with field errors (ID checksum, phone,
grid out of scope, house), the house picker, corrections with version checks, and refusals
(leader, departments) that change nothing and are audited."""

from __future__ import annotations

import pytest

from pingan.audit.models import AuditRecord
from pingan.registry.models import House, Person
from tests.accounts.factories import sign_in
from tests.registry.factories import GRID_A1A, GRID_A1B, GRID_B1A, make_id
from tests.registry.forms_helpers import errors_of
from tests.registry.pages_helpers import HX, html_of

pytestmark = pytest.mark.django_db

NEW = "/registry/people/new/"


def edit_url(person) -> str:
    return f"/registry/people/{person.pk}/edit/"


def snapshot(person: Person) -> tuple:
    person.refresh_from_db()
    return (
        person.name,
        person.id_number,
        person.phone,
        person.address,
        person.house_id,
        person.version,
    )


def test_list_and_detail_offer_the_forms_to_writers(client, world):
    sign_in(client, world.grid_a1a)
    assert 'id="person-new" href="/registry/people/new/"' in html_of(client.get("/registry/"))
    html = html_of(client.get(f"/registry/people/{world.p_a1a.pk}/"))
    assert f'id="person-edit" href="/registry/people/{world.p_a1a.pk}/edit/"' in html
    assert f'id="card-new" href="/registry/people/{world.p_a1a.pk}/cards/new/"' in html


def test_a_grid_worker_registers_a_person_in_their_grid(client, world):
    sign_in(client, world.grid_a1a)
    html = html_of(client.get(NEW))
    # The worker's only grid is chosen already; the county's other grids are not offered.
    assert f'<option value="{GRID_A1A}" selected>' in html
    assert GRID_A1B not in html and GRID_B1A not in html
    house = House.objects.create(address="示范村一组8号", region_code=GRID_A1A)
    number = make_id(birth="19850314", seq=771)
    response = client.post(
        NEW,
        {
            "name": " 孙 七 ",
            "id_number": number,
            "phone": "139 0000 2222",
            "ethnicity": "01",
            "region_code": GRID_A1A,
            "house_id": str(house.pk),
            "address": "",
        },
    )
    person = Person.objects.get(name="孙 七")
    assert response.status_code == 302
    assert response["Location"] == f"/registry/people/{person.pk}/"
    assert (person.id_number, person.phone, person.region_code) == (number, "13900002222", GRID_A1A)
    assert (person.house_id, person.address, person.sex) == (house.pk, "示范村一组8号", "1")
    assert str(person.birth_date) == "1985-03-14"
    record = AuditRecord.objects.get(action="registry.person.create")
    assert (record.object_id, record.region_code) == (str(person.pk), GRID_A1A)
    page = html_of(client.get(response["Location"]))
    assert "已登记人员“孙 七”。" in page


def test_bad_id_number_phone_and_foreign_grid_are_field_errors_and_nothing_is_saved(client, world):
    sign_in(client, world.town_a)
    before = Person.objects.count()
    good = make_id(seq=555)
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    response = client.post(
        NEW,
        {"name": "周八", "id_number": bad, "phone": "12345", "region_code": GRID_B1A},
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "校验码错误：按前17位计算最后一位应为" in errors_of(html, "id_number")
    assert "联系电话应为11位手机号码" in errors_of(html, "phone")
    assert "该网格不在您的管辖范围内。" in errors_of(html, "region_code")
    # The form comes back as typed.
    assert 'value="周八"' in html and f'value="{bad}"' in html
    assert Person.objects.count() == before
    assert not AuditRecord.objects.filter(action="registry.person.create").exists()
    # A town is not a place to file a person; nothing chosen at all is an error too.
    response = client.post(NEW, {"name": "周八", "id_number": good, "region_code": ""})
    assert "请选择所属村（社区）或网格。" in errors_of(html_of(response), "region_code")
    assert Person.objects.count() == before


def test_a_registered_id_number_links_to_the_person_in_scope(client, world):
    sign_in(client, world.town_a)
    response = client.post(
        NEW, {"name": "重复", "id_number": world.p_a1b.id_number, "region_code": GRID_A1A}
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "该身份证号已登记。" in errors_of(html, "id_number")
    assert f'<a href="/registry/people/{world.p_a1b.pk}/">李四</a>' in html
    # Someone registered in another town: same message, no name, no link.
    response = client.post(
        NEW, {"name": "重复", "id_number": world.p_b1.id_number, "region_code": GRID_A1A}
    )
    html = html_of(response)
    assert "该身份证号已登记。" in errors_of(html, "id_number")
    assert "赵六" not in html and 'id="existing-person"' not in html
    assert Person.objects.filter(name="重复").count() == 0


def test_house_picker_lists_the_grids_houses_and_a_house_elsewhere_is_refused(client, world):
    mine = House.objects.create(address="示范村一组8号", region_code=GRID_A1A)
    House.objects.create(address="示范村二组1号", region_code=GRID_A1A)
    neighbour = House.objects.create(address="示范村一组9号", region_code=GRID_A1B)
    foreign = House.objects.create(address="外镇一组1号", region_code=GRID_B1A)
    sign_in(client, world.town_a)
    html = html_of(
        client.get(
            "/registry/houses/options/",
            {"region_code": GRID_A1A, "house_q": "一组", "house_id": ""},
            **HX,
        )
    )
    assert f'<option value="{mine.pk}">示范村一组8号</option>' in html
    assert "二组" not in html and str(neighbour.pk) not in html
    html = html_of(client.get("/registry/houses/options/", {"region_code": GRID_B1A}, **HX))
    assert "外镇" not in html  # another town's grid: nothing offered
    number = make_id(seq=601)
    response = client.post(
        NEW,
        {"name": "吴九", "id_number": number, "region_code": GRID_A1A, "house_id": neighbour.pk},
    )
    assert "所属房屋不在所选网格内。" in errors_of(html_of(response), "house_id")
    response = client.post(
        NEW,
        {"name": "吴九", "id_number": number, "region_code": GRID_A1A, "house_id": foreign.pk},
    )
    assert "房屋不存在或不在您的管辖范围内。" in errors_of(html_of(response), "house_id")
    assert not Person.objects.filter(name="吴九").exists()


def test_new_occupant_from_a_house_page_starts_in_that_house(client, world):
    house = House.objects.create(address="示范村一组8号", region_code=GRID_A1B)
    sign_in(client, world.village_a1)
    html = html_of(client.get(f"/registry/houses/{house.pk}/"))
    assert f'id="occupant-new" href="/registry/people/new/?house={house.pk}"' in html
    html = html_of(client.get(NEW, {"house": house.pk}))
    assert f'<option value="{GRID_A1B}" selected>' in html
    assert f'<option value="{house.pk}" selected>示范村一组8号</option>' in html


def test_correcting_a_person_changes_only_what_was_typed(client, world):
    person = world.p_a1a
    house = House.objects.create(address="示范村一组8号", region_code=GRID_A1A)
    sign_in(client, world.grid_a1a)
    html = html_of(client.get(edit_url(person)))
    # Full ID number and phone are never put in the form; the masked ones are hints.
    assert person.id_number not in html and "13812345678" not in html
    assert f'placeholder="{person.id_number[:6]}********{person.id_number[-4:]}"' in html
    assert 'placeholder="138****5678"' in html
    assert f'<input type="hidden" name="version" value="{person.version}">' in html
    response = client.post(
        edit_url(person),
        {
            "version": person.version,
            "name": "张三峰",
            "id_number": "",
            "phone": "",
            "address": "示范村一组8号",
            "ethnicity": "03",
            "house_id": house.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/registry/people/{person.pk}/"
    person.refresh_from_db()
    assert (person.name, person.name_pinyin, person.ethnicity) == ("张三峰", "zhangsanfeng", "03")
    assert (person.phone, person.house_id, person.version) == ("13812345678", house.pk, 2)
    record = AuditRecord.objects.get(action="registry.person.update")
    assert record.detail == {"fields": ["address", "ethnicity", "house_id", "name"]}
    # The phone can be cleared explicitly, and a corrected ID number replaces the old one.
    number = make_id(birth="19900101", seq=888)
    response = client.post(
        edit_url(person),
        {
            "version": 2,
            "name": "张三峰",
            "id_number": number,
            "clear_phone": "1",
            "address": "示范村一组8号",
            "ethnicity": "03",
            "house_id": house.pk,
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.id_number, person.phone, person.version) == (number, "", 3)


def test_a_stale_edit_is_a_conflict_and_changes_nothing(client, world):
    person = world.p_a1a
    before = snapshot(person)
    sign_in(client, world.town_a)
    response = client.post(
        edit_url(person),
        {
            "version": person.version - 1 if person.version > 1 else 99,
            "name": "别人改的",
            "address": "",
            "ethnicity": "",
            "house_id": "",
        },
    )
    html = html_of(response)
    assert response.status_code == 409
    assert "该人员信息已被他人修改，请刷新后重试。" in errors_of(html, "all")
    assert 'id="conflict"' in html and 'value="别人改的"' in html
    assert snapshot(person) == before
    # Bad input in a correction: field errors, nothing saved.
    response = client.post(
        edit_url(person),
        {
            "version": person.version,
            "name": "",
            "phone": "abc",
            "address": "",
            "ethnicity": "",
            "house_id": "",
        },
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "请填写姓名。" in errors_of(html, "name")
    assert "联系电话只能包含数字" in errors_of(html, "phone")
    assert snapshot(person) == before


def test_leaders_get_no_forms_and_a_forced_post_is_refused_and_audited(client, world):
    person = world.p_a1a
    before, count = snapshot(person), Person.objects.count()
    sign_in(client, world.leader)
    assert 'id="person-new"' not in html_of(client.get("/registry/"))
    page = html_of(client.get(f"/registry/people/{person.pk}/"))
    assert 'id="person-edit"' not in page and 'id="card-new"' not in page
    denied = AuditRecord.objects.filter(action="permission.denied", outcome="denied")
    assert client.get(NEW).status_code == 403
    response = client.post(
        NEW, {"name": "强行", "id_number": make_id(seq=777), "region_code": GRID_A1A}
    )
    assert response.status_code == 403
    assert "只读岗位不能修改数据。" in html_of(response)
    response = client.post(
        edit_url(person), {"version": person.version, "name": "强行改名", "address": ""}
    )
    assert response.status_code == 403
    assert Person.objects.count() == count and snapshot(person) == before
    assert denied.filter(detail__reason="read_only_role").count() == 3


def test_departments_cannot_register_or_correct(client, world):
    person = world.p_a1a
    before, count = snapshot(person), Person.objects.count()
    sign_in(client, world.weijian)  # reads 严重精神障碍 cards through its gate
    assert client.get(f"/registry/people/{person.pk}/").status_code == 200
    for response in (
        client.get(edit_url(person)),
        client.post(edit_url(person), {"version": person.version, "name": "卫健改名"}),
        client.post(
            NEW, {"name": "卫健登记", "id_number": make_id(seq=778), "region_code": GRID_A1A}
        ),
    ):
        assert response.status_code == 403
        assert "当前岗位不能登记或修改基础信息。" in html_of(response)
    assert Person.objects.count() == count and snapshot(person) == before
    assert AuditRecord.objects.filter(detail__reason="registry_write_role").count() == 3


def test_a_person_outside_the_scope_is_not_found(client, world):
    sign_in(client, world.town_b)
    before = snapshot(world.p_a1a)
    assert client.get(edit_url(world.p_a1a)).status_code == 404
    response = client.post(edit_url(world.p_a1a), {"version": 1, "name": "外镇改名"})
    assert response.status_code == 404
    assert snapshot(world.p_a1a) == before
    assert AuditRecord.objects.filter(action="scope.denied").count() == 2
