"""People API: masked search and detail, gate-limited fields, audited reveal, create, patch."""

import pytest

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.registry.models import Person
from tests.factories import make_actor
from tests.registry.factories import (
    COUNTY,
    GRID_A1A,
    GRID_B1A,
    api_client,
    make_id,
    make_person,
)

pytestmark = pytest.mark.django_db
PEOPLE = "/api/v1/people/"


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def test_list_is_masked_and_scoped(world):
    body = api_client(world.grid_a1a).get(PEOPLE).json()
    p = world.p_a1a
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": p.pk,
            "name": "张三丰",
            "sex": p.sex,
            # The factory's ID sequence is per process, so the sex digit depends on test order.
            "sex_label": "男" if p.sex == "1" else "女",
            "birth_date": "1990-01-01",
            "ethnicity": "",
            "ethnicity_label": "",
            "id_number": masked(p.id_number),
            "phone": "138****5678",
            "address": "示范村一组1号",
            "region_code": GRID_A1A,
            "house_id": None,
            "version": 1,
            "cards": [
                {
                    "id": p.cards.get(kind="household").pk,
                    "kind": "household",
                    "kind_label": "户籍人口",
                    "status": "active",
                },
                {
                    "id": world.mental_a.pk,
                    "kind": "mental_disorder",
                    "kind_label": "严重精神障碍患者",
                    "status": "active",
                },
            ],
        }
    ]
    assert p.id_number not in str(body)


def test_search_parameter_and_bad_id_error(world):
    client = api_client(world.county)
    names = [r["name"] for r in client.get(PEOPLE, {"q": "zsf"}).json()["results"]]
    assert names == ["张三丰"]
    tail = world.p_b1.id_number[-6:]
    assert [r["name"] for r in client.get(PEOPLE, {"q": tail}).json()["results"]] == ["赵六"]
    bad = world.p_b1.id_number[:17] + ("1" if world.p_b1.id_number[17] != "1" else "2")
    response = client.get(PEOPLE, {"q": bad})
    assert response.status_code == 400
    assert response.json()["q"][0].startswith("校验码错误")


def test_department_list_has_only_gate_fields_and_gated_cards(world):
    body = api_client(world.weijian).get(PEOPLE).json()
    assert [r["name"] for r in body["results"]] == ["张三丰", "赵六"]
    row = body["results"][0]
    assert set(row) == {
        "id",
        "name",
        "sex",
        "sex_label",
        "birth_date",
        "id_number",
        "address",
        "region_code",
        "cards",
    }
    assert row["id_number"] == masked(world.p_a1a.id_number)
    assert [c["kind"] for c in row["cards"]] == ["mental_disorder"]
    assert api_client(world.minzheng).get(PEOPLE).json()["count"] == 0


def test_departments_cannot_look_people_up_by_phone(world):
    client = api_client(world.weijian)
    assert client.get(PEOPLE, {"q": "13812345678"}).json()["count"] == 0
    assert client.get(PEOPLE, {"q": "zsf"}).json()["count"] == 1
    assert api_client(world.county).get(PEOPLE, {"q": "13812345678"}).json()["count"] == 1


