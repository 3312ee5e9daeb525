"""Duplicate hints at acceptance (neighbouring grids, 7 days, jieba similarity) and merging."""

import datetime as dt

import pytest

from pingan.audit.models import AuditRecord
from pingan.events.duplicates import (
    duplicate_candidates,
    neighbour_grids,
    public_case,
    similarity,
    tokens,
)
from pingan.events.models import CaseMerge
from pingan.flow.models import Case, CaseAction
from pingan.regions.lookup import reset_grid_index
from tests.factories import RegionFactory, square
from tests.flow.factories import G1, G2, G3, IN_G3, VILLAGE, act, api_client, at, frozen, report

pytestmark = pytest.mark.django_db

VILLAGE_B = "990101001002"
G4 = "990101001002001"  # other village of the same town, touching G1 (north side)
G5 = "990101001002002"  # same town, not touching G1
IN_G2, IN_G4, IN_G5 = (102.715, 25.005), (102.705, 25.015), (102.755, 25.055)
TEXT = "示范村三组排水沟堵塞，污水漫到路面"
SAME = "三组排水沟堵塞了，污水漫到路面上"
RELATED = "排水沟堵塞污水外溢"
OTHER = "村口路灯不亮，晚上行人看不清"
T0 = at(2026, 3, 2, 9, 0)


@pytest.fixture
def grids(world):
    village_b = RegionFactory(code=VILLAGE_B, parent_id="990101001")
    RegionFactory(code=G4, parent=village_b, geometry=square(102.70, 25.01))
    RegionFactory(code=G5, parent=village_b, geometry=square(102.75, 25.05))
    reset_grid_index()
    return world


def at_time(moment, actor, point, text):
    with frozen(moment):
        return report(actor, point=point, description=text)


def test_tokens_and_similarity():
    assert tokens(TEXT) == {"示范村", "三组", "排水沟", "堵塞", "污水", "漫到", "路面"}
    assert round(similarity(tokens(TEXT), tokens(SAME)), 3) == 0.857
    assert round(similarity(tokens(TEXT), tokens(RELATED)), 3) == 0.375
    assert similarity(tokens(TEXT), tokens(OTHER)) == 0.0
    assert similarity(frozenset(), frozenset()) == 0.0


def test_neighbour_grids_are_same_village_and_touching_ones(grids):
    assert neighbour_grids(G1) == {G1, G2, G4}
    assert neighbour_grids(G5) == {G5, G4}
    assert neighbour_grids(G3) == {G3}


def test_candidates_are_ranked_scoped_and_windowed(grids):
    w = grids
    case = at_time(T0, w.grid_worker, (102.705, 25.005), TEXT)
    same = at_time(T0 - dt.timedelta(days=1), w.grid_worker2, IN_G2, SAME)
    related = at_time(T0 - dt.timedelta(days=2), w.town, IN_G4, RELATED)
    at_time(T0, w.town, IN_G5, TEXT)  # not a neighbour
    at_time(T0, w.town2, IN_G3, TEXT)  # another town
    at_time(T0, w.grid_worker, (102.705, 25.005), OTHER)  # different text
    at_time(T0 - dt.timedelta(days=8), w.grid_worker, (102.706, 25.005), SAME)  # too old
    done = at_time(T0, w.grid_worker, (102.706, 25.005), SAME)
    with frozen(T0):
        act(w.village, done, "handle_locally")  # closed: not a candidate

    with frozen(T0 + dt.timedelta(hours=1)):
        town = [(c.case.number, c.score) for c in duplicate_candidates(w.town, case)]
        village = [(c.case.number, c.score) for c in duplicate_candidates(w.village, case)]
    assert town == [(same.number, 0.857), (related.number, 0.375)]
    # The village cannot see the neighbouring village's event.
    assert village == [(same.number, 0.857)]

    response = api_client(w.village).get(f"/api/v1/cases/{case.number}/duplicates/")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["number"], r["score"], r["description"]) for r in rows] == [
        (same.number, 0.857, SAME)
    ]
    assert api_client(w.town2).get(f"/api/v1/cases/{case.number}/duplicates/").status_code == 404


