"""Open311 conformance: discovery, services, service definitions, and the general errors."""

import pytest
from django.core.cache import cache

from pingan.accounts.roles import Role
from pingan.events.models import EventCategory
from pingan.events.services import category_save
from pingan.public.open311.catalogue import DEFINITIONS_CHANGED
from pingan.public.open311.render import w3c
from tests.factories import make_actor
from tests.flow.factories import at, frozen
from tests.public.open311_support import BASE, body, errors_xml, tags, xml

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_discovery_xml_has_every_field_in_order(world, client):
    response = client.get(BASE + "discovery.xml")
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint, updates = root.find("endpoints")
    assert endpoint.tag == updates.tag == "endpoint"
    assert (
        tags(endpoint) == tags(updates) == ["specification", "url", "changeset", "type", "formats"]
    )
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    # servicerequestupdates: FixMyStreet's extension, at the same base URL.
    assert updates.findtext("specification") == (
        "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec"
    )
    assert updates.findtext("url") == endpoint.findtext("url")
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]
    assert root.findtext("changeset") == "2026-11-21T08:00:00+08:00"
    assert root.findtext("contact") and root.findtext("key_service")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_discovery_json_is_an_object_and_follows_the_settings(world, client, settings):
    settings.PINGAN_OPEN311_CONTACT = "运维组 0871-1234"
    settings.PINGAN_OPEN311_KEY_SERVICE = "向县综治中心申请"
    data = body(client.get(BASE + "discovery.json"))
    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    assert (data["contact"], data["key_service"]) == ("运维组 0871-1234", "向县综治中心申请")
    assert data["endpoints"] == [
        {
            "specification": specification,
            "url": "http://testserver/open311/v2",
            "changeset": data["changeset"],
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
        for specification in (
            "http://wiki.open311.org/GeoReport_v2",
            "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec",
        )
    ]


def test_changeset_moves_when_a_category_changes(world, client):
    before = body(client.get(BASE + "discovery.json"))["changeset"]
    assert before == w3c(DEFINITIONS_CHANGED) == "2026-11-21T08:00:00+08:00"
    admin = make_actor(Role.SYSTEM_ADMIN)
    category = EventCategory.objects.get(code="0112")
    category.name = "水电气暖"
    with frozen(at(2026, 12, 1, 9, 30)):
        category_save(actor=admin, category=category, created=False)
    after = body(client.get(BASE + "discovery.json"))
    assert after["changeset"] == after["endpoints"][0]["changeset"] == "2026-12-01T09:30:00+08:00"
    assert after["changeset"] > before


def test_services_xml_lists_leaf_categories_with_their_group(world, client):
    root = xml(client.get(BASE + "services.xml"))
    assert root.tag == "services"
    assert {s.tag for s in root} == {"service"}
    assert all(tags(s) == SERVICE_FIELDS for s in root)
    by_code = {s.findtext("service_code"): s for s in root}
    # Parent categories with sub-categories are groups, not services.
    assert "01" not in by_code and "02" not in by_code
    assert {"0112", "0204", "07", "08"} <= set(by_code)
    water = by_code["0112"]
    assert [water.findtext(t) for t in SERVICE_FIELDS] == [
        "0112",
        "公共事业",
        "民生服务 / 公共事业",
        "true",
        "realtime",
        "民生服务,公共事业",
        "民生服务",
    ]
    quarrel = by_code["0204"]
    assert quarrel.findtext("group") == "矛盾劝解"
    assert quarrel.findtext("keywords") == "矛盾劝解,邻里纠纷,private"
    assert by_code["07"].findtext("group") == "突发事件报告"


def test_services_json_matches_xml_and_drops_inactive_categories(world, client):
    EventCategory.objects.filter(code="0103").update(active=False)
    data = body(client.get(BASE + "services.json"))
    assert isinstance(data, list)
    assert all(list(s) == SERVICE_FIELDS for s in data)
    codes = [s["service_code"] for s in data]
    assert "0103" not in codes and codes.index("0101") < codes.index("0201")
    water = next(s for s in data if s["service_code"] == "0112")
    assert (water["metadata"], water["type"], water["group"]) == (True, "realtime", "民生服务")
    assert len(data) == len(xml(client.get(BASE + "services.xml")))


def test_service_definition_xml_for_an_emergency(world, client):
    root = xml(client.get(BASE + "services/07.xml"))
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "07"
    attributes = root.find("attributes")
    assert all(a.tag == "attribute" and tags(a) == ATTRIBUTE_FIELDS for a in attributes)
    rows = [
        (a.findtext("code"), a.findtext("datatype"), a.findtext("required"), a.findtext("order"))
        for a in attributes
    ]
    assert rows == [
        ("privacy_notice", "string", "false", "1"),
        ("urgency", "singlevaluelist", "false", "2"),
        ("happening_now", "singlevaluelist", "true", "3"),
        ("hazards", "multivaluelist", "false", "5"),
    ]
    notice = attributes[0]
    assert notice.findtext("variable") == "false"
    assert "描述" in notice.findtext("description")
    values = attributes[2].find("values")
    assert [(v.tag, tags(v)) for v in values] == [("value", ["key", "name"])] * 2
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("yes", "是，正在发生"),
        ("no", "否，已经过去"),
    ]


