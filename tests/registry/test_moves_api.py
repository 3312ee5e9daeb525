"""Moves API: start a move, act on it through the cases API, list moves, denials."""

import pytest
from rest_framework.test import APIClient

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.registry.models import Card, CardStatus, MoveStatus, Person, PersonMove
from tests.factories import UserFactory
from tests.registry.factories import (
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    api_client,
)
from tests.registry.move_helpers import (  # noqa: F401  (mw_fixture provides `mw`)
    GRID_C2,
    counts,
    mw_fixture,
    request,
    snapshot,
)

pytestmark = pytest.mark.django_db


def move_url(person) -> str:
    return f"/api/v1/people/{person.pk}/move/"


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


BODY = {"to_region": GRID_A1B, "reason": "购房迁居", "to_address": "新址一组1号"}


def test_post_move_returns_the_case_number_and_the_receiver_accepts_via_cases_api(world, mw):
    person = world.p_a1a
    response = api_client(world.grid_a1a).post(move_url(person), BODY, format="json")
    assert response.status_code == 201
    body = response.json()
    move = PersonMove.objects.get()
    number = move.case.number
    assert body["number"] == number
    assert body["move"]["status"] == "pending"
    assert body["move"]["person_id"] == person.pk
    assert (body["move"]["from_region"], body["move"]["to_region"]) == (GRID_A1A, GRID_A1B)
    assert (body["move"]["receiver"], body["move"]["receiver_name"]) == (
        GRID_A1B,
        f"区划{GRID_A1B}",
    )
    assert body["move"]["overdue"] is False

    receiver = api_client(mw.grid_a1b)
    todo = receiver.get("/api/v1/cases/", {"inbox": "todo"}).json()
    assert [c["number"] for c in todo["results"]] == [number]
    assert todo["results"][0]["case_type"] == "person_move"
    assert todo["results"][0]["state_label"] == "待接收"

    detail = receiver.get(f"/api/v1/cases/{number}/").json()
    assert [a["code"] for a in detail["available_actions"]] == ["accept", "return", "transfer"]
    assert detail["detail"]["person"] == {
        "id": person.pk,
        "name": "张三丰",
        "sex": person.sex,
        "birth_year": 1990,
        "id_number": masked(person.id_number),
        "card_kinds": [
            {"kind": "household", "kind_label": "户籍人口"},
            {"kind": "mental_disorder", "kind_label": "严重精神障碍患者"},
        ],
    }
    assert detail["detail"]["reason"] == "购房迁居"
    # The receiver does not open the person record before accepting.
    assert receiver.get(f"/api/v1/people/{person.pk}/").status_code == 404

    accepted = receiver.post(f"/api/v1/cases/{number}/actions/", {"action": "accept"})
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "move_accepted"
    assert accepted.json()["detail"]["status"] == "accepted"
    assert receiver.get(f"/api/v1/people/{person.pk}/").json()["region_code"] == GRID_A1B
    assert api_client(world.grid_a1a).get(f"/api/v1/people/{person.pk}/").status_code == 404


def test_return_via_cases_api_needs_a_note_and_leaves_everything(world, mw):
    person = world.p_a1a
    before = snapshot(person)
    number = request(world.grid_a1a, person, GRID_A1B).case.number
    receiver = api_client(mw.grid_a1b)
    url = f"/api/v1/cases/{number}/actions/"
    missing = receiver.post(url, {"action": "return"})
    assert (missing.status_code, missing.json()) == (400, {"note": ["请填写意见或原因。"]})
    returned = receiver.post(url, {"action": "return", "note": "不在本网格"})
    assert (returned.status_code, returned.json()["state"]) == (200, "move_returned")
    assert snapshot(person) == before
    again = receiver.post(url, {"action": "accept"})
    assert again.status_code == 409
    assert again.json()["code"] == "not_allowed"
    assert snapshot(person) == before


def test_sender_sees_flags_in_person_detail(world, mw):
    person = world.p_a1a
    client = api_client(world.grid_a1a)
    body = client.get(f"/api/v1/people/{person.pk}/").json()
    assert (body["move_pending"], body["move"], body["moved_out"]) == (False, None, False)
    assert (body["unmanaged"], body["unmanaged_reasons"]) == (False, [])

    number = request(world.grid_a1a, person, GRID_A1B).case.number
    body = client.get(f"/api/v1/people/{person.pk}/").json()
    assert body["move_pending"] is True
    assert (body["move"]["number"], body["move"]["status"]) == (number, "pending")
    assert body["unmanaged"] is False
    assert body["region_code"] == GRID_A1A


