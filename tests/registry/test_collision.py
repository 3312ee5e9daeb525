"""Collision comparison (碰撞比对): keys, scope, gates, invalid items, audit, API, export."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from pingan.audit.models import AuditRecord
from pingan.registry.collision import MAX_ITEMS, collide
from tests.registry.factories import api_client, make_id

URL = "/api/v1/registry/collisions/"


def _ids(result) -> list[tuple[int, int]]:
    return [(m["index"], m["person_id"]) for m in result.matches]


def test_id_number_matches_exactly_with_masking_and_kinds(world):
    number = world.p_a1a.id_number
    old15 = number[:6] + number[8:17]  # the 15-digit form of the same number
    result = collide(
        actor=world.county,
        items=[make_id(seq=999), number, old15, world.p_b1.id_number.lower()],
        key="id_number",
    )
    assert _ids(result) == [(1, world.p_a1a.pk), (2, world.p_a1a.pk), (3, world.p_b1.pk)]
    first = result.matches[0]
    assert first["id_number"] == number[:6] + "********" + number[-4:]
    assert first["name"] == "张三丰"
    assert first["line"] == 2
    assert [k["kind"] for k in first["card_kinds"]] == ["household", "mental_disorder"]
    assert result.items == 4 and result.invalid == 0 and result.errors == []


def test_phone_and_name_birth_keys(world):
    by_phone = collide(actor=world.county, items=["138-1234-5678", "13900000000"], key="phone")
    assert _ids(by_phone) == [(0, world.p_a1a.pk)]
    assert by_phone.matches[0]["phone"] == "138****5678"
    born = world.p_a1b.birth_date.isoformat()
    by_name = collide(
        actor=world.county,
        items=[f"李四 {born}", {"name": "李四", "birth_date": "1980-01-01"}, ["王五", born]],
        key="name_birth",
    )
    assert _ids(by_name) == [(0, world.p_a1b.pk), (2, world.p_a2.pk)]
    assert by_name.matches[0]["birth_date"] == born


def test_out_of_scope_people_never_match(world):
    items = [world.p_a1a.id_number, world.p_b1.id_number]
    assert _ids(collide(actor=world.town_a, items=items, key="id_number")) == [(0, world.p_a1a.pk)]
    assert _ids(collide(actor=world.town_b, items=items, key="id_number")) == [(1, world.p_b1.pk)]


def test_department_sees_only_gated_kinds(world):
    items = [world.p_a1a.id_number, world.p_a1b.id_number, world.p_b1.id_number]
    result = collide(actor=world.sifa, items=items, key="id_number")
    assert _ids(result) == [(1, world.p_a1b.pk), (2, world.p_b1.pk)]
    assert [k["kind"] for k in result.matches[0]["card_kinds"]] == ["community_correction"]
    assert [k["kind"] for k in result.matches[1]["card_kinds"]] == ["released_prisoner"]
    assert collide(actor=world.minzheng, items=items, key="id_number").matches == []


def test_invalid_ids_reported_per_line(world):
    bad = make_id(seq=5)[:-1] + ("0" if make_id(seq=5)[-1] != "0" else "1")
    result = collide(
        actor=world.county, items=["12345", bad, world.p_a2.id_number], key="id_number"
    )
    assert _ids(result) == [(2, world.p_a2.pk)]
    assert result.invalid == 2
    assert [e["line"] for e in result.errors] == [1, 2]
    assert "18位" in result.errors[0]["message"]
    assert "校验码错误" in result.errors[1]["message"]


def test_bad_parameters(world):
    with pytest.raises(ValidationError) as exc:
        collide(actor=world.county, items=["1"], key="email")
    assert "key" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        collide(actor=world.county, items=["1"] * (MAX_ITEMS + 1), key="phone")
    assert "200000" in exc.value.message_dict["items"][0]


def test_comparison_audited_once(world):
    before = AuditRecord.objects.count()
    collide(actor=world.town_a, items=[world.p_a1a.id_number, "x"], key="id_number")
    records = list(AuditRecord.objects.order_by("id")[before:])
    assert [r.action for r in records] == ["registry.collision"]
    assert records[0].detail == {"key": "id_number", "items": 2, "matches": 1, "invalid": 1}


def test_api_json_and_errors(world):
    client = api_client(world.county)
    response = client.post(
        URL, {"key": "id_number", "items": [world.p_a2.id_number, "abc"]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["matched"] == 1 and body["invalid"] == 1
    assert body["matches"][0]["person_id"] == world.p_a2.pk
    assert body["errors"][0]["line"] == 2
    bad = client.post(URL, {"key": "phone"}, format="json")
    assert bad.status_code == 400 and "items" in bad.json()
    too_many = client.post(URL, {"key": "phone", "items": ["1"] * 200_001}, format="json")
    assert too_many.status_code == 400


def test_api_csv_upload_and_xlsx_export(world):
    client = api_client(world.town_a)
    content = f"身份证号\n{world.p_a1b.id_number}\n{world.p_b1.id_number}\n".encode()
    upload = io.BytesIO(content)
    upload.name = "list.csv"
    before = AuditRecord.objects.count()
    response = client.post(URL + "?format=xlsx", {"key": "id_number", "file": upload})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("导出人：") and "导出时间：" in rows[0][0]
    assert rows[3][:3] == [1, world.p_a1b.pk, "李四"]
    assert len(rows) == 4
    actions = list(AuditRecord.objects.order_by("id")[before:].values_list("action", flat=True))
    assert actions == ["registry.collision", "registry.export"]


def test_grid_worker_cannot_export(world):
    client = api_client(world.grid_a1a)
    response = client.post(
        URL + "?format=xlsx", {"key": "id_number", "items": [world.p_a1a.id_number]}, format="json"
    )
    assert response.status_code == 403


def test_api_body_that_is_not_an_object_is_a_400(world):
    # Found by the schemathesis run: a JSON list (or string, number) body → 500.
    client = api_client(world.county)
    before = AuditRecord.objects.count()
    answers = [
        (r.status_code, r.json())
        for r in (client.post(URL, body, format="json") for body in ([], ["x"], "x", 1))
    ]
    message = {"non_field_errors": ["请求内容必须是包含 key 和 items 的对象。"]}
    assert answers == [(400, message)] * 4
    assert AuditRecord.objects.count() == before
