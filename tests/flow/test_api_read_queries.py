"""The read API's query counts: the case inbox, a case's detail, the category list and /me
do not run more queries when there are more rows (bench/read_api.py measures their speed)."""

import datetime as dt

import pytest

from pingan.events.duplicates import case_merge
from pingan.flow.deadlines import scan_deadlines
from tests.flow.factories import G1, TOWN, act, api_client, at, report

pytestmark = pytest.mark.django_db

# Token, position, count, page, names of region units, and names of departments when a
# department holds a case on the page.
LIST_QUERIES = {
    ("town", "todo"): 5,
    ("town", "overdue"): 6,
    ("town", "all"): 6,
    ("grid_worker", "todo"): 5,
    ("grid_worker", "overdue"): 6,
    ("grid_worker", "all"): 6,
}


def add_cases(w, n: int) -> None:
    """n cases waiting at the town, n handled by the police and n the police fed back for the
    grid to verify, all past due: every box of the town operator and the grid worker has
    rows."""
    for _ in range(n):
        act(w.village, report(w.grid_worker), "escalate")
        for feedback in (False, True):
            case = act(w.town, act(w.village, report(w.grid_worker), "escalate"), "accept")
            case = act(w.police, act(w.town, case, "dispatch", department=w.police_code), "accept")
            if feedback:
                act(w.police, case, "feedback", note="已处置")
    scan_deadlines(now=at(2099, 1, 1, 0, 0))


def list_counts(w, django_assert_num_queries) -> dict[tuple[str, str], int]:
    counts = {}
    for (who, box), queries in LIST_QUERIES.items():
        client = api_client(getattr(w, who))
        with django_assert_num_queries(queries):
            body = client.get(f"/api/v1/cases/?inbox={box}&limit=100").json()
        counts[who, box] = body["count"]
    return counts


def test_inbox_queries_do_not_grow_with_the_rows(world, django_assert_num_queries):
    add_cases(world, 1)
    few = list_counts(world, django_assert_num_queries)
    assert few == {
        ("town", "todo"): 1,
        ("town", "overdue"): 3,
        ("town", "all"): 3,
        ("grid_worker", "todo"): 1,
        ("grid_worker", "overdue"): 3,
        ("grid_worker", "all"): 3,
    }
    add_cases(world, 7)
    many = list_counts(world, django_assert_num_queries)
    assert many == {key: 8 * value for key, value in few.items()}


def test_inbox_rows_hold_the_list_fields_and_unit_names(world):
    add_cases(world, 1)
    body = api_client(world.grid_worker).get("/api/v1/cases/?inbox=all").json()
    held = {row["holder"]["code"]: row for row in body["results"]}
    assert set(held) == {TOWN, G1, world.police_code}
    assert held[world.police_code]["holder"]["kind"] == "department"
    row = held[G1]
    assert list(row) == [
        "number",
        "case_type",
        "title",
        "category_code",
        "urgency",
        "state",
        "state_label",
        "region_code",
        "holder",
        "due_at",
        "warn_at",
        "is_warned",
        "is_overdue",
        "is_urgent",
        "supervision_level",
        "version",
        "created_at",
        "updated_at",
        "closed_at",
    ]
    assert (row["state"], row["state_label"], row["is_overdue"], row["closed_at"]) == (
        "verifying",
        "待核查",
        True,
        None,
    )
    assert row["holder"] == {"code": G1, "kind": "region", "name": f"区划{G1}"}
    assert row["due_at"].endswith("+08:00")


def test_case_detail_reads_merge_links_in_one_query(world, django_assert_num_queries):
    w = world
    parent = report(w.grid_worker)
    act(w.village, parent, "accept")
    url = f"/api/v1/cases/{parent.number}/"
    case_merge(actor=w.village, case=report(w.grid_worker), into=parent)
    client = api_client(w.village)
    client.get(url)
    with django_assert_num_queries(13) as one:
        assert len(client.get(url).json()["detail"]["merged_children"]) == 1
    children = [report(w.grid_worker) for _ in range(3)]
    for child in children:
        case_merge(actor=w.village, case=child, into=parent)
    with django_assert_num_queries(len(one.captured_queries)):
        detail = client.get(url).json()["detail"]
    assert detail["merged_children"][1:] == [c.number for c in children]
    assert "merged_into" not in detail
    child_detail = client.get(f"/api/v1/cases/{children[0].number}/").json()["detail"]
    assert (child_detail["merged_children"], child_detail["merged_into"]) == ([], parent.number)
    assert child_detail["public_state"] == "handling"


def test_category_list_is_three_queries(world, django_assert_num_queries):
    client = api_client(world.grid_worker)
    with django_assert_num_queries(3):  # token, position, categories
        rows = client.get("/api/v1/events/categories/").json()
    assert rows[0] == {"code": "01", "name": "民生服务", "parent": None}
    assert {"code": "0204", "name": "邻里纠纷", "parent": "02"} in rows


def test_me_reads_the_positions_once(world, django_assert_num_queries):
    client = api_client(world.police)
    with django_assert_num_queries(2):  # token, positions
        body = client.get("/api/v1/me/").json()
    position = world.police.position
    assert body["current_position"] == position.pk
    assert body["positions"] == [
        {
            "id": position.pk,
            "role": "department_handler",
            "role_name": "职能部门办理人",
            "unit_code": world.police_code,
            "unit_name": position.department.name,
            "scope_code": TOWN,
        }
    ]


def test_answers_equal_what_the_drf_serializers_give(world, monkeypatch):
    """The views render rows with `serializer_rows`; with DRF's serializers instead, every
    list and detail answer is byte for byte the same."""
    w = world
    add_cases(w, 1)
    act(w.grid_worker, report(w.grid_worker), "handle_locally", note="已处置")  # closed
    case = act(w.town, act(w.village, report(w.grid_worker), "escalate"), "accept")
    case = act(w.town, case, "add_assist", units=[w.sifa_code])
    case = act(w.town, case, "dispatch", department=w.police_code)
    case = act(w.police, case, "accept")
    act(w.county, case, "supervise", level="yellow", note="请尽快办理")
    act(w.police, case, "request_extension", due_at=case.due_at + dt.timedelta(days=3))
    case_merge(actor=w.village, case=report(w.grid_worker), into=case)

    def answers() -> dict[str, bytes]:
        out = {}
        for who in ("town", "grid_worker", "police", "county"):
            client = api_client(getattr(w, who))
            for box in ("todo", "overdue", "all", "supervised", "done"):
                response = client.get(f"/api/v1/cases/?inbox={box}")
                out[f"{who} {box}"] = response.content
                for row in response.json()["results"]:
                    detail = client.get(f"/api/v1/cases/{row['number']}/")
                    out[f"{who} {row['number']}"] = detail.content
            out[f"{who} categories"] = client.get("/api/v1/events/categories/").content
        return out

    fast = answers()
    assert len(fast) > 40
    assert b'"pending_extension":{' in b"".join(fast.values())

    def drf_rows(serializer_class, rows, context=None):
        return serializer_class(rows, many=True, context=context or {}).data

    monkeypatch.setattr("pingan.flow.api.views.serializer_rows", drf_rows)
    monkeypatch.setattr("pingan.events.api.serializer_rows", drf_rows)
    assert answers() == fast