def test_departments_get_no_move_fields(world, mw):
    request(world.grid_a1a, world.p_a1a, GRID_A1B)
    body = api_client(world.weijian).get(f"/api/v1/people/{world.p_a1a.pk}/").json()
    assert "move_pending" not in body
    assert "unmanaged" not in body


def test_second_open_move_is_refused_with_409(world, mw):
    person = world.p_a1a
    first = request(world.grid_a1a, person, GRID_A1B)
    before = (snapshot(person), counts())
    response = api_client(world.grid_a1a).post(
        move_url(person), {**BODY, "to_region": GRID_B1A}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"该人员已有待接收的迁移（{first.case.number}），请等接收方办理或撤回后再发起。",
        "number": first.case.number,
    }
    assert (snapshot(person), counts()) == before


def test_out_of_scope_person_is_404_and_audited(world, mw):
    before = (snapshot(world.p_b1), counts())
    response = api_client(world.grid_a1a).post(move_url(world.p_b1), BODY, format="json")
    assert response.status_code == 404
    assert (snapshot(world.p_b1), counts()) == before
    denied = AuditRecord.objects.get(action="scope.denied")
    assert (denied.object_type, denied.object_id) == ("registry.person", str(world.p_b1.pk))


def test_leader_is_403_and_nothing_changes(world, mw):
    before = (snapshot(world.p_a1a), counts())
    response = api_client(world.leader).post(move_url(world.p_a1a), BODY, format="json")
    assert response.status_code == 403
    assert (snapshot(world.p_a1a), counts()) == before
    assert AuditRecord.objects.filter(action="permission.denied", outcome="denied").count() == 1


def test_department_is_403_and_nothing_changes(world, mw):
    # 卫健 reads this person through its gate, but departments never write registry data.
    before = (snapshot(world.p_a1a), counts())
    response = api_client(world.weijian).post(move_url(world.p_a1a), BODY, format="json")
    assert response.status_code == 403
    assert (snapshot(world.p_a1a), counts()) == before
    record = AuditRecord.objects.get(action="permission.denied")
    assert record.detail["reason"] == "registry_write_role"


