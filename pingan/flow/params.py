"""Parameter parsing for actions: field-level Chinese errors, nothing half-saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from pingan.flow.errors import ActionInvalid


def fail(field: str, message: str) -> ActionInvalid:
    return ActionInvalid({field: [message]})


def unit_code(params: dict[str, Any], field: str, *, required: bool = True) -> str:
    value = params.get(field)
    if value in (None, ""):
        if required:
            raise fail(field, _("请选择单位。"))
        return ""
    if not isinstance(value, str) or len(value) > 40:
        raise fail(field, _("单位编码格式不正确。"))
    return value.strip()


def unit_codes(params: dict[str, Any], field: str) -> list[str]:
    value = params.get(field)
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(field, _("协办单位应为单位编码列表。"))
    if len(value) > 20:
        raise fail(field, _("协办单位一次最多 20 个。"))
    seen: list[str] = []
    for code in value:
        if code.strip() not in seen:
            seen.append(code.strip())
    return seen


def aware_datetime(params: dict[str, Any], field: str) -> dt.datetime:
    value = params.get(field)
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise fail(field, _("时间格式应为 ISO 8601，例如 2026-11-20T17:30:00+08:00。"))
    else:
        raise fail(field, _("请填写时间。"))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def choice(params: dict[str, Any], field: str, choices, *, default: str | None = None) -> str:
    value = params.get(field, default)
    valid = {str(c.value): c.label for c in choices}
    if value not in valid:
        options = "、".join(f"{code}（{label}）" for code, label in valid.items())
        raise fail(field, _("请选择以下之一：%(options)s。") % {"options": options})
    return value


def boolean(params: dict[str, Any], field: str, *, default: bool) -> bool:
    value = params.get(field, default)
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise fail(field, _("应为 true 或 false。"))
