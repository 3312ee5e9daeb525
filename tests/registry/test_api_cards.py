"""Cards API: open, detail per gate, reveal, close; houses; kinds."""

import pytest

from pingan.audit.models import AuditRecord
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import Card, House
from tests.registry.factories import GRID_A1A, GRID_B1A, api_client, make_id

pytestmark = pytest.mark.django_db
CARDS = "/api/v1/cards/"


def test_open_card_via_api(world):
    response = api_client(world.grid_a1a).post(
        f"/api/v1/people/{world.p_a1a.pk}/cards/",
        {
            "kind": "key_petitioner",
            "risk_level": 2,
            "attributes": {"petition_reason": "征地补偿", "petition_count": "3"},
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["kind_label"], body["risk_label"]) == (
        "key_petitioner",
        "重点上访人员",
        "中",
    )
    assert body["attributes"] == []  # sensitive kind: no summary fields
    card = Card.objects.get(pk=body["id"])
    assert card.attribute_values() == {"petition_reason": "征地补偿", "petition_count": 3}


def test_open_card_errors_are_nested(world):
    response = api_client(world.grid_a1a).post(
        f"/api/v1/people/{world.p_a1a.pk}/cards/",
        {"kind": "community_correction", "risk_level": 2, "attributes": {"correction_type": "09"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "attributes": {
            "correction_type": ["矫正类别：“09”不是代码表“矫正类别”中的有效值。"],
            "correction_start": ["请填写矫正开始日期。"],
            "correction_end": ["请填写矫正结束日期。"],
        }
    }


def test_region_card_detail_shows_summary_of_sensitive_kind(world):
    body = api_client(world.village_a1).get(f"{CARDS}{world.correction_a.pk}/").json()
    assert [(r["name"], r["display"]) for r in body["attributes"]] == [
        ("correction_type", "缓刑"),
        ("correction_start", "2026-01-01"),
        ("correction_end", "2027-12-31"),
    ]
    assert (body["risk_label"], body["attributes_complete"]) == ("普管", False)


def test_sifa_card_detail_has_gate_fields(world):
    body = api_client(world.sifa).get(f"{CARDS}{world.correction_a.pk}/").json()
    assert {r["name"] for r in body["attributes"]} == {
        "correction_type",
        "crime",
        "correction_start",
        "correction_end",
    }
    assert api_client(world.sifa).get(f"{CARDS}{world.mental_a.pk}/").status_code == 404
    assert api_client(world.weijian).get(f"{CARDS}{world.correction_a.pk}/").status_code == 404


def card_reveal(actor, card, fields=None, reason="走访前核实"):
    body = {"reason": reason}
    if fields is not None:
        body["fields"] = fields
    return api_client(actor).post(f"{CARDS}{card.pk}/reveal/", body, format="json")


def test_region_reveal_of_all_attributes_is_audited_per_field(world):
    response = card_reveal(world.grid_a1a, world.mental_a)
    assert response.status_code == 200
    assert {r["name"]: r["value"] for r in response.json()["attributes"]} == {
        "diagnosis": "01",
        "guardian_name": "张大",
        "guardian_phone": "13700002222",
    }
    records = AuditRecord.objects.filter(action="sensitive.reveal")
    assert sorted(r.detail["field"] for r in records) == [
        "diagnosis",
        "guardian_name",
        "guardian_phone",
    ]
    assert {(r.object_type, r.outcome) for r in records} == {("registry.card", "ok")}


def test_department_reveals_gate_fields_only(world):
    ok = card_reveal(world.weijian, world.mental_a, ["guardian_phone"])
    assert ok.json() == {
        "attributes": [
            {
                "name": "guardian_phone",
                "label": "监护人联系方式",
                "value": "13700002222",
                "display": "13700002222",
            }
        ]
    }
    world.mental_a.set_attribute_values(
        {**world.mental_a.attribute_values(), "guardian_id_number": make_id(seq=77)}
    )
    world.mental_a.save()
    denied = card_reveal(world.weijian, world.mental_a, ["guardian_phone", "guardian_id_number"])
    assert denied.status_code == 403
    last = AuditRecord.objects.filter(action="sensitive.reveal").order_by("-seq")
    # The forbidden field is tried first: nothing further is recorded as revealed.
    assert [(r.detail["field"], r.outcome) for r in last[:2]] == [
        ("guardian_id_number", "denied"),
        ("guardian_phone", "ok"),
    ]


def test_leader_cannot_reveal_card(world):
    assert card_reveal(world.leader, world.mental_a).status_code == 403


def test_close_card_via_api(world):
    client = api_client(world.grid_a1a)
    response = client.post(
        f"{CARDS}{world.mental_a.pk}/close/", {"reason": "迁出本县"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["next_visit_on"]) == ("closed", None)
    assert (
        client.post(
            f"{CARDS}{world.mental_b.pk}/close/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )


def test_patch_card(world):
    client = api_client(world.town_a)
    response = client.patch(
        f"{CARDS}{world.drug_a.pk}/",
        {"version": 1, "attributes": {"control_status": "社区康复"}, "attention": "02"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["attention_label"] == "中等"
    stale = client.patch(f"{CARDS}{world.drug_a.pk}/", {"version": 1}, format="json")
    assert stale.status_code == 409


def test_houses(world):
    client = api_client(world.grid_a1a)
    response = client.post(
        "/api/v1/houses/",
        {
            "address": "示范村一组9号",
            "region_code": GRID_A1A,
            "is_rental": True,
            "lng": 102.71234,
            "lat": 25.04321,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "address": "示范村一组9号",
        "region_code": GRID_A1A,
        "is_rental": True,
        "owner_id": None,
        "point": [102.71, 25.04],
        "occupants": 0,
    }
    house = House.objects.get(pk=body["id"])
    assert (house.lng, house.lat) == (102.71234, 25.04321)
    bad = client.post("/api/v1/houses/", {"address": "", "region_code": GRID_B1A}, format="json")
    assert bad.json() == {
        "address": ["请填写房屋地址。"],
        "region_code": ["该网格不在您的管辖范围内。"],
    }
    shown = client.post(f"/api/v1/houses/{house.pk}/reveal/", {"reason": "上门核查"}, format="json")
    assert shown.json() == {"lng": 102.71234, "lat": 25.04321}
    assert AuditRecord.objects.filter(action="sensitive.reveal", outcome="ok").count() == 2
    leader = api_client(world.leader).post(
        f"/api/v1/houses/{house.pk}/reveal/", {"reason": "看看"}, format="json"
    )
    assert leader.status_code == 403
    other_town = api_client(world.town_b).post(
        f"/api/v1/houses/{house.pk}/reveal/", {"reason": "看看"}, format="json"
    )
    assert other_town.status_code == 404
    listed = client.get("/api/v1/houses/", {"address": "9号"}).json()
    assert [h["address"] for h in listed["results"]] == ["示范村一组9号"]
    assert api_client(world.weijian).get("/api/v1/houses/").json()["count"] == 0


def test_kinds_lists_every_kind_with_fields_and_codes(world):
    body = api_client(world.grid_a1a).get("/api/v1/registry/kinds/").json()
    assert [k["kind"] for k in body["kinds"]] == list(SPECS)
    mental = next(k for k in body["kinds"] if k["kind"] == CardKind.MENTAL_DISORDER)
    assert mental["risk_label"] == "危险性评估等级"
    assert len(mental["risk_levels"]) == 6
    assert mental["fields"][0] == {
        "name": "diagnosis",
        "label": "目前诊断类型",
        "type": "code",
        "code_table": "mental_diagnosis",
        "required": True,
        "masked": False,
        "summary": False,
    }
    assert [c["label"] for c in body["codes"]["correction_type"]] == [
        "管制",
        "缓刑",
        "假释",
        "暂予监外执行",
    ]
    assert len(body["codes"]["ethnicity"]) == 58
