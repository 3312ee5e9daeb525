"""Person moves through the case engine: grid → grid, village → village, town → town,
cross-county; accept moves the person and cards, return/withdraw leave everything."""

from decimal import Decimal

import pytest
from django.http import Http404

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.flow.selectors import access_case, inbox
from pingan.flow.services import available_actions, case_act
from pingan.registry.models import Card, CardStatus, MoveStatus, Person
from pingan.registry.moves.receivers import receiving_unit
from pingan.registry.selectors import access_person
from pingan.workdays.calendar import add_working_days
from tests.registry.factories import (
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    VILLAGE_A1,
)
from tests.registry.move_helpers import (  # noqa: F401  (mw_fixture provides `mw`)
    COUNTY2,
    GRID_A1C,
    GRID_C2,
    mw_fixture,
    request,
    snapshot,
)

pytestmark = pytest.mark.django_db


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def numbers(qs) -> list[str]:
    return [c.number for c in qs]


def test_grid_to_grid_in_a_village_waits_then_accept_moves_person_and_cards(world, mw):
    person = world.p_a1a
    before = snapshot(person)
    move = request(world.grid_a1a, person, GRID_A1B)
    case = move.case

    assert case.number.startswith("QY990101")
    assert (case.case_type, case.state, case.holder_code) == (
        "person_move",
        "pending_accept",
        GRID_A1B,
    )
    assert (case.region_code, case.origin_code) == (GRID_A1A, GRID_A1A)
    assert (move.status, move.from_region, move.to_region, move.receiver_code) == (
        MoveStatus.PENDING,
        GRID_A1A,
        GRID_A1B,
        GRID_A1B,
    )
    # Until accepted nothing moves: the sender still has the person, the receiver does not.
    assert snapshot(person) == before
    assert access_person(world.grid_a1a, person.pk) == person
    with pytest.raises(Http404):
        access_person(mw.grid_a1b, person.pk)
    # Both see the case: the receiver to do, the sender among its cases.
    assert numbers(inbox(mw.grid_a1b, "todo")) == [case.number]
    assert numbers(inbox(mw.grid_a1b, "awaiting_accept")) == [case.number]
    assert numbers(inbox(world.grid_a1a, "all")) == [case.number]
    assert numbers(inbox(world.grid_a1a, "todo")) == []
    assert available_actions(mw.grid_a1b, case) == ["accept", "return", "transfer"]
    assert available_actions(world.grid_a1a, case) == ["close"]

    case = case_act(actor=mw.grid_a1b, case=case, action="accept")

    assert (case.state, case.holder_code, case.due_at) == ("move_accepted", GRID_A1B, None)
    assert case.closed_at is not None
    moved = fresh(person)
    assert (moved.region_code, moved.house_id, moved.address, moved.version) == (
        GRID_A1B,
        None,
        "新址一组1号",
        2,
    )
    cards = list(Card.objects.filter(person=person).order_by("id"))
    assert [(c.region_code, c.status, c.responsible_id, c.version) for c in cards] == [
        (GRID_A1B, CardStatus.ACTIVE, mw.grid_a1b.user.pk, 2),
        (GRID_A1B, CardStatus.ACTIVE, mw.grid_a1b.user.pk, 2),
    ]
    move.refresh_from_db()
    assert (move.status, move.decided_by, move.decided_unit, move.cards_moved) == (
        MoveStatus.ACCEPTED,
        mw.grid_a1b.user,
        GRID_A1B,
        2,
    )
    with pytest.raises(Http404):
        access_person(world.grid_a1a, person.pk)
    assert access_person(mw.grid_a1b, person.pk) == moved
    assert numbers(inbox(mw.grid_a1b, "todo")) == []
    assert numbers(inbox(mw.grid_a1b, "done")) == [case.number]
    # The sender still finds the finished case.
    assert access_case(world.grid_a1a, case.number) == case


def test_accept_clock_comes_from_the_matter_catalogue(world, mw):
    move = request(world.grid_a1a, world.p_a1a, GRID_A1B)
    case = move.case
    assert (case.clock_kind, case.clock_limit_amount, case.clock_limit_unit) == (
        "accept",
        Decimal("5.00"),
        "working_days",
    )
    assert case.due_at == add_working_days(case.created_at, 5).due_at


