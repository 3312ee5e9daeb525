"""Open311 conformance: POST requests (keys, validation, the region bound, rate limits) and
the request entering the normal event loop."""

import pytest
from django.core.cache import cache
from django.test import Client

from pingan.audit.models import AuditRecord
from pingan.flow.models import Case
from pingan.flow.selectors import inbox
from pingan.notify.models import Notification
from pingan.public.models import Open311Client, PublicReport
from pingan.public.open311.services import key_hash, open311_client_revoke
from pingan.public.selectors import find_public_case
from pingan.regions.models import Region
from tests.factories import square
from tests.flow.factories import COUNTY, G1, IN_G1, IN_G3, OUTSIDE, TOWN2, VILLAGE
from tests.public.open311_support import body, errors_xml, issue_key, post, tags, xml


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def key(world):
    _client, key = issue_key()
    return key


def nothing_created():
    return not Case.objects.exists() and not PublicReport.objects.exists()


def test_post_xml_creates_a_case_in_the_village_inbox(world, client, key, settings):
    settings.PINGAN_PUBLIC_URL = "https://pingan.example.gov.cn"
    response = post(
        client,
        key,
        account_id="u-42",
        device_id="dev-7",
        email="li@example.com",
        first_name="四",
        last_name="李",
        media_url="https://img.example.com/1.jpg",
        address_string="示范路 3 号",
        **{"attribute[urgency]": "medium", "attribute[unknown_flag]": "x"},
    )
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert tags(request) == ["service_request_id", "service_notice", "account_id"]
    number = request.findtext("service_request_id")
    case = Case.objects.get(number=number)
    assert (case.region_code, case.holder_code, case.state, case.urgency) == (
        G1,
        VILLAGE,
        "pending_accept",
        "medium",
    )
    assert request.findtext("account_id") == "u-42"
    notice = request.findtext("service_notice")
    assert notice.startswith(f"已登记，编号 {number}，转区划{VILLAGE}受理。受理期限 ")
    assert "https://pingan.example.gov.cn/portal/track/" in notice
    code = notice.split("查询码 ")[1][:6]
    assert find_public_case(number, code) == case
    assert inbox(world.village, "todo").filter(pk=case.pk).exists()
    event = case.event
    assert (event.category_id, event.reporter_kind, event.address) == ("0112", "api", "示范路 3 号")
    assert event.description == "示范路路灯不亮\n\n〔附加信息〕紧急程度：较急"
    report = case.public_report
    assert report.client == Open311Client.objects.get()
    assert (report.channel, report.name, report.email, report.phone) == (
        "open311",
        "李四",
        "li@example.com",
        "",
    )
    assert (report.account_id, report.device_id) == ("u-42", "dev-7")
    assert report.attributes == {"urgency": "medium"}
    assert report.media_urls == ["https://img.example.com/1.jpg"]
    assert report.client.last_used_at is not None
    audit = AuditRecord.objects.get(action="open311.request")
    assert (audit.outcome, audit.object_id, audit.actor_username) == (
        "ok",
        number,
        f"open311:{report.client.key_prefix}",
    )
    assert AuditRecord.objects.get(action="case.report").actor_username == "public:open311"


def test_post_json_with_a_phone_sends_the_query_code_by_sms(
    world, client, key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, key, "json", phone="138 1234 5678", account_id="")
    assert response.status_code == 200
    data = body(response)
    assert isinstance(data, list) and len(data) == 1
    assert list(data[0]) == ["service_request_id", "service_notice", "account_id"]
    assert data[0]["account_id"] is None
    case = Case.objects.get(number=data[0]["service_request_id"])
    assert case.public_report.phone == "13812345678"
    sms = Notification.objects.get(topic="public.received")
    assert sms.case_number == case.number and sms.phone == "13812345678"


