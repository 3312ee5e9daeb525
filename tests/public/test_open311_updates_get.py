"""Open311 servicerequestupdates, GET: the progress feed of the key's region (FixMyStreet's
update extension): fields and formats, the date window and pages, statuses, privacy."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.audit.models import AuditRecord
from pingan.events.duplicates import case_merge
from pingan.flow.models import Case
from pingan.flow.services import case_act_public
from pingan.public.models import PublicChannel
from pingan.public.open311.services import open311_client_revoke
from pingan.public.services import public_report_submit
from tests.flow.factories import COUNTY, IN_G1, IN_G3, TOWN, VILLAGE, act, at, frozen, report
from tests.public.open311_support import (
    BASE,
    PRIVATE_SERVICE,
    PUBLIC_SERVICE,
    body,
    errors_xml,
    issue_key,
    tags,
    xml,
)

NOW = at(2026, 11, 20, 10, 0)
PHONE = "13987654321"
UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def key(world):
    return issue_key()[1]


def citizen(moment, *, point=IN_G1, category=PUBLIC_SERVICE) -> Case:
    data = {
        "category": category,
        "description": "示范路 5 号路灯不亮，联系我 13912345678，身份证 530623199001011234",
        "lng": point[0],
        "lat": point[1],
        "address": "示范路 5 号",
    }
    with frozen(moment):
        case, _report, _code = public_report_submit(
            channel=PublicChannel.PORTAL,
            county=COUNTY,
            data=data,
            phone=PHONE,
            name="王五",
            email="w@x.cn",
        )
    return case


def step(actor, case: Case, action: str, moment, **params) -> Case:
    with frozen(moment):
        return act(actor, case, action, **params)


def feed(client, key, fmt="json", **query):
    if key is not None:
        query["api_key"] = key
    with frozen(NOW):
        return client.get(f"{BASE}servicerequestupdates.{fmt}", query)


def ids(response) -> list[str]:
    return [u["update_id"] for u in body(response)]


def test_xml_lists_public_steps_of_public_cases_oldest_first(world, client, key):
    case = citizen(at(2026, 11, 19, 9, 0))
    step(world.village, case, "accept", at(2026, 11, 19, 9, 30), note="内部意见：先打电话")
    staff = report(world.grid_worker, category=PUBLIC_SERVICE)  # internal work: never listed
    step(world.village, staff, "accept", at(2026, 11, 19, 9, 45))
    response = feed(client, key, "xml")
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_request_updates"
    assert [u.tag for u in root] == ["request_update", "request_update"]
    assert all(tags(u) == UPDATE_FIELDS for u in root)
    assert [[u.findtext(f) for f in UPDATE_FIELDS] for u in root] == [
        [
            f"{case.number}-1",
            case.number,
            "open",
            "2026-11-19T09:00:00+08:00",
            f"已登记，转区划{VILLAGE}受理",
            "",
            "pending_accept",
        ],
        [
            f"{case.number}-2",
            case.number,
            "in_progress",
            "2026-11-19T09:30:00+08:00",
            f"区划{VILLAGE}已受理",
            "",
            "handling",
        ],
    ]
    assert staff.number not in response.content.decode()
    assert response["Access-Control-Allow-Origin"] == "*"


def test_json_is_the_spark_mapping(world, client, key):
    case = citizen(at(2026, 11, 19, 9, 0))
    data = body(feed(client, key))
    assert data == [
        {
            "update_id": f"{case.number}-1",
            "service_request_id": case.number,
            "status": "open",
            "updated_datetime": "2026-11-19T09:00:00+08:00",
            "description": f"已登记，转区划{VILLAGE}受理",
            "media_url": None,
            "external_status_code": "pending_accept",
        }
    ]


def test_only_cases_in_the_key_region(world, client):
    here = citizen(at(2026, 11, 19, 9, 0))
    there = citizen(at(2026, 11, 19, 9, 5), point=IN_G3)  # town 2
    town_key = issue_key(TOWN, name="一镇小程序")[1]
    county_key = issue_key(COUNTY, name="县 12345")[1]
    assert ids(feed(client, town_key)) == [f"{here.number}-1"]
    assert ids(feed(client, county_key)) == [f"{here.number}-1", f"{there.number}-1"]


def test_statuses_follow_the_loop_and_reopening(world, client, key):
    case = citizen(at(2026, 11, 10, 9, 0))
    moments = iter(at(2026, 11, 10, 10 + hour, 0) for hour in range(12))
    for actor, action in [
        (world.village, "accept"),
        (world.village, "suspend"),
        (world.village, "resume"),
        (world.town, "mark_urgent"),  # not a public step: not in the feed
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = step(actor, case, action, next(moments))
    with frozen(next(moments)):
        case = case_act_public(
            case=Case.objects.get(pk=case.pk),
            action="callback",
            channel="portal",
            satisfaction="unsatisfied",
        )
    for actor, action in [
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = step(actor, case, action, next(moments))
    with frozen(next(moments)):
        case_act_public(
            case=Case.objects.get(pk=case.pk),
            action="callback",
            channel="portal",
            satisfaction="satisfied",
        )
    data = body(feed(client, key))
    assert [(u["status"], u["external_status_code"]) for u in data] == [
        ("open", "pending_accept"),
        ("in_progress", "handling"),
        ("action_scheduled", "suspended"),
        ("in_progress", "handling"),
        ("investigating", "verifying"),
        ("fixed", "pending_close"),
        ("fixed", "closed"),
        ("reopen", "handling"),
        ("investigating", "verifying"),
        ("fixed", "pending_close"),
        ("fixed", "closed"),
        ("closed", "archived"),
    ]
    assert [u["update_id"] for u in data][-1] == f"{case.number}-13"
    assert data[7]["description"] == "已回访（不满意）"
    assert len({u["update_id"] for u in data}) == len(data)


def test_no_personal_data_staff_names_or_notes(world, client, key):
    case = citizen(at(2026, 11, 19, 9, 0), category=PRIVATE_SERVICE)
    staff_user = world.village.user
    staff_user.full_name = "赵办事员"
    staff_user.save()
    step(world.village, case, "accept", at(2026, 11, 19, 9, 30), note="内部意见：与王五家属沟通")
    step(world.village, case, "handle_locally", at(2026, 11, 19, 9, 40), note="已现场调解")
    outputs = [feed(client, key, fmt).content.decode() for fmt in ("xml", "json")]
    for text in outputs:
        assert case.number in text
        for secret in (PHONE, "王五", "w@x.cn", "赵办事员", staff_user.username, "内部意见"):
            assert secret not in text
        for secret in ("已现场调解", "13912345678", "139****5678", "530623", "示范路 5 号"):
            assert secret not in text
    assert [u["description"] for u in body(feed(client, key))] == [
        f"已登记，转区划{VILLAGE}受理",
        f"区划{VILLAGE}已受理",
        f"区划{VILLAGE}已现场处置",
    ]


@pytest.mark.parametrize(
    ("make_key", "reason", "description"),
    [
        (lambda key: None, "missing_key", "缺少 api_key，无法查询办理进展。"),
        (lambda key: key + "x", "invalid_key", "api_key 无效，无法查询办理进展。"),
    ],
)
def test_missing_or_wrong_key_is_403_and_audited(world, client, key, make_key, reason, description):
    citizen(at(2026, 11, 19, 9, 0))
    response = feed(client, make_key(key), "xml")
    assert response.status_code == 403
    assert errors_xml(response) == [("403", description)]
    audit = AuditRecord.objects.get(action="open311.denied")
    assert (audit.detail["reason"], audit.detail["path"]) == (
        reason,
        "/open311/v2/servicerequestupdates.xml",
    )


def test_a_revoked_key_is_403(world, client):
    open311_client, key = issue_key()
    open311_client_revoke(actor=None, client=open311_client)
    response = feed(client, key)
    assert response.status_code == 403
    assert body(response) == [{"code": 403, "description": "api_key 已停用，无法查询办理进展。"}]


def test_default_window_is_the_last_90_days_of_updates(world, client, key):
    old = citizen(at(2026, 8, 1, 9, 0))  # reported long ago, accepted within the window
    step(world.village, old, "accept", at(2026, 8, 23, 9, 0))
    assert ids(feed(client, key)) == [f"{old.number}-2"]
    wide = feed(client, key, start_date="2026-07-31T00:00:00+08:00")
    assert ids(wide) == [f"{old.number}-1", f"{old.number}-2"]
    only_end = feed(client, key, end_date="2026-08-01T09:00:00+08:00")
    assert ids(only_end) == [f"{old.number}-1"]


def test_range_is_inclusive_and_bad_dates_are_400(world, client, key):
    case = citizen(at(2026, 10, 1, 12, 0))
    ok = feed(client, key, start_date="2026-10-01T12:00:00+08:00", end_date="2026-10-01T04:00:00Z")
    assert ids(ok) == [f"{case.number}-1"]
    after = feed(client, key, start_date="2026-10-01T12:00:01+08:00")
    assert body(after) == []
    too_long = feed(client, key, start_date="2026-01-01T00:00:00Z", end_date="2026-04-02T00:00:01Z")
    backwards = feed(
        client, key, start_date="2026-10-02T00:00:00Z", end_date="2026-10-01T00:00:00Z"
    )
    no_offset = feed(client, key, "xml", start_date="2026-10-01T00:00:00", page="0")
    assert too_long.status_code == backwards.status_code == no_offset.status_code == 400
    assert body(too_long) == [
        {"code": 400, "description": "start_date 与 end_date 的间隔不能超过 90 天。"}
    ]
    assert body(backwards) == [{"code": 400, "description": "start_date 不能晚于 end_date。"}]
    assert errors_xml(no_offset) == [
        ("400", "start_date 应为带时区的 W3C 日期时间，例如 2026-03-01T00:00:00+08:00 或 …Z。"),
        ("400", "page 应为正整数。"),
    ]


def test_pages_with_a_next_link(world, client, key):
    cases = [citizen(at(2026, 11, 19, 8 + i, 0)) for i in range(5)]
    everything = [f"{c.number}-1" for c in cases]
    first = feed(client, key, page_size="2")
    second = feed(client, key, page_size="2", page="2")
    last = feed(client, key, page_size="2", page="3")
    assert ids(first) + ids(second) + ids(last) == everything
    assert body(feed(client, key, page_size="2", page="4")) == []
    assert first["Link"] == (
        "<http://testserver/open311/v2/servicerequestupdates.json"
        f'?page_size=2&api_key={first.wsgi_request.GET["api_key"]}&page=2>; rel="next"'
    )
    assert "page=3" in second["Link"] and not last.has_header("Link")
    too_big = feed(client, key, page_size="1001")
    assert body(too_big) == [{"code": 400, "description": "page_size 不能超过 1000。"}]


def test_a_merged_duplicate_follows_its_parent(world, client, key):
    parent = citizen(at(2026, 11, 19, 9, 0))
    child = citizen(at(2026, 11, 19, 9, 30))
    with frozen(at(2026, 11, 19, 10, 0)):
        case_merge(actor=world.village, case=Case.objects.get(pk=child.pk), into=parent)
    step(world.village, parent, "accept", at(2026, 11, 19, 11, 0))
    data = body(feed(client, key))
    assert [(u["update_id"], u["service_request_id"], u["status"]) for u in data] == [
        (f"{parent.number}-1", parent.number, "open"),
        (f"{child.number}-1", child.number, "open"),
        (f"{child.number}-2", child.number, "duplicate"),
        (f"{parent.number}-3", parent.number, "in_progress"),
        (f"{child.number}-{parent.number}-3", child.number, "in_progress"),
    ]
    assert data[2]["description"] == "已与反映同一问题的其他诉求合并办理"
    assert data[4]["description"] == data[3]["description"] == f"区划{VILLAGE}已受理"
    # The parent's report came before the merge: it is not repeated for the duplicate.
    assert f"{child.number}-{parent.number}-1" not in ids(feed(client, key))


def test_a_staff_case_a_public_duplicate_was_merged_into_is_shown_for_the_duplicate(
    world, client, key
):
    parent = report(world.grid_worker, category=PUBLIC_SERVICE)
    child = citizen(at(2026, 11, 19, 9, 30))
    with frozen(at(2026, 11, 19, 10, 0)):
        case_merge(actor=world.village, case=Case.objects.get(pk=child.pk), into=parent)
    step(world.village, parent, "accept", at(2026, 11, 19, 11, 0))
    assert ids(feed(client, key)) == [
        f"{child.number}-1",
        f"{child.number}-2",
        f"{child.number}-{parent.number}-3",
    ]


def test_queries_do_not_grow_with_the_page(world, client, key):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert feed(client, key).status_code == 200
        return len(queries)

    for hour in range(2):
        step(world.village, citizen(at(2026, 11, 19, 8 + hour, 0)), "accept", NOW)
    few = count()
    for hour in range(6):
        step(world.village, citizen(at(2026, 11, 18, 8 + hour, 0)), "accept", NOW)
    assert count() == few <= 6
    assert len(body(feed(client, key))) == 16


def test_wrong_jurisdiction_is_404_and_other_methods_405(world, client, key):
    response = feed(client, key, jurisdiction_id="sfgov.org")
    assert response.status_code == 404
    assert body(response) == [{"code": 404, "description": "jurisdiction_id sfgov.org 不存在。"}]
    response = client.put(f"{BASE}servicerequestupdates.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert feed(client, key, "csv").status_code == 400
