"""A third-party GeoReport v2 client works against a live server unchanged.

The client below knows nothing about Pingan: it uses only `urllib` and `xml.etree` (or
`json`) the way GeoReport client libraries do — discovery first, then the endpoint URL and
formats it advertises, the service list, a service definition, a form-encoded POST with
`attribute[code]` fields, and GET of the request it created.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache

from pingan.events.models import EventCategory
from pingan.flow.models import Case
from pingan.regions.lookup import reset_grid_index
from tests.flow.factories import IN_G1, act, build_world
from tests.public.open311_support import issue_key


class GeoReportError(Exception):
    def __init__(self, status: int, errors: list[tuple[str, str]]):
        super().__init__(f"{status}: {errors}")
        self.status, self.errors = status, errors


def _element_to_python(element: ET.Element):
    """Spark-convention reading of a GeoReport element (containers become lists)."""
    children = list(element)
    if not children:
        return element.text or ""
    if len({c.tag for c in children}) == 1 and element.tag.endswith("s"):
        return [_element_to_python(c) for c in children]
    return {c.tag: _element_to_python(c) for c in children}


class GeoReportClient:
    def __init__(self, discovery_url: str, *, fmt: str = "xml", api_key: str = "") -> None:
        self.discovery_url, self.fmt, self.api_key = discovery_url, fmt, api_key
        self.endpoint = ""

    def _call(self, url: str, data: bytes | None = None):
        headers = {"Accept": "text/xml" if self.fmt == "xml" else "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        parsed = self._parse(raw)
        if status >= 400:
            pairs = [(str(e["code"]), e["description"]) for e in parsed]
            raise GeoReportError(status, pairs)
        return parsed

    def _parse(self, raw: bytes):
        if self.fmt == "json":
            return json.loads(raw.decode("utf-8"))
        root = ET.fromstring(raw)
        if root.tag in ("discovery", "service_definition"):
            return _element_to_python(root)
        return [_element_to_python(child) for child in root]

    def discover(self) -> dict:
        document = self._call(self.discovery_url)
        endpoint = next(
            e
            for e in document["endpoints"]
            if e["type"] == "production" and e["specification"].endswith("GeoReport_v2")
        )
        wanted = "text/xml" if self.fmt == "xml" else "application/json"
        assert wanted in endpoint["formats"]
        self.endpoint = endpoint["url"]
        return document

    def services(self) -> list[dict]:
        return self._call(f"{self.endpoint}/services.{self.fmt}")

    def definition(self, code: str) -> dict:
        return self._call(f"{self.endpoint}/services/{code}.{self.fmt}")

    def create(self, **fields) -> dict:
        pairs = [("api_key", self.api_key)]
        for name, value in fields.items():
            if name == "attributes":
                for code, answer in value.items():
                    if isinstance(answer, list):
                        pairs += [(f"attribute[{code}][]", v) for v in answer]
                    else:
                        pairs.append((f"attribute[{code}]", answer))
            else:
                pairs.append((name, str(value)))
        data = urllib.parse.urlencode(pairs).encode("utf-8")
        return self._call(f"{self.endpoint}/requests.{self.fmt}", data)[0]

    def request(self, service_request_id: str) -> dict:
        quoted = urllib.parse.quote(service_request_id)
        return self._call(f"{self.endpoint}/requests/{quoted}.{self.fmt}")[0]

    def requests(self, **query) -> list[dict]:
        url = f"{self.endpoint}/requests.{self.fmt}?{urllib.parse.urlencode(query)}"
        return self._call(url)

    # FixMyStreet's update extension, called the way `Open311.pm` does (key on GET too).
    def updates(self, **query) -> list[dict]:
        query = urllib.parse.urlencode({"api_key": self.api_key, **query})
        return self._call(f"{self.endpoint}/servicerequestupdates.{self.fmt}?{query}")

    def post_update(self, **fields) -> dict:
        data = urllib.parse.urlencode({"api_key": self.api_key, **fields}).encode("utf-8")
        return self._call(f"{self.endpoint}/servicerequestupdates.{self.fmt}", data)[0]


# Committed data for the server thread. pytest-django runs transactional tests after the
# others; an earlier one may have flushed the seeded code tables, so the fixture re-seeds them
# (serialized_rollback would clash with the content types that flush re-creates).
pytestmark = pytest.mark.django_db(transaction=True)

SEED_MIGRATIONS = (
    "pingan.events.migrations.0002_seed_categories_and_limits",
    "pingan.events.migrations.0004_seed_dispute_categories_and_limits",
)


def _reseed_categories() -> None:
    if EventCategory.objects.exists():
        return
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(django_apps, None)


@pytest.fixture
def live_world():
    cache.clear()
    _reseed_categories()
    world = build_world()
    yield world
    reset_grid_index()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_plain_georeport_client_reports_and_follows_a_request(live_world, live_server, fmt):
    _open311_client, key = issue_key()
    client = GeoReportClient(f"{live_server.url}/open311/v2/discovery.{fmt}", fmt=fmt, api_key=key)

    discovery = client.discover()
    assert client.endpoint == f"{live_server.url}/open311/v2"
    assert discovery["changeset"]

    services = client.services()
    emergency = next(s for s in services if s["service_name"] == "突发事件报告")
    assert str(emergency["metadata"]).lower() == "true" and emergency["type"] == "realtime"

    definition = client.definition(emergency["service_code"])
    answers = {}
    for attribute in definition["attributes"]:
        if str(attribute["variable"]).lower() != "true":
            continue
        if str(attribute["required"]).lower() == "true":
            answers[attribute["code"]] = attribute["values"][0]["key"]
        elif attribute["datatype"] == "multivaluelist":
            answers[attribute["code"]] = [v["key"] for v in attribute["values"][:2]]

    stranger = GeoReportClient(client.discovery_url, fmt=fmt, api_key="wrong")
    stranger.discover()
    with pytest.raises(GeoReportError) as refused:
        stranger.create(service_code=emergency["service_code"], lat=IN_G1[1], long=IN_G1[0])
    assert refused.value.status == 403

    created = client.create(
        service_code=emergency["service_code"],
        lat=IN_G1[1],
        long=IN_G1[0],
        address_string="示范路与平安街交叉口",
        description="路口有车辆起火，浓烟很大",
        first_name="Li",
        last_name="Lei",
        attributes=answers,
    )
    number = created["service_request_id"]
    assert created["service_notice"] and "token" not in created

    request = client.request(number)
    assert (request["service_request_id"], request["status"]) == (number, "open")
    assert request["service_code"] == emergency["service_code"]
    assert request["description"].startswith("路口有车辆起火，浓烟很大")
    assert float(request["lat"]) == round(IN_G1[1], 3)
    assert "Lei" not in json.dumps(request, ensure_ascii=False)
    assert [r["service_request_id"] for r in client.requests(service_request_id=number)] == [number]

    case = Case.objects.get(number=number)
    assert case.urgency == "high" and case.public_report.attributes["happening_now"] == "yes"
    for actor, action in [
        (live_world.village, "accept"),
        (live_world.village, "handle_locally"),
    ]:
        case = act(actor, case, action)
    assert client.request(number)["status"] == "closed"
    assert [r["service_request_id"] for r in client.requests(status="closed")] == [number]

    progress = client.updates()
    assert [(u["update_id"], u["status"]) for u in progress] == [
        (f"{number}-1", "open"),
        (f"{number}-2", "in_progress"),
        (f"{number}-3", "fixed"),
    ]
    with pytest.raises(GeoReportError) as refused:
        stranger.updates()
    assert refused.value.status == 403

    citizen_says = {
        "service_request_id": number,
        "update_id": "fms-comment-1",
        "updated_datetime": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "status": "OPEN",
        "description": "火又烧起来了",
        "first_name": "Li",
        "last_name": "Lei",
    }
    answer = client.post_update(**citizen_says)
    assert answer["update_id"].startswith(f"{number}-C")
    assert client.post_update(**citizen_says) == answer  # a resend changes nothing
    assert client.request(number)["status"] == "open"
    assert [(u["update_id"], u["status"]) for u in client.updates()][-1] == (
        f"{number}-4",
        "reopen",
    )
    assert "火又烧起来了" not in json.dumps(client.updates(), ensure_ascii=False)
