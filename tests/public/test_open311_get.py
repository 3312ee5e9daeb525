"""Open311 conformance: GET requests, GET one request, tokens, extensions and privacy."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.events.duplicates import case_merge
from pingan.flow.models import Case
from pingan.flow.services import case_act_public
from pingan.public.models import PublicChannel
from pingan.public.services import public_report_submit
from tests.flow.factories import COUNTY, IN_G1, VILLAGE, act, at, frozen, report
from tests.public.open311_support import (
    BASE,
    EXTENSION_FIELDS,
    PRIVATE_SERVICE,
    PUBLIC_SERVICE,
    REQUEST_FIELDS,
    body,
    errors_xml,
    issue_key,
    post,
    tags,
    xml,
)

NOW = at(2026, 11, 20, 10, 0)
PHONE = "13987654321"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def citizen(moment=NOW, category=PUBLIC_SERVICE, channel=PublicChannel.PORTAL, **data) -> Case:
    fields = {
        "category": category,
        "description": "示范路 5 号路灯不亮，联系我 13912345678，身份证 530623199001011234",
        "lng": IN_G1[0],
        "lat": IN_G1[1],
        "address": "示范路 5 号",
        **data,
    }
    with frozen(moment):
        case, _report, _code = public_report_submit(
            channel=channel, county=COUNTY, data=fields, phone=PHONE, name="王五", email="w@x.cn"
        )
    return case


def get(client, path: str, fmt: str = "json", **query):
    return client.get(f"{BASE}{path}.{fmt}", query)


def numbers(response) -> list[str]:
    return [r["service_request_id"] for r in body(response)]


def test_get_requests_xml_lists_public_reports_only_in_spec_order(world, client):
    staff = report(world.grid_worker, category=PUBLIC_SERVICE)  # internal work: never listed
    first = citizen(at(2026, 11, 19, 9, 0))
    second = citizen(at(2026, 11, 19, 10, 0))
    with frozen(NOW):
        root = xml(get(client, "requests", "xml"))
    assert root.tag == "service_requests"
    assert [r.tag for r in root] == ["request", "request"]
    assert [r.findtext("service_request_id") for r in root] == [second.number, first.number]
    assert staff.number not in root.itertext()
    request = root[0]
    assert tags(request) == REQUEST_FIELDS
    assert [request.findtext(f) for f in REQUEST_FIELDS] == [
        second.number,
        "open",
        "待受理：已登记，转区划990101001001受理",
        "公共事业",
        PUBLIC_SERVICE,
        "示范路 5 号路灯不亮，联系我 139****5678，身份证 530623********1234",
        f"区划{VILLAGE}",
        "",
        "2026-11-19T10:00:00+08:00",
        "2026-11-19T10:00:00+08:00",
        w3c_local(second.due_at),
        "示范路 5 号",
        "",
        "",
        "25.005",
        "102.705",
        "",
    ]


def w3c_local(value) -> str:
    from pingan.public.open311.render import w3c

    return w3c(value)


def test_get_requests_json_is_the_spark_mapping(world, client):
    case = citizen(at(2026, 11, 19, 9, 0))
    with frozen(NOW):
        data = body(get(client, "requests"))
    assert isinstance(data, list) and list(data[0]) == REQUEST_FIELDS
    row = data[0]
    assert (row["service_request_id"], row["lat"], row["long"]) == (case.number, 25.005, 102.705)
    assert row["service_notice"] is None and row["address_id"] is None and row["media_url"] is None
    assert row["requested_datetime"] == "2026-11-19T09:00:00+08:00"


def test_private_categories_show_no_text_place_or_media(world, client):
    key = issue_key()[1]
    with frozen(NOW):
        posted = post(
            client,
            key,
            "json",
            service_code=PRIVATE_SERVICE,
            address_string="三组李家",
            media_url="https://img.example.com/q.jpg",
        )
        number = body(posted)[0]["service_request_id"]
        row = body(get(client, f"requests/{number}"))[0]
    assert (row["service_code"], row["status"]) == (PRIVATE_SERVICE, "open")
    assert [row[f] for f in ("description", "address", "lat", "long", "media_url")] == [None] * 5
    assert row["agency_responsible"] == f"区划{VILLAGE}"


def test_no_personal_data_staff_names_or_notes_in_any_output(world, client):
    case = citizen(at(2026, 11, 19, 9, 0))
    staff_user = world.village.user
    staff_user.full_name = "赵办事员"
    staff_user.save()
    act(world.village, case, "accept", note="内部意见：与王五家属沟通")
    with frozen(NOW):
        outputs = [
            get(client, "requests", fmt, extensions="true").content.decode()
            for fmt in ("xml", "json")
        ] + [
            get(client, f"requests/{case.number}", fmt, extensions="true").content.decode()
            for fmt in ("xml", "json")
        ]
    for text in outputs:
        assert case.number in text
        for secret in (PHONE, "王五", "w@x.cn", "赵办事员", staff_user.username, "内部意见"):
            assert secret not in text
        assert "13912345678" not in text and "530623199001011234" not in text


def test_default_window_is_the_last_90_days(world, client):
    old = citizen(at(2026, 8, 21, 9, 0))  # 91 days before NOW
    recent = citizen(at(2026, 8, 23, 9, 0))
    with frozen(NOW):
        assert numbers(get(client, "requests")) == [recent.number]
        response = get(client, "requests", start_date="2026-08-01T00:00:00+08:00")
    assert numbers(response) == [recent.number, old.number]


def test_date_range_rules(world, client):
    inside = citizen(at(2026, 10, 1, 12, 0))
    with frozen(NOW):
        ok = get(
            client,
            "requests",
            start_date="2026-10-01T00:00:00+08:00",
            end_date="2026-10-02T00:00:00Z",
        )
        assert numbers(ok) == [inside.number]
        too_long = get(
            client, "requests", start_date="2026-01-01T00:00:00Z", end_date="2026-04-02T00:00:01Z"
        )
        backwards = get(
            client, "requests", start_date="2026-10-02T00:00:00Z", end_date="2026-10-01T00:00:00Z"
        )
        no_offset = get(client, "requests", "xml", start_date="2026-10-01T00:00:00")
        # An unencoded "+" reaches the server as a space; it is still read as +08:00.
        spaced = client.get(BASE + "requests.json?start_date=2026-10-01T00:00:00+08:00")
    assert too_long.status_code == backwards.status_code == no_offset.status_code == 400
    assert body(too_long) == [
        {"code": 400, "description": "start_date 与 end_date 的间隔不能超过 90 天。"}
    ]
    assert body(backwards) == [{"code": 400, "description": "start_date 不能晚于 end_date。"}]
    assert errors_xml(no_offset) == [
        (
            "400",
            "start_date 应为带时区的 W3C 日期时间，例如 2026-03-01T00:00:00+08:00 或 …Z。",
        )
    ]
    assert numbers(spaced) == [inside.number]


def test_exactly_90_days_is_allowed(world, client):
    with frozen(NOW):
        response = get(
            client, "requests", start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z"
        )
    assert (response.status_code, body(response)) == (200, [])


def test_status_and_service_code_filters(world, client):
    open_case = citizen(at(2026, 11, 19, 9, 0))
    closed = citizen(at(2026, 11, 19, 10, 0))
    emergency = citizen(at(2026, 11, 19, 11, 0), category="07")
    act(world.village, closed, "handle_locally", note="已修复")
    with frozen(NOW):
        assert numbers(get(client, "requests", status="closed")) == [closed.number]
        assert numbers(get(client, "requests", status="open")) == [
            emergency.number,
            open_case.number,
        ]
        both = get(client, "requests", status="open, closed")
        assert numbers(both) == [emergency.number, closed.number, open_case.number]
        codes = get(client, "requests", service_code=f"07,{PRIVATE_SERVICE}")
        assert numbers(codes) == [emergency.number]
        assert numbers(get(client, "requests", service_code="nope")) == []
        bad = get(client, "requests", status="pending")
    assert bad.status_code == 400
    assert body(bad) == [
        {"code": 400, "description": "status 只能是 open 或 closed（可用逗号分隔）。"}
    ]


def test_service_request_id_overrides_every_other_argument(world, client):
    a = citizen(at(2026, 5, 1, 9, 0))  # long outside the default window
    b = citizen(at(2026, 11, 19, 9, 0))
    staff = report(world.grid_worker)
    with frozen(NOW):
        response = get(
            client,
            "requests",
            service_request_id=f"{b.number}, {staff.number},NOPE,{a.number.lower()}",
            status="closed",
            start_date="garbage",
            page_size="5000",
        )
        too_many = get(client, "requests", service_request_id=",".join(["X"] * 201))
    assert numbers(response) == [b.number, a.number]
    assert too_many.status_code == 400


def test_pages(world, client):
    cases = [citizen(at(2026, 11, 19, 8 + i, 0)) for i in range(5)]
    newest_first = [c.number for c in reversed(cases)]
    with frozen(NOW):
        first = get(client, "requests", page_size="2")
        second = get(client, "requests", page_size="2", page="2")
        last = get(client, "requests", page_size="2", page="3")
        beyond = get(client, "requests", page_size="2", page="4")
        wrong = get(client, "requests", page_size="1001", page="0", start_date="x")
    assert numbers(first) == newest_first[:2]
    assert numbers(second) == newest_first[2:4]
    assert numbers(last) == newest_first[4:]
    assert body(beyond) == []
    assert first["Link"] == (
        '<http://testserver/open311/v2/requests.json?page_size=2&page=2>; rel="next"'
    )
    assert "page=3" in second["Link"] and not last.has_header("Link")
    assert wrong.status_code == 400
    assert [e["description"] for e in body(wrong)] == [
        "start_date 应为带时区的 W3C 日期时间，例如 2026-03-01T00:00:00+08:00 或 …Z。",
        "page 应为正整数。",
        "page_size 不能超过 1000。",
    ]


def test_list_queries_do_not_grow_with_the_page(world, client):
    def count() -> int:
        with frozen(NOW), CaptureQueriesContext(connection) as queries:
            assert get(client, "requests", extensions="true").status_code == 200
        return len(queries)

    for hour in range(2):
        act(world.village, citizen(at(2026, 11, 19, 8 + hour, 0)), "accept")
    few = count()
    for hour in range(6):
        act(world.village, citizen(at(2026, 11, 18, 8 + hour, 0)), "accept")
    assert count() == few <= 6


def test_get_one_request_in_both_formats_and_404s(world, client):
    case = citizen()
    staff = report(world.grid_worker)
    root = xml(get(client, f"requests/{case.number}", "xml"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert tags(root[0]) == REQUEST_FIELDS
    data = body(get(client, f"requests/{case.number}"))
    assert len(data) == 1 and data[0]["service_request_id"] == case.number
    for number in ("SJ000", staff.number):
        response = get(client, f"requests/{number}", "xml")
        assert response.status_code == 404
        assert errors_xml(response) == [("404", f"service_request_id {number} 不存在。")]


def test_tokens_answer_requests_posted_through_open311(world, client):
    key = issue_key()[1]
    number = body(post(client, key, "json"))[0]["service_request_id"]
    root = xml(get(client, f"tokens/{number}", "xml"))
    assert root.tag == "service_requests"
    (request,) = root
    assert tags(request) == ["service_request_id", "token"]
    assert (request.findtext("service_request_id"), request.findtext("token")) == (number, number)
    assert body(get(client, f"tokens/{number}")) == [
        {"service_request_id": number, "token": number}
    ]
    portal_case = citizen()
    for token in (portal_case.number, "T-UNKNOWN"):
        response = get(client, f"tokens/{token}")
        assert response.status_code == 404
        assert body(response) == [{"code": 404, "description": f"token {token} 不存在。"}]


def extended(client, case: Case) -> dict:
    return body(get(client, f"requests/{case.number}", extensions="true"))[0]


def test_extended_statuses_follow_the_loop(world, client):
    case = citizen()
    seen = [extended(client, case)["extended_attributes"]["extended_status"]]
    for actor, action in [
        (world.village, "accept"),
        (world.village, "suspend"),
        (world.village, "resume"),
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
        seen.append(extended(client, case)["extended_attributes"]["extended_status"])
    assert seen == [
        "OPEN",
        "IN_PROGRESS",
        "ACTION_SCHEDULED",
        "IN_PROGRESS",
        "INVESTIGATING",
        "FIXED",
        "FIXED",
    ]
    case = case_act_public(
        case=Case.objects.get(pk=case.pk),
        action="callback",
        channel="portal",
        satisfaction="unsatisfied",
    )
    data = extended(client, case)
    assert (data["status"], data["extended_attributes"]["extended_status"]) == ("open", "REOPEN")
    for actor, action in [
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
    case = case_act_public(
        case=Case.objects.get(pk=case.pk),
        action="callback",
        channel="portal",
        satisfaction="satisfied",
    )
    data = extended(client, case)
    assert list(data) == REQUEST_FIELDS + EXTENSION_FIELDS
    assert data["status"] == "closed"
    assert data["extended_attributes"] == {
        "extended_status": "CLOSED",
        "external_status_code": "archived",
        "state_name": "已回访归档",
        "channel": "portal",
        "group": "民生服务",
        "closed_datetime": data["updated_datetime"],
    }
    assert [n["type"] for n in data["notes"]] == [
        "report",
        "accept",
        "suspend",
        "resume",
        "feedback",
        "verify_pass",
        "close",
        "callback",
        "feedback",
        "verify_pass",
        "close",
        "callback",
    ]
    assert data["notes"][7]["description"] == "已回访（不满意）"
    assert all(set(n) == {"datetime", "description", "type"} for n in data["notes"])


def test_extensions_in_xml_carry_attributes_and_notes(world, client):
    key = issue_key()[1]
    posted = post(client, key, "json", service_code="07", **{"attribute[happening_now]": "yes"})
    number = body(posted)[0]["service_request_id"]
    root = xml(get(client, f"requests/{number}", "xml", extensions="true"))
    request = root[0]
    assert tags(request) == REQUEST_FIELDS + EXTENSION_FIELDS
    (attribute,) = request.find("attributes")
    assert attribute.tag == "attribute"
    assert [attribute.findtext(t) for t in ("code", "label", "value", "name")] == [
        "happening_now",
        "是否正在发生",
        "yes",
        "是，正在发生",
    ]
    assert request.find("extended_attributes").findtext("extended_status") == "OPEN"
    assert request.find("extended_attributes").findtext("channel") == "open311"
    assert [n.tag for n in request.find("notes")] == ["note"]
    assert tags(request.find("notes")[0]) == ["datetime", "description", "type"]
    plain = xml(get(client, f"requests/{number}", "xml"))
    assert tags(plain[0]) == REQUEST_FIELDS
    assert get(client, f"requests/{number}", extensions="yes").status_code == 400


def test_a_merged_duplicate_follows_its_parent(world, client):
    parent = citizen(at(2026, 11, 19, 9, 0))
    child = citizen(at(2026, 11, 19, 9, 30))
    case_merge(actor=world.village, case=Case.objects.get(pk=child.pk), into=parent)
    act(world.village, parent, "accept")
    with frozen(NOW):
        data = extended(client, child)
        open_list = numbers(get(client, "requests", status="open"))
    assert data["status"] == "open"
    assert data["status_notes"] == (
        "已与反映同一问题的其他诉求合并办理。办理中：区划990101001001已受理"
    )
    assert data["extended_attributes"]["extended_status"] == "DUPLICATE"
    assert [n["type"] for n in data["notes"]] == ["report", "duplicate", "accept"]
    assert open_list == [child.number, parent.number]
