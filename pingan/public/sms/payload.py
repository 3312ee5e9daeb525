"""The inbound SMS request body, checked field by field (Chinese errors per field).

    {"id": "gw-20261102-0001",          gateway message id, 1–64 of A–Z a–z 0–9 _ . : -
     "from": "13812345678",             sender (11-digit mobile, +86 / 0086 allowed)
     "to": "12345",                     the short code it was sent to (optional)
     "text": "小区门口路灯坏了",           the message (may be empty; ≤ 2000 characters)
     "received_at": "2026-11-02T09:30:00+08:00",   ISO 8601 (no offset: Beijing time) or
                                                   Unix seconds
     "lng": 102.705, "lat": 25.005}     the carrier's cell location (optional, both or none)

A form (`application/x-www-form-urlencoded`) with the same field names is read the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from pingan.core.phones import normalize_mobile
from pingan.public.webhooks import text_field

MAX_TEXT = 2000
_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_SHORT_CODE = re.compile(r"^\+?\d{1,21}$")
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class InboundSms:
    id: str
    phone: str
    to: str
    text: str
    received_at: dt.datetime
    lng: float | None = None
    lat: float | None = None


def _received_at(raw: str | None, errors: dict[str, list[str]]) -> dt.datetime | None:
    if not raw:
        errors["received_at"] = [_("请提供网关接收时间（ISO 8601 或 Unix 秒）。")]
        return None
    if raw.isdigit():
        try:
            return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            pass
    else:
        try:
            moment = parse_datetime(raw)
        except ValueError:
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
    errors["received_at"] = [_("网关接收时间格式不正确，应为 ISO 8601 或 Unix 秒。")]
    return None


def _coordinate(
    raw: Any, name: str, low: float, high: float, errors: dict[str, list[str]]
) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or value != value or not low <= value <= high:  # NaN fails too
        errors[name] = [_("应为 %(low)s 到 %(high)s 之间的数值。") % {"low": low, "high": high}]
        return None
    return value


def _location(data: dict[str, Any], errors: dict[str, list[str]]) -> tuple[float | None, ...]:
    given = {name: data.get(name) for name in ("lng", "lat") if data.get(name) not in (None, "")}
    if not given:
        return None, None
    if len(given) == 1:
        missing = "lat" if "lng" in given else "lng"
        errors[missing] = [_("经度和纬度须同时提供。")]
        return None, None
    return (
        _coordinate(given["lng"], "lng", -180, 180, errors),
        _coordinate(given["lat"], "lat", -90, 90, errors),
    )


def inbound_sms(data: dict[str, Any]) -> tuple[InboundSms | None, dict[str, list[str]]]:
    """The checked message, or None and the field errors."""
    errors: dict[str, list[str]] = {}
    gateway_id = text_field(data, "id") or ""
    if not _ID.match(gateway_id):
        errors["id"] = [_("请提供网关消息号（1–64 位字母、数字或 _.:- ）。")]
    phone = ""
    try:
        phone = normalize_mobile(text_field(data, "from") or "")
    except ValidationError:
        errors["from"] = [_("发送号码应为 11 位手机号码。")]
    to = text_field(data, "to") or ""
    if to and not _SHORT_CODE.match(to):
        errors["to"] = [_("接收号码应为数字。")]
    text = data.get("text")
    if not isinstance(text, str):
        errors["text"] = [_("请提供短信内容（text，可为空字符串）。")]
        text = ""
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("短信内容不能超过 %(max)d 字。") % {"max": MAX_TEXT}]
    received_at = _received_at(text_field(data, "received_at"), errors)
    lng, lat = _location(data, errors)
    if errors:
        return None, errors
    return InboundSms(gateway_id, phone, to, text.replace("\x00", ""), received_at, lng, lat), {}
