"""XML and JSON bodies exactly as GeoReport v2 shows them.

One neutral structure per response (dicts keep element order, lists are repeated elements)
is written either as XML — `<?xml version="1.0" encoding="UTF-8"?>`, no namespace, each list
wrapped in its container with the item tag from `ITEM_TAGS` — or as JSON by the Spark
convention: the root wrapper is dropped (lists become arrays, the discovery document and a
service definition objects), containers become arrays and empty elements become null.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree import ElementTree as ET

import orjson
from django.http import HttpResponse
from django.utils import timezone

from pingan.public.open311.errors import Open311Error

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MIME_TYPES = ("text/xml", "application/json")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Container element → the element repeated inside it.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "service_request_updates": "request_update",
}
# Characters XML 1.0 cannot carry at all (citizen text may contain them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def w3c(value: dt.datetime | None) -> str:
    """A W3C datetime in Beijing time with its offset (`2026-03-02T09:00:00+08:00`)."""
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return XML_DECLARATION + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def _spark(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _spark(child) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [_spark(child) for child in value]
    if isinstance(value, str):
        return value or None
    return value


def to_json(data: Any) -> bytes:
    return orjson.dumps(_spark(data))


def respond(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    body = to_json(data) if fmt == "json" else to_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    """`<errors><error><code>…</code><description>…</description></error></errors>`."""
    data = [{"code": code, "description": text} for code, text in error.errors]
    return respond(fmt if fmt in FORMATS else "xml", "errors", data, status=error.status)