def test_posted_request_is_followed_to_closed_through_the_loop(world, client, key):
    from tests.flow.factories import act

    number = body(post(client, key, "json"))[0]["service_request_id"]
    case = Case.objects.get(number=number)
    for actor, action in [
        (world.village, "accept"),
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
    data = body(client.get(f"/open311/v2/requests/{number}.json"))[0]
    assert (data["status"], data["status_notes"]) == ("closed", "已结案：已办结")
    assert data["updated_datetime"] is not None


def test_multivaluelist_and_required_attributes(world, client, key):
    response = post(
        client,
        key,
        "json",
        service_code="07",
        **{"attribute[happening_now]": "no", "attribute[hazards][]": ["trapped", "fire", "fire"]},
    )
    assert response.status_code == 200
    case = Case.objects.get(number=body(response)[0]["service_request_id"])
    assert case.public_report.attributes == {"happening_now": "no", "hazards": ["fire", "trapped"]}
    assert case.urgency == "high"  # someone trapped
    assert case.event.description.endswith(
        "是否正在发生：否，已经过去；现场情况：起火或冒烟、有人员被困"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"service_code": "07"},
            ["attribute[happening_now]（是否正在发生）为必填项。"],
        ),
        (
            {"service_code": "07", "attribute[happening_now]": ["yes", "no"]},
            ["attribute[happening_now]：只能有一个值。"],
        ),
        (
            {"service_code": "07", "attribute[happening_now]": "maybe"},
            ["attribute[happening_now]：不能识别的值 maybe，可选：yes、no。"],
        ),
        (
            {
                "service_code": "07",
                "attribute[happening_now]": "yes",
                "attribute[hazards][]": ["fire", "ufo"],
            },
            [
                "attribute[hazards]：不能识别的值 ufo，"
                "可选：fire、water、road_blocked、trapped、injured、hazmat。"
            ],
        ),
        (
            {"service_code": "0204", "attribute[people_involved]": "2.5"},
            ["attribute[people_involved]：应为 1 到 10000 的整数。"],
        ),
        (
            {"attribute[urgency]": "urgent"},
            ["attribute[urgency]：不能识别的值 urgent，可选：low、medium、high。"],
        ),
    ],
)
def test_bad_attributes_are_400_and_nothing_saved(world, client, key, fields, expected):
    response = post(client, key, **fields)
    assert response.status_code == 400
    assert errors_xml(response) == [("400", text) for text in expected]
    assert nothing_created()


def test_people_involved_sets_urgency_for_a_mass_dispute(world, client, key):
    response = post(client, key, "json", service_code="0204", **{"attribute[people_involved]": "6"})
    case = Case.objects.get(number=body(response)[0]["service_request_id"])
    assert (case.urgency, case.public_report.attributes) == ("medium", {"people_involved": 6})


def test_every_problem_is_reported_together(world, client, key):
    response = post(
        client,
        key,
        "json",
        lat="25.0",
        long="",
        description="长" * 4001,
        phone="12345",
        email="nope",
        media_url="ftp://x/y.jpg",
        device_id="d" * 101,
    )
    assert response.status_code == 400
    assert body(response) == [
        {"code": 400, "description": "lat 和 long 必须同时提供。"},
        {"code": 400, "description": "phone 应为 11 位手机号码（用于短信告知办理进展）。"},
        {"code": 400, "description": "email 格式不正确。"},
        {"code": 400, "description": "device_id 不能超过 100 字。"},
        {"code": 400, "description": "media_url 应为 http(s) 网址：ftp://x/y.jpg"},
        {"code": 400, "description": "description 不能超过 4000 字。"},
    ]
    assert nothing_created()


def test_description_of_4000_characters_is_accepted_and_kept_whole(world, client, key):
    text = "路" * 4000
    response = post(client, key, "json", description=text)
    assert response.status_code == 200
    case = Case.objects.get(number=body(response)[0]["service_request_id"])
    assert case.event.description == text


def test_missing_service_code_is_400_unknown_is_404(world, client, key):
    response = post(client, key, service_code="", lat="", long="")
    assert response.status_code == 400
    assert errors_xml(response) == [
        ("400", "service_code 为必填项。"),
        ("400", "请提供位置：lat 和 long，或 address_string。"),
    ]
    response = post(client, key, "json", service_code="9999")
    assert response.status_code == 404
    assert body(response) == [{"code": 404, "description": "service_code 9999 不存在。"}]
    assert nothing_created()
    assert AuditRecord.objects.filter(action="open311.request", outcome="failed").count() == 2


def test_location_alternatives(world, client, key):
    response = post(client, key, "json", lat="", long="", address_id="A-1001")
    assert response.status_code == 400
    assert body(response)[0]["description"].startswith("本系统没有地址库，无法识别 address_id")
    response = post(client, key, "json", lat="95", long="102.7")
    assert body(response) == [
        {"code": 400, "description": "lat 应为 -90 到 90 之间的数字（WGS84）。"}
    ]
    assert nothing_created()
    response = post(client, key, "json", lat="", long="", address_string="示范县城东路口")
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.holder_code, case.event.outside_grid, case.event.lng) == (COUNTY, True, None)


def test_the_key_region_bounds_the_points(world, client):
    _client, town2_key = issue_key(TOWN2, name="二镇小程序")
    response = post(client, town2_key, "json")  # a point in G1, another town
    assert response.status_code == 400
    assert body(response) == [
        {
            "code": 400,
            "description": (
                f"位置（lat {IN_G1[1]}，long {IN_G1[0]}）不在本接入密钥限定的区划"
                f"（区划{TOWN2} {TOWN2}）范围内。"
            ),
        }
    ]
    assert post(client, town2_key, "json", lat=IN_G3[1], long=IN_G3[0]).status_code == 200
    assert Case.objects.get().holder_code == "990101002001"


