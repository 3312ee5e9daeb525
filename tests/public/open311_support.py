"""Helpers for the Open311 tests: keys, POSTs, and reading the spec's XML and JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from pingan.public.open311.services import open311_client_issue
from pingan.regions.models import Region
from tests.flow.factories import COUNTY, IN_G1

BASE = "/open311/v2/"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
# GET request fields in the spec's order.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
EXTENSION_FIELDS = ["attributes", "extended_attributes", "notes"]
PUBLIC_SERVICE = "0112"  # 公共事业: a public category
PRIVATE_SERVICE = "0204"  # 邻里纠纷: private


def issue_key(region: str = COUNTY, name: str = "第三方平台") -> tuple:
    return open311_client_issue(
        actor=None, name=name, region=Region.objects.get(code=region), contact="张工"
    )


def post(client, key: str | None, fmt: str = "xml", **fields):
    data = {
        "service_code": PUBLIC_SERVICE,
        "lat": str(IN_G1[1]),
        "long": str(IN_G1[0]),
        "description": "示范路路灯不亮",
        **fields,
    }
    if key is not None:
        data["api_key"] = key
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}requests.{fmt}", data)


def xml(response) -> ET.Element:
    assert response["Content-Type"] == XML_TYPE
    assert response.content.startswith(DECLARATION + b"\n")
    return ET.fromstring(response.content)


def body(response):
    assert response["Content-Type"] == JSON_TYPE
    return json.loads(response.content)


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def errors_xml(response) -> list[tuple[str, str]]:
    root = xml(response)
    assert root.tag == "errors"
    assert all(tags(e) == ["code", "description"] for e in root)
    return [(e.findtext("code"), e.findtext("description")) for e in root]
