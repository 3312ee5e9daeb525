"""Office hours (PINGAN_OFFICE_HOURS, e.g. "09:00-12:00,13:30-17:30"), parsed and validated.

Spans are kept as offsets from local midnight so "24:00" (end of day) is exact.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from functools import lru_cache

from django.conf import settings

DEFAULT_OFFICE_HOURS = "09:00-12:00,13:30-17:30"
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Span = tuple[dt.timedelta, dt.timedelta]


class OfficeHoursError(ValueError):
    pass


@lru_cache(maxsize=8)
def parse_office_hours(value: str) -> tuple[Span, ...]:
    """Parse "HH:MM-HH:MM,…" into sorted, non-overlapping (start, end) offsets from midnight."""
    spans: list[Span] = []
    for part in value.split(","):
        match = _SPAN.match(part)
        if not match:
            raise OfficeHoursError(f"办公时间格式应为 HH:MM-HH:MM，多段用逗号分隔：{part!r}")
        h1, m1, h2, m2 = (int(x) for x in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise OfficeHoursError(f"办公时间中有无效的时刻：{part.strip()!r}")
        start, end = dt.timedelta(hours=h1, minutes=m1), dt.timedelta(hours=h2, minutes=m2)
        if end <= start:
            raise OfficeHoursError(f"办公时间段的结束必须晚于开始：{part.strip()!r}")
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise OfficeHoursError(f"办公时间段相互重叠：{value!r}")
    return tuple(spans)


def office_hours() -> tuple[Span, ...]:
    """The configured office hours (parsed once per distinct setting value)."""
    return parse_office_hours(getattr(settings, "PINGAN_OFFICE_HOURS", DEFAULT_OFFICE_HOURS))


def hours_per_day() -> dt.timedelta:
    """Length of one full working day under the configured office hours."""
    return sum((end - start for start, end in office_hours()), dt.timedelta())
