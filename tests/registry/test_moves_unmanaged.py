"""漏管: overdue moves, regions without a grid worker, regions that no longer exist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.accounts.roles import Role
from pingan.flow.deadlines import scan_deadlines
from pingan.flow.selectors import inbox
from pingan.registry.kinds import CardKind
from pingan.registry.moves.selectors import people_unmanaged, unmanaged_reasons
from tests.factories import make_actor, region_chain
from tests.registry.factories import (
    GRID_A1B,
    GRID_B1A,
    api_client,
    make_card,
    make_person,
)
from tests.registry.move_helpers import (  # noqa: F401  (mw_fixture provides `mw`)
    at,
    mw_fixture,
    request,
)

pytestmark = pytest.mark.django_db
UNMANAGED = "/api/v1/registry/unmanaged/"


def flagged(actor) -> list[tuple[str, list[str]]]:
    return [(p.name, unmanaged_reasons(p)) for p in people_unmanaged(actor)]


def test_everyone_managed_when_every_unit_is_staffed(world, mw):
    assert flagged(world.county) == []


def test_an_overdue_move_flags_the_person_for_the_sender_side(world, mw):
    move = request(world.grid_a1a, world.p_a1a, GRID_A1B, now=at(2021, 3, 1, 9, 0))
    assert flagged(world.county) == [("张三丰", ["move_overdue"])]
    assert flagged(world.grid_a1a) == [("张三丰", ["move_overdue"])]
    # Not yet overdue at the time it was opened.
    assert [p.name for p in people_unmanaged(world.county, now=at(2021, 3, 1, 10, 0))] == []
    # The receiver does not hold the person; it sees the overdue case instead.
    assert flagged(mw.grid_a1b) == []
    scan_deadlines(now=at(2021, 6, 1, 0, 0))
    number = move.case.number
    assert [c.number for c in inbox(mw.grid_a1b, "overdue")] == [number]
    assert [c.number for c in inbox(world.grid_a1a, "overdue")] == [number]
    assert [c.number for c in inbox(world.county, "overdue")] == [number]

    detail = api_client(world.grid_a1a).get(f"/api/v1/people/{world.p_a1a.pk}/").json()
    assert (detail["unmanaged"], detail["unmanaged_reasons"]) == (True, ["move_overdue"])
    assert detail["move"]["overdue"] is True
    moves = api_client(world.town_a).get("/api/v1/registry/moves/", {"overdue": "true"}).json()
    assert [row["number"] for row in moves["results"]] == [number]


def test_accepting_an_overdue_move_clears_the_flag(world, mw):
    from pingan.flow.services import case_act

    move = request(world.grid_a1a, world.p_a1a, GRID_A1B, now=at(2021, 3, 1, 9, 0))
    case_act(actor=mw.grid_a1b, case=move.case, action="accept")
    assert flagged(world.county) == []


def test_grid_without_an_active_grid_worker(world, mw):
    mw.grid_b1a.position.active = False
    mw.grid_b1a.position.save()
    assert flagged(world.county) == [("赵六", ["no_worker"])]
    mw.grid_b1a.position.active = True
    mw.grid_b1a.position.save()
    mw.grid_b1a.user.is_active = False
    mw.grid_b1a.user.save()
    assert flagged(world.town_b) == [("赵六", ["no_worker"])]
    detail = api_client(world.town_b).get(f"/api/v1/people/{world.p_b1.pk}/").json()
    assert (detail["unmanaged"], detail["unmanaged_reasons"]) == (True, ["no_worker"])


def test_village_person_needs_village_staff_and_micro_grid_uses_its_grid_worker(world, mw):
    mw.village_a2.position.active = False
    mw.village_a2.position.save()
    micro = "990101001001002001"
    region_chain(micro)
    make_person(micro, "钱七")  # grid A1b's worker looks after its micro-grids
    assert flagged(world.town_a) == [("王五", ["no_worker"])]


def test_region_that_no_longer_exists(world, mw):
    make_person("990101001001009", "孙八")
    assert flagged(world.county) == [("孙八", ["region_missing"])]
    assert flagged(world.grid_a1a) == []


def test_moved_out_people_without_active_cards_are_not_flagged(world, mw):
    from pingan.registry.moves.services import person_move_request

    mw.grid_b1a.position.active = False
    mw.grid_b1a.position.save()
    person_move_request(
        actor=world.town_b,
        person=world.p_b1,
        move_out=True,
        reason="外出定居",
        to_address="某省某县",
    )
    assert flagged(world.county) == []
    # Registered again here later (a new card): counted again.
    make_card(world.p_b1, CardKind.FLOATING, {})
    assert flagged(world.county) == [("赵六", ["no_worker"])]


def test_departments_and_administrators_get_nobody(world, mw):
    make_person("990101001001009", "孙八")
    assert flagged(world.weijian) == []
    assert flagged(make_actor(Role.SYSTEM_ADMIN, "990101")) == []
    assert flagged(world.leader) == [("孙八", ["region_missing"])]


def test_unmanaged_api_is_masked_with_reasons_and_constant_queries(world, mw):
    client = api_client(world.county)
    make_person("990101001001009", "孙八", phone="13812345678")
    client.get(UNMANAGED)  # warm per-process caches
    with CaptureQueriesContext(connection) as one:
        body = client.get(UNMANAGED).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["name"], row["phone"], row["unmanaged_reasons"], row["unmanaged_labels"]) == (
        "孙八",
        "138****5678",
        ["region_missing"],
        ["所属网格已不存在"],
    )
    assert row["id_number"].count("*") == 8
    make_person("990101001001008", "周九")
    make_person(GRID_B1A[:12] + "009", "吴十")
    with CaptureQueriesContext(connection) as three:
        body = client.get(UNMANAGED).json()
    assert body["count"] == 3
    assert len(three.captured_queries) == len(one.captured_queries)
    assert api_client(world.sifa).get(UNMANAGED).json()["count"] == 0
