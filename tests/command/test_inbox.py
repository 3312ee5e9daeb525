"""The inbox page: scope, tabs and counts, filters, htmx fragment, paging, query count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.accounts.roles import Role
from pingan.flow.models import Case
from tests.accounts.factories import sign_in
from tests.factories import make_actor
from tests.flow.factories import COUNTY, G2, TOWN, TOWN2, VILLAGE, act, report

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    return re.findall(r'<tr data-number="([A-Z0-9]+)">', response.content.decode())


def counts(response) -> dict[str, int]:
    html = response.content.decode()
    return {box: int(n) for box, n in re.findall(r'data-box="(\w+)">(\d+)<', html)}


def test_town_operator_sees_only_cases_in_scope(client, world, cases):
    sign_in(client, world.town)
    response = client.get("/command/?box=all")
    assert response.status_code == 200
    assert sorted(numbers(response)) == sorted([cases.mine.number, cases.village.number])
    todo = client.get("/command/")
    assert numbers(todo) == [cases.mine.number]
    assert counts(todo) == {
        "todo": 1,
        "awaiting_accept": 1,
        "overdue": 0,
        "supervised": 0,
        "assisting": 0,
        "done": 0,
    }
    # The neighbour town sees its own case only.
    client.logout()
    sign_in(client, world.town2)
    assert numbers(client.get("/command/?box=all")) == [cases.neighbour.number]


def test_counts_follow_the_engine(client, world, cases):
    act(world.town, cases.mine, "accept")
    Case.objects.filter(pk=cases.mine.pk).update(is_overdue=True)
    act(world.county, cases.mine, "supervise", level="yellow")
    act(world.village, cases.village, "accept")
    act(world.village, cases.village, "escalate")
    act(world.town, cases.village, "accept")
    act(world.town, cases.village, "dispatch", department=world.police_code)
    sign_in(client, world.town)
    response = client.get("/command/?box=overdue")
    assert counts(response) == {
        "todo": 1,
        "awaiting_accept": 0,
        "overdue": 1,
        "supervised": 1,
        "assisting": 0,
        "done": 1,
    }
    assert numbers(response) == [cases.mine.number]
    assert 'class="light light-red"' in response.content.decode()
    assert numbers(client.get("/command/?box=done")) == [cases.village.number]
    assert numbers(client.get("/command/?box=supervised")) == [cases.mine.number]


def test_village_staff_and_department_handler_use_their_own_inbox(client, world, cases):
    act(world.town, cases.mine, "accept")
    act(world.town, cases.mine, "dispatch", department=world.police_code)
    sign_in(client, world.village)
    assert numbers(client.get("/command/")) == [cases.village.number]
    client.logout()
    sign_in(client, world.police)
    assert numbers(client.get("/command/")) == [cases.mine.number]
    assert numbers(client.get("/command/?box=all")) == [cases.mine.number]


def test_filters_narrow_the_list_and_bad_values_are_explained(client, world, cases):
    other = report(world.village, category="0101", description="村里：低保咨询")
    sign_in(client, world.town)
    # Both town-1 cases lie in grid G1 of the village (region = finest known unit).
    by_region = client.get(f"/command/?box=all&region={VILLAGE}")
    assert sorted(numbers(by_region)) == sorted(
        [cases.mine.number, cases.village.number, other.number]
    )
    assert numbers(client.get(f"/command/?box=all&region={G2}")) == []
    by_category = client.get("/command/?box=all&category=0101")
    assert numbers(by_category) == [other.number]
    # A top-level category includes its sub-categories.
    assert sorted(numbers(client.get("/command/?box=all&category=02"))) == sorted(
        [cases.mine.number, cases.village.number]
    )
    by_state = client.get("/command/?box=all&state=handling")
    assert numbers(by_state) == []
    future = client.get("/command/?box=all&created_from=2999-01-01")
    assert numbers(future) == []
    outside = client.get(f"/command/?box=all&region={TOWN2}")
    assert "所选区划不在本岗位的管辖范围内。" in outside.content.decode()
    assert len(numbers(outside)) == 3  # the bad filter is dropped, not applied
    reversed_dates = client.get("/command/?box=all&created_from=2026-02-01&created_to=2026-01-01")
    assert "结束日期不能早于开始日期。" in reversed_dates.content.decode()


def test_htmx_request_gets_the_results_fragment(client, world, cases):
    sign_in(client, world.town)
    response = client.get("/command/?box=all&region=" + TOWN, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="card cmd-results" id="results">')
    assert "<html" not in html
    assert sorted(numbers(response)) == sorted([cases.mine.number, cases.village.number])
    assert f'href="/command/export.xlsx?box=all&amp;region={TOWN}"' in html


def test_pagination(client, world, cases, monkeypatch):
    monkeypatch.setattr("pingan.command.views.PAGE_SIZE", 2)
    sign_in(client, world.county)
    first = client.get("/command/?box=all")
    second = client.get("/command/?box=all&page=2")
    assert len(numbers(first)) == 2 and len(numbers(second)) == 1
    assert set(numbers(first)) | set(numbers(second)) == {
        cases.mine.number,
        cases.village.number,
        cases.neighbour.number,
    }
    assert "共 3 件，第 2/2 页" in second.content.decode()


def test_list_query_count_does_not_grow_with_rows(
    client, world, cases, django_assert_max_num_queries
):
    sign_in(client, world.county)
    client.get("/command/?box=all")  # warm per-process caches
    with CaptureQueriesContext(connection) as few:
        assert len(numbers(client.get("/command/?box=all"))) == 3
    for i in range(12):
        report(world.county, unit=COUNTY if i % 2 else TOWN, description=f"事件{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(numbers(client.get("/command/?box=all"))) == 15


def test_nav_item_for_working_roles_not_for_admins(client, world):
    sign_in(client, world.town)
    assert 'href="/command/"' in client.get("/").content.decode()
    client.logout()
    admin = make_actor(Role.SYSTEM_ADMIN, COUNTY)
    sign_in(client, admin)
    assert 'href="/command/"' not in client.get("/").content.decode()
    assert client.get("/command/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/command/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
