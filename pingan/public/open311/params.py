"""Request arguments: "optional" as the spec defines it (empty = absent), W3C datetimes with
a mandatory offset, comma lists, the 90-day window and the `page`/`page_size` extension.
Bad values raise `Open311Error` (400) with a description naming the argument.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.public.open311.errors import Open311Error, bad_request

MAX_RANGE = dt.timedelta(days=90)
DEFAULT_PAGE_SIZE = 1000  # the spec's default volume: first 1000 requests
MAX_PAGE_SIZE = 1000
MAX_IDS = 200  # service_request_id list
_W3C = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})$"
)
_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?P<many>\[\])?$")


class Arguments:
    """A request's arguments: the form body first (POST), then the query string."""

    def __init__(self, query: QueryDict, body: QueryDict | None = None) -> None:
        self._sources = [s for s in (body, query) if s is not None]

    @classmethod
    def of(cls, request: HttpRequest) -> Arguments:
        return cls(request.GET, request.POST if request.method == "POST" else None)

    def get(self, name: str) -> str:
        """The first non-empty value, stripped; "" when absent or empty (same thing)."""
        for source in self._sources:
            for value in source.getlist(name):
                if value.strip():
                    return value.strip()
        return ""

    def getlist(self, name: str) -> list[str]:
        for source in self._sources:
            values = [v.strip() for v in source.getlist(name) if v.strip()]
            if values:
                return values
        return []

    def attributes(self) -> dict[str, list[str]]:
        """`attribute[code]=v` and `attribute[code][]=v1&…` as {code: [values]} (non-empty)."""
        found: dict[str, list[str]] = {}
        for source in reversed(self._sources):  # the body wins over the query string
            for key in source:
                match = _ATTRIBUTE.match(key)
                if match is None:
                    continue
                values = [v.strip() for v in source.getlist(key) if v.strip()]
                if values:
                    found[match["code"].strip()] = values
        return found


def comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def w3c_datetime(name: str, value: str) -> dt.datetime:
    """Parse a W3C datetime whose timezone (Z or ±hh:mm) is mandatory.

    An unencoded `+` in a query string arrives as a space; it is read as `+` again.
    """
    text = value.strip()
    if len(text) > 6 and text[-6] == " " and text[-5:-3].isdigit() and text[-3] == ":":
        text = text[:-6] + "+" + text[-5:]
    match = _W3C.match(text)
    parsed = None
    if match:
        tz = "+00:00" if match["tz"] == "Z" else match["tz"]
        try:
            parsed = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{tz}")
        except ValueError:
            parsed = None
    if parsed is None:
        raise bad_request(
            _("%(name)s 应为带时区的 W3C 日期时间，例如 2026-03-01T00:00:00+08:00 或 …Z。")
            % {"name": name}
        )
    return parsed


def date_window(
    start: str, end: str, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of `requested_datetime`, at most 90 days.

    Neither given: the last 90 days. Only one: 90 days from it (or up to it). Both: they
    may not be more than 90 days apart, and start may not be after end.
    """
    now = now or timezone.now()
    errors: list[tuple[int, str]] = []
    begin = finish = None
    for name, raw in (("start_date", start), ("end_date", end)):
        if not raw:
            continue
        try:
            value = w3c_datetime(name, raw)
        except Open311Error as exc:
            errors.extend(exc.errors)
            continue
        if name == "start_date":
            begin = value
        else:
            finish = value
    if errors:
        raise Open311Error(400, errors=errors)
    if begin is None and finish is None:
        return now - MAX_RANGE, now
    if begin is None:
        return finish - MAX_RANGE, finish
    if finish is None:
        return begin, begin + MAX_RANGE
    if begin > finish:
        raise bad_request(_("start_date 不能晚于 end_date。"))
    if finish - begin > MAX_RANGE:
        raise bad_request(_("start_date 与 end_date 的间隔不能超过 90 天。"))
    return begin, finish


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page(args: Arguments) -> Page:
    """The `page`/`page_size` extension: page 1 of 1000 by default, at most 1000 a page."""
    errors: list[tuple[int, str]] = []
    number = _positive(args.get("page"), 1, "page", errors)
    size = _positive(args.get("page_size"), DEFAULT_PAGE_SIZE, "page_size", errors)
    if size > MAX_PAGE_SIZE:
        errors.append((400, _("page_size 不能超过 %(max)d。") % {"max": MAX_PAGE_SIZE}))
    if errors:
        raise Open311Error(400, errors=errors)
    return Page(number, size)


def _positive(raw: str, default: int, name: str, errors: list) -> int:
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        errors.append((400, _("%(name)s 应为正整数。") % {"name": name}))
        return default
    return int(raw)


def flag(args: Arguments, name: str) -> bool:
    """A boolean argument: `true`/`1` is true; absent, empty, `false`/`0` false."""
    value = args.get(name).lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise bad_request(_("%(name)s 应为 true 或 false。") % {"name": name})