def test_list_query_count_is_constant(world, django_assert_max_num_queries):
    client = api_client(world.county)
    with django_assert_max_num_queries(12) as few:
        assert client.get(PEOPLE).json()["count"] == 4
    for n in range(30):
        make_person(GRID_A1A, f"新人{n}", id_number=make_id(seq=500 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PEOPLE).json()["count"] == 34


def test_detail_masks_and_summarises_sensitive_cards(world):
    body = api_client(world.grid_a1a).get(f"{PEOPLE}{world.p_a1a.pk}/").json()
    assert body["id_number"] == masked(world.p_a1a.id_number)
    household, mental = body["cards"]
    assert household["attributes"] == [
        {"name": "household_number", "label": "户号", "value": "H001", "display": "H001"}
    ]
    assert household["attributes_complete"] is True
    assert mental["kind"] == "mental_disorder"
    assert (mental["risk_level"], mental["risk_label"]) == (3, "3级")
    assert mental["attributes"] == []  # diagnosis and guardian need a reveal
    assert mental["attributes_complete"] is False


def test_detail_for_weijian_shows_gate_fields_with_phones_masked(world):
    body = api_client(world.weijian).get(f"{PEOPLE}{world.p_a1a.pk}/").json()
    assert "phone" not in body
    (card,) = body["cards"]
    assert {r["name"]: r["value"] for r in card["attributes"]} == {
        "diagnosis": "01",
        "guardian_name": "张大",
        "guardian_phone": "137****2222",
    }
    assert card["risk_level"] == 3
    assert card["attributes_complete"] is False  # e.g. guardian_id_number is not in the gate


def test_detail_404_for_out_of_scope_and_missing(world):
    client = api_client(world.town_a)
    assert client.get(f"{PEOPLE}{world.p_b1.pk}/").status_code == 404
    assert client.get(f"{PEOPLE}999999/").status_code == 404
    assert api_client(world.gongan).get(f"{PEOPLE}{world.p_a1a.pk}/").status_code == 404
    assert AuditRecord.objects.filter(action="scope.denied").count() == 2


def reveal(actor, person, fields, reason="核实身份"):
    return api_client(actor).post(
        f"{PEOPLE}{person.pk}/reveal/", {"fields": fields, "reason": reason}, format="json"
    )


def test_reveal_returns_full_values_and_audits_each_field(world):
    response = reveal(world.grid_a1a, world.p_a1a, ["id_number", "phone"])
    assert response.status_code == 200
    assert response.json() == {"id_number": world.p_a1a.id_number, "phone": "13812345678"}
    records = AuditRecord.objects.filter(action="sensitive.reveal").order_by("seq")
    assert [(r.outcome, r.detail["field"], r.object_type) for r in records] == [
        ("ok", "id_number", "registry.person"),
        ("ok", "phone", "registry.person"),
    ]


@pytest.mark.parametrize("role", [Role.LEADER])
def test_leaders_may_read_but_not_reveal(world, role):
    response = reveal(world.leader, world.p_a1a, ["id_number"])
    assert response.status_code == 403
    record = AuditRecord.objects.get(action="sensitive.reveal")
    assert (record.outcome, record.detail["denied"]) == ("denied", "role")


def test_department_reveal_limited_to_gate_fields(world):
    response = reveal(world.weijian, world.p_a1a, ["phone"])
    assert response.status_code == 403
    record = AuditRecord.objects.get(action="sensitive.reveal")
    assert (record.outcome, record.detail["denied"], record.detail["field"]) == (
        "denied",
        "scope",
        "phone",
    )


def test_reveal_out_of_scope_is_404_and_needs_a_reason(world):
    assert reveal(world.town_a, world.p_b1, ["id_number"]).status_code == 404
    response = reveal(world.grid_a1a, world.p_a1a, ["id_number"], reason=" ")
    assert response.status_code == 400
    assert response.json() == {"reason": ["请填写查看完整信息的原因。"]}
    response = reveal(world.grid_a1a, world.p_a1a, ["name"])
    assert response.json() == {"fields": ["不能查看的字段：name。"]}
    assert not AuditRecord.objects.filter(action="sensitive.reveal").exists()


def test_create_via_api(world):
    number = make_id(birth="19951111", seq=321)
    response = api_client(world.grid_a1a).post(
        PEOPLE,
        {"name": "孙七", "id_number": number, "region_code": GRID_A1A, "phone": "13611112222"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["id_number"], body["phone"], body["cards"]) == (
        "孙七",
        masked(number),
        "136****2222",
        [],
    )
    again = api_client(world.county).post(
        PEOPLE, {"name": "孙七", "id_number": number, "region_code": GRID_B1A}, format="json"
    )
    assert again.status_code == 400
    assert again.json() == {
        "id_number": ["该身份证号已登记。"],
        "existing": {"id": body["id"], "name": "孙七"},
    }
    hidden = api_client(world.town_b).post(
        PEOPLE, {"name": "孙七", "id_number": number, "region_code": GRID_B1A}, format="json"
    )
    assert hidden.json() == {"id_number": ["该身份证号已登记。"]}


def test_create_errors_are_field_level(world):
    response = api_client(world.grid_a1a).post(
        PEOPLE, {"name": "", "id_number": "123", "region_code": GRID_B1A}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["请填写姓名。"],
        "id_number": ["公民身份号码应为18位（旧版为15位），输入的是3位。"],
        "region_code": ["该网格不在您的管辖范围内。"],
    }


def test_leader_cannot_create_or_patch(world):
    client = api_client(world.leader)
    number = make_id(seq=999)
    response = client.post(
        PEOPLE, {"name": "孙七", "id_number": number, "region_code": GRID_A1A}, format="json"
    )
    assert response.status_code == 403
    response = client.patch(
        f"{PEOPLE}{world.p_a1a.pk}/", {"version": 1, "name": "改"}, format="json"
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=world.p_a1a.pk).name == "张三丰"
    assert Person.objects.count() == 4


def test_patch_and_version_conflict(world):
    client = api_client(world.village_a1)
    url = f"{PEOPLE}{world.p_a1a.pk}/"
    response = client.patch(url, {"version": 1, "address": "新地址"}, format="json")
    assert response.status_code == 200
    assert (response.json()["address"], response.json()["version"]) == ("新地址", 2)
    stale = client.patch(url, {"version": 1, "address": "旧"}, format="json")
    assert stale.status_code == 409
    assert stale.json() == {"detail": "该人员信息已被他人修改，请刷新后重试。"}
    assert (
        client.patch(f"{PEOPLE}{world.p_b1.pk}/", {"version": 1}, format="json").status_code == 404
    )


def test_department_cannot_patch(world):
    response = api_client(world.weijian).patch(
        f"{PEOPLE}{world.p_a1a.pk}/", {"version": 1, "address": "x"}, format="json"
    )
    assert response.status_code == 403


def test_admin_roles_see_nobody(world):
    actor = make_actor(Role.SYSTEM_ADMIN, COUNTY)
    assert api_client(actor).get(PEOPLE).json()["count"] == 0