def test_merge_closes_the_duplicate_and_links_both_reporters(grids):
    w = grids
    parent = report(w.grid_worker, point=(102.705, 25.005), description=TEXT)
    child = report(w.grid_worker2, point=IN_G2, description=SAME)
    response = api_client(w.village).post(
        f"/api/v1/cases/{child.number}/merge/", {"into": parent.number, "note": "同一事件"}, "json"
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["state"], data["detail"]["merged_into"], data["available_actions"]) == (
        "closed",
        parent.number,
        [],
    )
    assert data["detail"]["public_state"] == "pending_accept"
    child.refresh_from_db()
    assert (child.state, child.due_at, child.closed_at is not None) == ("closed", None, True)
    link = CaseMerge.objects.get()
    assert (link.parent, link.child_reporter, link.reporter_notified_at) == (
        parent,
        w.grid_worker2.user,
        None,
    )
    child_history = list(CaseAction.objects.filter(case=child).values_list("action", "to_state"))
    assert child_history == [("report", "pending_accept"), ("merge", "closed")]
    parent_history = list(CaseAction.objects.filter(case=parent).values_list("action", "payload"))
    assert parent_history[-1] == ("merge_in", {"child": child.number})
    audit = AuditRecord.objects.get(action="case.merge")
    assert (audit.object_id, audit.detail["into"]) == (child.number, parent.number)

    # The child's reporter follows the parent's status.
    act(w.village, parent, "accept")
    assert public_case(child) == parent
    detail = api_client(w.grid_worker2).get(f"/api/v1/cases/{child.number}/").json()
    assert detail["detail"]["public_state"] == "handling"
    parent_detail = api_client(w.village).get(f"/api/v1/cases/{parent.number}/").json()
    assert parent_detail["detail"]["merged_children"] == [child.number]
    # A merged case is not offered as a duplicate any more.
    assert duplicate_candidates(w.village, parent) == []


def test_merge_refusals_save_nothing(grids):
    w = grids
    parent = report(w.grid_worker, point=(102.705, 25.005), description=TEXT)
    child = report(w.grid_worker2, point=IN_G2, description=SAME)
    far = report(w.town2, point=IN_G3, description=TEXT)
    closed = report(w.grid_worker, point=(102.705, 25.005), description=SAME)
    act(w.village, closed, "handle_locally")
    url = f"/api/v1/cases/{child.number}/merge/"
    village = api_client(w.village)
    itself = village.post(url, {"into": child.number}, "json")
    assert itself.json() == {"into": ["不能合并到自身。"]}
    assert village.post(url, {"into": closed.number}, "json").json() == {
        "into": ["只能合并到未办结的网格事件。"]
    }
    assert village.post(url, {"into": far.number}, "json").json() == {
        "into": ["目标事件不存在或不在数据范围内。"]
    }
    # Only the holder, and only before acceptance.
    assert api_client(w.town).post(url, {"into": parent.number}, "json").status_code == 409
    assert api_client(w.town2).post(url, {"into": far.number}, "json").status_code == 404
    assert api_client(w.leader).post(url, {"into": parent.number}, "json").status_code == 403
    act(w.village, child, "accept")
    accepted = village.post(url, {"into": parent.number}, "json")
    assert accepted.status_code == 409
    assert "handle_locally" in accepted.json()["allowed_actions"]
    assert CaseMerge.objects.count() == 0
    assert not CaseAction.objects.filter(action__in=["merge", "merge_in"]).exists()
    assert Case.objects.get(pk=child.pk).state == "handling"


def test_cannot_merge_into_a_merged_case(grids):
    w = grids
    first = report(w.grid_worker, point=(102.705, 25.005), description=TEXT)
    second = report(w.grid_worker2, point=IN_G2, description=SAME)
    third = report(w.grid_worker2, point=IN_G2, description=SAME)
    village = api_client(w.village)
    ok = village.post(f"/api/v1/cases/{second.number}/merge/", {"into": first.number}, "json")
    assert ok.status_code == 200
    again = village.post(f"/api/v1/cases/{third.number}/merge/", {"into": second.number}, "json")
    assert again.json() == {"into": ["只能合并到未办结的网格事件。"]}
    assert first.holder_code == VILLAGE and first.region_code == G1