def test_service_definition_json_for_a_dispute(world, client):
    data = body(client.get(BASE + "services/0204.json"))
    assert list(data) == ["service_code", "attributes"]
    assert [a["code"] for a in data["attributes"]] == [
        "privacy_notice",
        "urgency",
        "people_involved",
    ]
    people = data["attributes"][2]
    assert people == {
        "variable": True,
        "code": "people_involved",
        "datatype": "number",
        "required": False,
        "datatype_description": "1 到 10000 的整数",
        "order": 4,
        "description": "涉及多少人？估计即可",
        "values": [],
    }
    assert data["attributes"][0]["datatype_description"] is None
    assert "不公开描述" in data["attributes"][0]["description"]


@pytest.mark.parametrize("code", ["9999", "02"])
def test_unknown_service_code_is_404_in_both_formats(world, client, code):
    response = client.get(f"{BASE}services/{code}.xml")
    assert response.status_code == 404
    assert errors_xml(response) == [("404", f"service_code {code} 不存在。")]
    response = client.get(f"{BASE}services/{code}.json")
    assert response.status_code == 404
    assert body(response) == [{"code": 404, "description": f"service_code {code} 不存在。"}]


def test_jurisdiction_empty_or_ours_is_accepted_unknown_is_404(world, client, settings):
    settings.PINGAN_OPEN311_JURISDICTION = "pingan.example.gov.cn"
    assert client.get(BASE + "services.xml?jurisdiction_id=").status_code == 200
    ok = client.get(BASE + "services.xml?jurisdiction_id=pingan.example.gov.cn")
    assert ok.status_code == 200
    for path in ("discovery.json", "services.json", "services/0112.json", "requests.json"):
        response = client.get(f"{BASE}{path}?jurisdiction_id=sfgov.org")
        assert response.status_code == 404
        assert body(response) == [
            {"code": 404, "description": "jurisdiction_id sfgov.org 不存在。"}
        ]


def test_unsupported_format_is_400_and_unknown_resource_404(world, client):
    response = client.get(BASE + "services.csv")
    assert response.status_code == 400
    assert errors_xml(response) == [("400", "不支持的格式 .csv：请使用 .xml 或 .json。")]
    response = client.get(BASE + "servicez.json")
    assert response.status_code == 404
    assert body(response) == [{"code": 404, "description": "没有这个资源：servicez.json"}]
    assert client.get(BASE + "services").status_code == 404


def test_wrong_method_is_405_with_allow(world, client):
    response = client.post(BASE + "services.xml")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert errors_xml(response) == [("405", "不支持 POST 方法。")]
    response = client.put(BASE + "requests.json")
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, POST")


def test_root_leads_to_discovery(world, client):
    response = client.get(BASE)
    assert response.status_code == 302
    assert response["Location"] == BASE + "discovery.xml"


def test_gets_are_limited_per_ip(world, client, settings, monkeypatch):
    settings.PINGAN_OPEN311_GET_PER_MINUTE = 2
    monkeypatch.setattr("pingan.public.open311.ratelimit.now", lambda: 6_000_030.0)
    assert client.get(BASE + "services.json").status_code == 200
    assert client.get(BASE + "services.json").status_code == 200
    response = client.get(BASE + "services.json")
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert body(response) == [{"code": 429, "description": "请求过于频繁，请 30 秒后再试。"}]
    other = client.get(BASE + "services.json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
    # The next minute starts a new window.
    monkeypatch.setattr("pingan.public.open311.ratelimit.now", lambda: 6_000_061.0)
    assert client.get(BASE + "services.json").status_code == 200
