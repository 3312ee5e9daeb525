"""API conventions shared by every app."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler; field errors stay keyed by field, others get a `detail` message."""
    return drf_exception_handler(exc, context)


# --- rendering many rows through one serializer ----------------------------------------------
# Fields whose representation depends only on the attribute value (no request, no context).
_PLAIN_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.BooleanField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.JSONField,
)
_METHOD, _DATETIME, _PLAIN = 0, 1, 2


@functools.cache
def _row_plan(serializer_class: type[serializers.Serializer]) -> tuple[tuple, ...]:
    """(name, kind, attribute or method name, render) per readable field, built once."""
    plan = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((name, _METHOD, field.method_name, None))
            continue
        if len(field.source_attrs) != 1:
            raise TypeError(f"{serializer_class.__name__}.{name}: dotted sources are not supported")
        source = field.source_attrs[0]
        iso = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if (
            type(field) is serializers.DateTimeField
            and isinstance(iso, str)
            and iso.lower() == ISO_8601
            and not hasattr(field, "timezone")
        ):
            plan.append((name, _DATETIME, source, field.to_representation))
        elif type(field) in _PLAIN_FIELDS:
            plan.append((name, _PLAIN, source, field.to_representation))
        else:
            raise TypeError(f"{serializer_class.__name__}.{name}: {type(field).__name__}")
    return tuple(plan)


def _iso(value: Any, tz: dt.tzinfo | None, render) -> Any:
    """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as "Z")."""
    if tz is None or not isinstance(value, dt.datetime) or timezone.is_naive(value):
        return render(value)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def serializer_rows(
    serializer_class: type[serializers.Serializer],
    instances: Iterable[Any],
    context: dict | None = None,
) -> list[dict]:
    """What `serializer_class(instances, many=True, context=context).data` gives, faster.

    DRF builds a serializer's fields again for every request (model introspection for a
    ModelSerializer) and walks its generic per-field machinery for every row; on the case
    inbox that cost as much as the queries. Here the fields are built once per process and
    only value-only fields are allowed (strings, choices, numbers, booleans, JSON, ISO
    datetimes) besides `SerializerMethodField`s, which run on one serializer instance that
    carries `context`. Any other field type is refused with TypeError, so a serializer that
    grows one fails loudly in tests instead of rendering differently.
    """
    plan = _row_plan(serializer_class)
    serializer = serializer_class(context=context or {})
    tz = timezone.get_current_timezone() if settings.USE_TZ else None
    rows = []
    for instance in instances:
        row = {}
        for name, kind, attr, render in plan:
            if kind == _METHOD:
                row[name] = getattr(serializer, attr)(instance)
                continue
            value = getattr(instance, attr)
            if value is None:
                row[name] = None
            elif kind == _DATETIME:
                row[name] = _iso(value, tz, render)
            else:
                row[name] = render(value)
        rows.append(row)
    return rows
