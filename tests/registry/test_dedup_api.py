"""Duplicate people over the API and the web pages: listing (masked, paged, scoped), the
merge with field errors and denials, the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pingan.audit.models import AuditRecord
from pingan.registry.kinds import CardKind
from pingan.registry.models import Person, PersonMerge
from tests.accounts.factories import sign_in
from tests.factories import UserFactory
from tests.registry import dedup_helpers
from tests.registry.factories import VILLAGE_A2, api_client, make_card

planted = dedup_helpers.planted
LIST = "/api/v1/registry/duplicates/"
MERGE = "/api/v1/registry/duplicates/merge/"
PAGE = "/registry/duplicates/"
MERGE_PAGE = "/registry/duplicates/merge/"


def _masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def test_list_is_scoped_masked_and_best_first(planted, world):
    body = api_client(world.town_a).get(LIST).json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["left"]["id"], first["right"]["id"], first["score"]) == (
        planted.c.pk,
        planted.c_dup.pk,
        90,
    )
    assert [r["code"] for r in first["reasons"]] == [
        "same_name",
        "birth_typo",
        "same_phone",
        "same_address",
    ]
    assert first["reasons"][1]["label"] == "出生日期仅一位数字不同或相邻颠倒"
    assert first["left"]["id_number"] == _masked(planted.c.id_number)
    assert first["left"]["phone"] == "139****3333"
    assert (second["left"]["id"], second["right"]["id"]) == (planted.a.pk, planted.a_dup.pk)
    assert second["right"]["name"] == "章三丰"
    text = str(body)
    for person in (planted.a, planted.a_dup, planted.c, planted.c_dup):
        assert person.id_number not in text
    assert "13922223333" not in text
    county = api_client(world.county).get(LIST, {"limit": 3}).json()
    assert county["count"] == 4
    assert len(county["results"]) == 3
    assert api_client(world.town_b).get(LIST).json()["count"] == 0


def test_list_region_filter_and_errors(planted, world):
    client = api_client(world.county)
    only = client.get(LIST, {"region": VILLAGE_A2}).json()
    assert [(r["left"]["id"], r["right"]["id"]) for r in only["results"]] == [
        (planted.c.pk, planted.c_dup.pk)
    ]
    bad = api_client(world.town_b).get(LIST, {"region": VILLAGE_A2})
    assert bad.status_code == 400
    assert bad.json() == {"region": ["区划不存在或不在您的管辖范围内。"]}


def test_list_queries_do_not_grow_with_the_page(planted, world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(world.county)
    client.get(LIST)  # warms the finder's cache
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(LIST, {"limit": 2}).json()["results"]) == 2
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(LIST, {"limit": 4}).json()["results"]) == 4
    assert len(two.captured_queries) == len(four.captured_queries)


@pytest.mark.parametrize("who", ["leader", "sifa", "minzheng"])
def test_list_refused_to_departments_and_leaders(planted, world, who):
    response = api_client(getattr(world, who)).get(LIST)
    assert response.status_code == 403
    assert "不能查找重复人员" in response.json()["detail"]


def test_merge_over_the_api(planted, world):
    client = api_client(world.town_a)
    response = client.post(
        MERGE,
        {"keep": planted.a.pk, "merge": planted.a_dup.pk, "merge_version": 1},
        format="json",
    )
    assert response.status_code == 200
    record = PersonMerge.objects.get()
    assert response.json() == {
        "merge_id": record.pk,
        "kept": planted.a.pk,
        "merged": planted.a_dup.pk,
        "moved": {"cards": [], "filled": []},
    }
    assert not Person.objects.filter(pk=planted.a_dup.pk).exists()
    after = client.get(LIST).json()
    assert [(r["left"]["id"], r["right"]["id"]) for r in after["results"]] == [
        (planted.c.pk, planted.c_dup.pk)
    ]


def test_merge_field_errors_and_denials(planted, world):
    client = api_client(world.town_a)
    assert client.post(MERGE, {}, format="json").json() == {
        "keep": ["该字段是必填项。"],
        "merge": ["该字段是必填项。"],
    }
    blank = client.post(MERGE, {"keep": "", "merge": "x"}, format="json")
    assert blank.status_code == 400
    assert blank.json() == {"keep": ["请选择要保留的人员。"], "merge": ["人员编号应为正整数。"]}
    same = client.post(MERGE, {"keep": planted.a.pk, "merge": planted.a.pk}, format="json")
    assert same.json() == {"merge": ["不能把人员与其自身合并。"]}
    stale = client.post(
        MERGE, {"keep": planted.a.pk, "merge": planted.a_dup.pk, "keep_version": 7}, format="json"
    )
    assert stale.status_code == 409
    body = {"keep": planted.a.pk, "merge": planted.a_dup.pk}
    assert api_client(world.leader).post(MERGE, body, format="json").status_code == 403
    assert api_client(world.sifa).post(MERGE, body, format="json").status_code == 403
    assert api_client(world.town_b).post(MERGE, body, format="json").status_code == 404
    assert Person.objects.filter(pk__in=[planted.a.pk, planted.a_dup.pk]).count() == 2
    assert not PersonMerge.objects.exists()
    assert AuditRecord.objects.filter(action="scope.denied", object_id=str(planted.a.pk)).exists()


def test_openapi_schema_has_the_duplicate_endpoints(db):
    api = APIClient()
    api.force_authenticate(UserFactory())
    paths = api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    assert paths["/api/v1/registry/duplicates/"]["get"]["summary"] == "疑似重复人员"
    merge = paths["/api/v1/registry/duplicates/merge/"]["post"]
    assert merge["summary"] == "合并重复人员"
    assert set(merge["responses"]) == {"200", "400", "403", "404", "409"}


# --- Web pages ---------------------------------------------------------------------------


def _page(actor) -> Client:
    client = Client()
    sign_in(client, actor)
    return client


def test_page_lists_pairs_side_by_side(planted, world):
    response = _page(world.town_a).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-left="{planted.c.pk}" data-right="{planted.c_dup.pk}"' in html
    assert f'data-left="{planted.a.pk}" data-right="{planted.a_dup.pk}"' in html
    assert html.index(f'data-left="{planted.c.pk}"') < html.index(f'data-left="{planted.a.pk}"')
    assert "章三丰" in html and _masked(planted.a_dup.id_number) in html
    assert planted.a_dup.id_number not in html
    assert f"/registry/duplicates/merge/?keep={planted.a.pk}&amp;merge={planted.a_dup.pk}" in html
    assert planted.e.name in html  # 张三丰 is also a's name…
    assert f'data-right="{planted.e.pk}"' not in html  # …but e (town B) is never listed


@pytest.mark.parametrize("who", ["leader", "sifa"])
def test_page_refused(planted, world, who):
    response = _page(getattr(world, who)).get(PAGE)
    assert response.status_code == 403


def test_merge_through_the_pages(planted, world):
    make_card(planted.a_dup, CardKind.HOUSEHOLD, {})
    client = _page(world.town_a)
    confirm = client.get(MERGE_PAGE, {"keep": planted.a.pk, "merge": planted.a_dup.pk})
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert '<span class="badge">户籍人口</span>' in html
    assert "把 1 张类型卡转到保留的人员名下" in html
    assert f'name="keep" value="{planted.a.pk}"' in html
    assert f'name="merge_version" value="{planted.a_dup.version}"' in html
    assert Person.objects.filter(pk=planted.a_dup.pk).exists()  # GET changes nothing
    response = client.post(
        MERGE_PAGE,
        {
            "keep": planted.a.pk,
            "merge": planted.a_dup.pk,
            "keep_version": planted.a.version,
            "merge_version": planted.a_dup.version,
            "region": "",
            "page": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/registry/duplicates/?page=1"
    assert not Person.objects.filter(pk=planted.a_dup.pk).exists()
    listing = client.get(response["Location"]).content.decode()
    assert f"已将人员 #{planted.a_dup.pk} 并入 #{planted.a.pk}" in listing
    assert f'data-right="{planted.a_dup.pk}"' not in listing


def test_merge_page_errors_and_scope(planted, world):
    client = _page(world.town_a)
    same = client.post(MERGE_PAGE, {"keep": planted.a.pk, "merge": planted.a.pk})
    assert same.status_code == 400
    assert "不能把人员与其自身合并。" in same.content.decode()
    missing = client.get(MERGE_PAGE)
    assert missing.status_code == 400
    assert "请选择要保留的人员。" in missing.content.decode()
    outside = client.get(MERGE_PAGE, {"keep": planted.a.pk, "merge": planted.e.pk})
    assert outside.status_code == 404
    posted = client.post(MERGE_PAGE, {"keep": planted.a.pk, "merge": planted.e.pk})
    assert posted.status_code == 404
    stale = client.post(
        MERGE_PAGE, {"keep": planted.a.pk, "merge": planted.a_dup.pk, "keep_version": "9"}
    )
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()
    assert (
        _page(world.leader)
        .post(MERGE_PAGE, {"keep": planted.a.pk, "merge": planted.a_dup.pk})
        .status_code
        == 403
    )
    assert Person.objects.filter(pk__in=[planted.a.pk, planted.a_dup.pk, planted.e.pk]).count() == 3