def test_village_to_village_is_accepted_by_the_village_staff(world, mw):
    person = world.p_a2
    move = request(mw.village_a2, person, VILLAGE_A1)
    assert move.case.holder_code == VILLAGE_A1
    assert available_actions(mw.grid_a1b, move.case) == []

    case_act(actor=world.village_a1, case=move.case, action="accept")

    moved = fresh(person)
    assert moved.region_code == VILLAGE_A1
    # Village staff accepted: no grid worker is made responsible yet.
    assert list(Card.objects.filter(person=person).values_list("region_code", "responsible")) == [
        (VILLAGE_A1, None)
    ]


def test_town_to_town_return_leaves_everything(world, mw):
    person = world.p_a1b
    before = snapshot(person)
    move = request(world.town_a, person, GRID_B1A)
    assert move.case.holder_code == GRID_B1A

    case = case_act(actor=mw.grid_b1a, case=move.case, action="return", note="查无此人")

    assert (case.state, case.holder_code, case.due_at) == ("move_returned", GRID_B1A, None)
    assert snapshot(person) == before
    move.refresh_from_db()
    assert (move.status, move.decision_note, move.decided_unit) == (
        MoveStatus.RETURNED,
        "查无此人",
        GRID_B1A,
    )
    with pytest.raises(Http404):
        access_person(mw.grid_b1a, person.pk)
    assert access_person(world.town_a, person.pk) == person
    assert numbers(inbox(mw.grid_b1a, "done")) == [case.number]
    # A new move may follow a returned one.
    again = request(world.town_a, person, GRID_A1A)
    assert again.status == MoveStatus.PENDING


def test_cross_county_move_is_accepted_by_the_other_county(world, mw):
    person = world.p_b1
    move = request(world.county, person, GRID_C2)
    case = move.case
    assert (case.number[:8], case.holder_code) == ("QY990101", GRID_C2)
    # The receiving county sees the case (held inside it), not the person yet.
    assert numbers(inbox(mw.county2, "all")) == [case.number]
    with pytest.raises(Http404):
        access_person(mw.county2, person.pk)

    case_act(actor=mw.grid_c2, case=case, action="accept")

    assert fresh(person).region_code == GRID_C2
    assert set(Card.objects.filter(person=person).values_list("region_code", flat=True)) == {
        GRID_C2
    }
    assert access_person(mw.county2, person.pk).pk == person.pk
    with pytest.raises(Http404):
        access_person(world.county, person.pk)
    assert access_case(world.county, case.number) == case


def test_receiver_falls_back_to_the_finest_staffed_unit(world, mw):
    # Grid A1c has no grid worker: village A1 (staffed) receives.
    assert receiving_unit(GRID_A1C) == VILLAGE_A1
    # Grid A1b is staffed.
    assert receiving_unit(GRID_A1B) == GRID_A1B
    # A county with nobody at all: the target itself.
    assert receiving_unit("990103002001001") == "990103002001001"
    # Only the second county centre is staffed there: it receives.
    assert receiving_unit("990102002001001") == COUNTY2
    move = request(world.grid_a1a, world.p_a1a, GRID_A1C)
    assert (move.receiver_code, move.case.holder_code) == (VILLAGE_A1, VILLAGE_A1)
    case_act(actor=world.village_a1, case=move.case, action="accept")
    assert fresh(world.p_a1a).region_code == GRID_A1C


def test_transfer_to_a_sibling_grid_retargets_the_move(world, mw):
    person = world.p_a2
    move = request(mw.village_a2, person, GRID_A1B)
    case = case_act(
        actor=mw.grid_a1b, case=move.case, action="transfer", note="住址属一网格", unit=GRID_A1A
    )
    assert (case.state, case.holder_code) == ("pending_accept", GRID_A1A)
    move.refresh_from_db()
    assert (move.to_region, move.receiver_code, move.status) == (
        GRID_A1A,
        GRID_A1A,
        MoveStatus.PENDING,
    )
    assert numbers(inbox(mw.grid_a1b, "todo")) == []
    case_act(actor=world.grid_a1a, case=case, action="accept")
    assert fresh(person).region_code == GRID_A1A


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (GRID_B1A, "只能转交给同一上级下的同级村（社区）或网格。"),
        (GRID_A1B, "该网格已是迁入网格。"),
        ("990101001", "请选择迁入的村（社区）或网格。"),
        (GRID_A1A, "不能转交回迁出网格，请退回。"),
    ],
)
def test_transfer_refuses_other_targets(world, mw, unit, message):
    from pingan.flow.errors import ActionInvalid

    move = request(world.grid_a1a, world.p_a1a, GRID_A1B)
    with pytest.raises(ActionInvalid) as caught:
        case_act(actor=mw.grid_a1b, case=move.case, action="transfer", note="x", unit=unit)
    assert caught.value.errors == {"unit": [message]}
    case = Case.objects.get(pk=move.case.pk)
    assert (case.holder_code, case.version, case.actions.count()) == (GRID_A1B, 1, 1)


