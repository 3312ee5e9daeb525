"""`serializer_rows` renders exactly what the DRF serializer would, and refuses fields it
cannot render without the serializer's machinery."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from pingan.core.api import serializer_rows


class Sample(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
    at = serializers.DateTimeField()
    n = serializers.IntegerField()
    ratio = serializers.FloatField()
    flag = serializers.BooleanField()
    extra = serializers.JSONField()
    code = serializers.CharField(source="other_code")
    label = serializers.SerializerMethodField()
    secret = serializers.CharField(write_only=True)

    def get_label(self, obj) -> str:
        return f"{self.context['prefix']}{obj.name}"


UTC_NOON = dt.datetime(2026, 3, 2, 12, 0, 30, 500, tzinfo=dt.UTC)
ROWS = [
    SimpleNamespace(
        name="甲",
        kind="a",
        at=UTC_NOON,
        n=3,
        ratio=0.5,
        flag=True,
        extra={"k": [1, "二"]},
        other_code="990101",
        secret="x",
    ),
    SimpleNamespace(
        name="乙",
        kind="b",
        at=None,
        n=0,
        ratio=2,
        flag=False,
        extra=None,
        other_code="",
        secret="y",
    ),
    SimpleNamespace(
        name="丙",
        kind="a",
        at=dt.datetime(2026, 3, 2, 20, 0),  # naive: DRF makes it aware in the current zone
        n=-1,
        ratio=1.25,
        flag=True,
        extra=[],
        other_code="x",
        secret="z",
    ),
]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_rows_equal_the_serializer_output(zone):
    context = {"prefix": "第"}
    with timezone.override(ZoneInfo(zone)):
        fast = serializer_rows(Sample, ROWS, context)
        assert fast == Sample(ROWS, many=True, context=context).data
    assert fast[0]["at"] == (
        "2026-03-02T20:00:30.000500+08:00"
        if zone == "Asia/Shanghai"
        else "2026-03-02T12:00:30.000500Z"
    )
    assert (fast[0]["code"], fast[0]["label"], "secret" in fast[0]) == ("990101", "第甲", False)
    assert fast[1]["at"] is None and fast[1]["extra"] is None


class Nested(serializers.Serializer):
    name = serializers.CharField()
    child = Sample()


class Dotted(serializers.Serializer):
    region = serializers.CharField(source="region.name")


@pytest.mark.parametrize("serializer_class", [Nested, Dotted])
def test_fields_it_cannot_render_are_refused(serializer_class):
    with pytest.raises(TypeError):
        serializer_rows(serializer_class, [])