def test_leader_cannot_accept_and_outsiders_do_not_see_the_case(world, mw):
    number = request(world.grid_a1a, world.p_a1a, GRID_A1B).case.number
    url = f"/api/v1/cases/{number}/actions/"
    assert api_client(world.leader).post(url, {"action": "accept"}).status_code == 403
    # Town B is neither sender nor receiver: the case does not exist for it.
    assert api_client(world.town_b).get(f"/api/v1/cases/{number}/").status_code == 404
    assert api_client(world.town_b).post(url, {"action": "accept"}).status_code == 404
    assert PersonMove.objects.get().status == MoveStatus.PENDING
    assert Case.objects.get(number=number).state == "pending_accept"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"to_region": GRID_A1A, "reason": "x", "to_address": "y"},
            {"to_region": ["迁入网格与现所属网格相同。"]},
        ),
        (
            {"to_region": "990101001001009", "reason": "x", "to_address": "y"},
            {"to_region": ["区划/网格编码“990101001001009”不存在。"]},
        ),
        (
            {"to_region": "990101001", "reason": "x", "to_address": "y"},
            {"to_region": ["请选择到村（社区）或网格一级。"]},
        ),
        (
            {"to_region": "530623001001", "reason": "x", "to_address": "y"},
            {
                "to_region": [
                    "“530623001001”不在本系统辖区内；迁往系统外请选择“迁出本系统”"
                    "（move_out）并填写迁往地址。"
                ]
            },
        ),
        (
            {"to_region": "12345", "reason": "x", "to_address": "y"},
            {"to_region": ["区划/网格编码应为 2、4、6、9、12、15 或 18 位数字。"]},
        ),
        (
            {"to_region": GRID_A1B, "reason": "", "moved_on": "2999-01-01"},
            {
                "reason": ["请填写迁移原因。"],
                "moved_on": ["迁移日期不能晚于今天。"],
                "to_address": ["请填写迁入地址或选择迁入房屋。"],
            },
        ),
        (
            {"reason": "x", "to_address": "y"},
            {"to_region": ["请选择迁入的村（社区）或网格。"]},
        ),
        (
            {"move_out": True, "to_region": GRID_B1A, "reason": "x"},
            {
                "to_region": ["该区划在本系统辖区内，请按系统内迁移办理（不选“迁出本系统”）。"],
                "to_address": ["请填写迁往地址。"],
            },
        ),
    ],
)
def test_field_errors_write_nothing(world, mw, body, errors):
    before = (snapshot(world.p_a1a), counts())
    response = api_client(world.grid_a1a).post(move_url(world.p_a1a), body, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert (snapshot(world.p_a1a), counts()) == before


def test_house_must_be_visible_and_in_the_target(world, mw):
    from pingan.registry.models import House

    inside = House.objects.create(address="二网格5号", region_code=GRID_A1B)
    elsewhere = House.objects.create(address="B村1号", region_code=GRID_B1A)
    client = api_client(world.village_a1)
    bad = client.post(
        move_url(world.p_a1a),
        {"to_region": GRID_A1B, "reason": "x", "to_house_id": elsewhere.pk},
        format="json",
    )
    assert bad.json() == {"to_house_id": ["房屋不存在或不在您的管辖范围内。"]}
    ok = client.post(
        move_url(world.p_a1a),
        {"to_region": GRID_A1B, "reason": "x", "to_house_id": inside.pk},
        format="json",
    )
    assert ok.status_code == 201
    number = ok.json()["number"]
    api_client(mw.grid_a1b).post(f"/api/v1/cases/{number}/actions/", {"action": "accept"})
    moved = Person.objects.get(pk=world.p_a1a.pk)
    assert (moved.region_code, moved.house_id, moved.address) == (GRID_A1B, inside.pk, "二网格5号")


def test_move_out_of_the_installation_closes_cards_without_a_case(world, mw):
    person = world.p_b1
    response = api_client(world.town_b).post(
        move_url(person),
        {"move_out": True, "to_region": "530623", "reason": "外出定居", "to_address": "某省某县"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] is None
    assert (body["move"]["status"], body["move"]["cards_moved"]) == ("moved_out", 2)
    assert counts() == (1, 0)
    cards = Card.objects.filter(person=person).order_by("id")
    assert [(c.status, c.close_reason) for c in cards] == [
        (CardStatus.CLOSED, "迁出本系统：某省某县"),
        (CardStatus.CLOSED, "迁出本系统：某省某县"),
    ]
    # The record stays with the old grid, flagged as moved out, not as 漏管.
    detail = api_client(world.town_b).get(f"/api/v1/people/{person.pk}/").json()
    assert detail["region_code"] == GRID_B1A
    assert (detail["moved_out"], detail["unmanaged"], detail["move_pending"]) == (
        True,
        False,
        False,
    )
    audited = list(
        AuditRecord.objects.filter(action__startswith="registry.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert audited == ["registry.card.close", "registry.card.close", "registry.person.move_out"]


def test_moves_list_by_direction_and_status(world, mw):
    out = request(world.grid_a1a, world.p_a1a, GRID_B1A)
    inward = request(world.town_b, world.p_b1, GRID_A1B)
    done = request(world.town_a, world.p_a1b, GRID_C2)
    from pingan.flow.services import case_act

    case_act(actor=mw.grid_c2, case=done.case, action="accept")
    client = api_client(world.town_a)

    def ids(**params):
        body = client.get("/api/v1/registry/moves/", params).json()
        return [row["id"] for row in body["results"]]

    assert ids() == [done.pk, inward.pk, out.pk]
    assert ids(direction="in") == [inward.pk]
    assert ids(direction="out") == [done.pk, out.pk]
    assert ids(status="accepted") == [done.pk]
    assert ids(overdue="true") == []
    row = client.get("/api/v1/registry/moves/", {"status": "accepted"}).json()["results"][0]
    assert (row["person_name"], row["number"], row["cards_moved"]) == ("李四", done.case.number, 2)
    # Grid B1a sees the move into it and the one out of it, not town A's internal moves.
    b1a = api_client(mw.grid_b1a).get("/api/v1/registry/moves/").json()
    assert [r["id"] for r in b1a["results"]] == [inward.pk, out.pk]
    # Departments see no moves.
    assert api_client(world.sifa).get("/api/v1/registry/moves/").json()["count"] == 0
    bad = client.get("/api/v1/registry/moves/", {"direction": "up"})
    assert bad.status_code == 400


def test_openapi_schema_has_the_move_endpoints(db):
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert paths["/api/v1/people/{person_id}/move/"]["post"]["summary"] == "发起人员迁移（交接）"
    assert paths["/api/v1/registry/moves/"]["get"]["summary"] == "人员迁移列表"
    assert paths["/api/v1/registry/unmanaged/"]["get"]["summary"] == "漏管人员"