def test_sender_withdraws_and_the_receiver_can_no_longer_accept(world, mw):
    from pingan.flow.errors import ActionNotAllowed

    person = world.p_a1a
    before = snapshot(person)
    move = request(world.grid_a1a, person, GRID_A1B)
    case = case_act(actor=world.grid_a1a, case=move.case, action="close", note="登记有误")
    assert case.state == "move_withdrawn"
    move.refresh_from_db()
    assert (move.status, move.decision_note) == (MoveStatus.WITHDRAWN, "登记有误")
    with pytest.raises(ActionNotAllowed):
        case_act(actor=mw.grid_a1b, case=case, action="accept")
    assert snapshot(person) == before


def test_return_and_withdraw_need_a_reason(world, mw):
    from pingan.flow.errors import ActionInvalid

    move = request(world.grid_a1a, world.p_a1a, GRID_A1B)
    for actor, action in ((mw.grid_a1b, "return"), (world.grid_a1a, "close")):
        with pytest.raises(ActionInvalid) as caught:
            case_act(actor=actor, case=move.case, action=action)
        assert caught.value.errors == {"note": ["请填写意见或原因。"]}
    move.refresh_from_db()
    assert move.status == MoveStatus.PENDING


def test_only_the_receiver_accepts(world, mw):
    from pingan.flow.errors import ActionNotAllowed

    person = world.p_a1a
    before = snapshot(person)
    move = request(world.grid_a1a, person, GRID_A1B)
    # The sender, the village above both grids, the town centre, another grid: not allowed.
    for actor in (world.grid_a1a, world.village_a1, world.town_a, mw.grid_b1a):
        assert "accept" not in available_actions(actor, move.case)
        with pytest.raises(ActionNotAllowed):
            case_act(actor=actor, case=move.case, action="accept")
    assert snapshot(person) == before
    denied = AuditRecord.objects.filter(action="case.accept", outcome="denied").count()
    assert denied == 4


def test_a_centre_above_the_receiver_may_supervise(world, mw):
    move = request(world.grid_a1a, world.p_a1a, GRID_A1B)
    assert available_actions(world.town_a, move.case) == ["supervise"]
    case = case_act(
        actor=world.town_a, case=move.case, action="supervise", note="尽快接收", level="yellow"
    )
    assert (case.state, case.supervision_level) == ("pending_accept", "yellow")


def test_audit_rows_of_a_move(world, mw):
    person = world.p_a1a
    move = request(world.grid_a1a, person, GRID_A1B)
    case_act(actor=mw.grid_a1b, case=move.case, action="accept")
    actions = ["registry.person.move_request", "registry.person.move", "case.accept"]
    rows = list(
        AuditRecord.objects.filter(action__in=actions)
        .order_by("seq")
        .values_list("action", "object_type", "object_id", "region_code", "outcome")
    )
    number = move.case.number
    assert rows == [
        ("registry.person.move_request", "registry.person", str(person.pk), GRID_A1A, "ok"),
        ("registry.person.move", "registry.person", str(person.pk), GRID_A1B, "ok"),
        ("case.accept", "flow.case", number, GRID_A1A, "ok"),
    ]
    detail = AuditRecord.objects.get(action="registry.person.move").detail
    assert detail == {
        "number": number,
        "from": GRID_A1A,
        "to": GRID_A1B,
        "cards": 2,
        "responsible": mw.grid_a1b.user.pk,
    }


def test_the_person_cannot_be_deleted_while_moves_refer_to_it(world, mw):
    from django.db.models import ProtectedError

    request(world.grid_a1a, world.p_a1a, GRID_A1B)
    with pytest.raises(ProtectedError):
        Person.objects.filter(pk=world.p_a1a.pk).delete()


def test_cross_county_case_is_visible_in_the_second_county_only_through_its_holder(world, mw):
    move = request(world.county, world.p_b1, GRID_C2)
    assert access_case(mw.grid_c2, move.case.number) == move.case
    assert move.case.holder_code[:6] == COUNTY2