def test_a_point_outside_every_grid_must_lie_in_the_key_region(world, client, key):
    Region.objects.filter(code=COUNTY).update(geometry=square(102.6, 24.9, size=0.5))
    response = post(client, key, "json", lat=OUTSIDE[1], long=OUTSIDE[0])
    assert response.status_code == 400
    assert "不在本接入密钥限定的区划" in body(response)[0]["description"]
    assert nothing_created()
    response = post(client, key, "json", lat="25.3", long="103.0")  # in the county, no grid
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.holder_code, case.event.outside_grid) == (COUNTY, True)


@pytest.mark.parametrize(
    ("make_key", "reason", "description"),
    [
        (lambda key: None, "missing_key", "缺少 api_key，无法提交诉求。"),
        (lambda key: key + "x", "invalid_key", "api_key 无效，无法提交诉求。"),
        (lambda key: "", "missing_key", "缺少 api_key，无法提交诉求。"),
    ],
)
def test_missing_or_wrong_key_is_403_and_audited(world, client, key, make_key, reason, description):
    response = post(client, make_key(key))
    assert response.status_code == 403
    assert errors_xml(response) == [("403", description)]
    assert nothing_created()
    audit = AuditRecord.objects.get(action="open311.denied")
    assert (audit.outcome, audit.detail["reason"]) == ("denied", reason)
    assert audit.detail["key_prefix"] == (make_key(key) or "")[:12]


def test_revoked_key_is_403(world, client):
    open311_client, key = issue_key()
    open311_client_revoke(actor=None, client=open311_client)
    response = post(client, key, "json")
    assert response.status_code == 403
    assert body(response) == [{"code": 403, "description": "api_key 已停用，无法提交诉求。"}]
    audit = AuditRecord.objects.get(action="open311.denied")
    assert (audit.detail["reason"], audit.object_id) == ("revoked_key", str(open311_client.pk))
    assert nothing_created()


def test_only_the_hash_of_the_key_is_stored(world):
    open311_client, key = issue_key()
    assert key.startswith("p311_") and len(key) == 45
    assert open311_client.key_hash == key_hash(key) != key
    assert open311_client.key_prefix == key[:12]
    assert not Open311Client.objects.filter(key_hash=key).exists()


def test_posts_need_no_csrf_token(world, key):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, key, "json").status_code == 200


def test_posts_are_limited_per_key_with_one_audit_per_window(
    world, client, key, settings, monkeypatch
):
    settings.PINGAN_OPEN311_POST_PER_MINUTE = 2
    monkeypatch.setattr("pingan.public.open311.ratelimit.now", lambda: 9_000_015.0)
    assert [post(client, key, "json").status_code for _ in range(2)] == [200, 200]
    for _ in range(2):
        response = post(client, key, "json")
        assert response.status_code == 429
        assert response["Retry-After"] == "45"
        assert body(response) == [{"code": 429, "description": "请求过于频繁，请 45 秒后再试。"}]
    assert Case.objects.count() == 2
    audit = AuditRecord.objects.get(action="open311.denied")
    assert audit.detail["reason"] == "rate_limited"
    # Another client key has its own budget.
    _other, other_key = issue_key(name="另一系统")
    assert post(client, other_key, "json").status_code == 200


def test_a_flood_of_bad_keys_from_one_ip_is_throttled(world, client, settings, monkeypatch):
    settings.PINGAN_OPEN311_POST_PER_MINUTE = 1  # × 5 per IP
    monkeypatch.setattr("pingan.public.open311.ratelimit.now", lambda: 9_000_000.0)
    codes = [post(client, f"p311_bad{i}").status_code for i in range(7)]
    assert codes == [403] * 5 + [429] * 2
    reasons = list(
        AuditRecord.objects.filter(action="open311.denied").values_list("detail__reason", flat=True)
    )
    assert sorted(reasons) == ["invalid_key"] * 5 + ["ip_rate_limited"]


def test_posts_refused_before_the_key_is_read_are_audited_too(world, client, key):
    response = post(client, key, "json", jurisdiction_id="sfgov.org")
    assert response.status_code == 404
    assert body(response) == [{"code": 404, "description": "jurisdiction_id sfgov.org 不存在。"}]
    response = client.post("/open311/v2/requests.csv", {"api_key": key})
    assert response.status_code == 400
    failed = AuditRecord.objects.filter(action="open311.request", outcome="failed").order_by("seq")
    assert [(r.detail["status"], r.detail["path"]) for r in failed] == [
        (404, "/open311/v2/requests.json"),
        (400, "/open311/v2/requests.csv"),
    ]
    assert nothing_created()


def test_an_oversized_form_is_a_spec_400(world, client, key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = post(client, key, "json", **{f"attribute[x{i}]": "1" for i in range(10)})
    assert response.status_code == 400
    assert body(response) == [{"code": 400, "description": "请求体过大或字段过多。"}]
    assert nothing_created()
