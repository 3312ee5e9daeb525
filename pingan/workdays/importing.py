"""Reading and checking a year's schedule (CSV or JSON rows of date, kind, name).

Parsing turns a file into `RawDay`s that remember where they came from (line or item
number); `clean_days` checks them against the stated year and returns `DayRow`s or raises
`CalendarDataError` listing every problem, each with its line and a Chinese message, so an
admin fixes the whole file in one pass. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from pingan.workdays.models import DayKind

MAX_FILE_BYTES = 256 * 1024
MAX_ROWS = 366
MIN_YEAR, MAX_YEAR = 1900, 2099
WEEKDAYS = "一二三四五六日"

_KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "休息": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "调休": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_HEADERS = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "类型": "kind",
    "name": "name",
    "名称": "name",
}


@dataclass(frozen=True)
class RowError:
    where: str  # "第 3 行", "第 2 条", "文件"
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


class CalendarDataError(ValueError):
    """Bad schedule data; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class RawDay:
    where: str
    date: Any
    kind: Any
    name: Any


@dataclass(frozen=True)
class DayRow:
    where: str
    date: dt.date
    kind: str
    name: str


@dataclass(frozen=True)
class ParsedFile:
    rows: list[RawDay]
    year_hint: int | None = None


# --- parsing ------------------------------------------------------------------------------
def decode_text(content: bytes | str) -> str:
    """File bytes as text: UTF-8 (BOM or not), else GB18030; size-checked."""
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    if len(content) > MAX_FILE_BYTES:
        raise CalendarDataError(
            [RowError(_("文件"), _("文件过大（最多 %(n)d KB）") % {"n": MAX_FILE_BYTES // 1024})]
        )
    # Excel on Chinese Windows saves CSV as GB18030/GBK; UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CalendarDataError([RowError(_("文件"), _("无法识别文件编码，请另存为 UTF-8"))])


def parse_file(content: bytes | str, filename: str = "") -> ParsedFile:
    """Parse CSV (`date,kind,name`, header optional) or JSON into raw rows."""
    text = decode_text(content)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return _parse_json(text)
    return _parse_csv(text)


def _parse_csv(text: str) -> ParsedFile:
    rows: list[RawDay] = []
    errors: list[RowError] = []
    columns: dict[str, int] | None = None
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue  # blank lines and comments
        where = _("第 %(n)d 行") % {"n": number}
        if columns is None and not rows and cells[0].lower() in _HEADERS:
            columns = {_HEADERS[c.lower()]: i for i, c in enumerate(cells) if c.lower() in _HEADERS}
            missing = {"date", "kind", "name"} - columns.keys()
            if missing:
                errors.append(RowError(where, _("表头应包含 date,kind,name（或 日期,类型,名称）")))
                break
            continue
        if columns is None:
            if len(cells) < 3 or any(cells[3:]):
                errors.append(RowError(where, _("应为 3 列：日期,类型,名称")))
                continue
            date, kind, name = cells[:3]
        else:
            if len(cells) <= max(columns.values()):
                errors.append(RowError(where, _("列数不足：应有日期、类型、名称")))
                continue
            date, kind, name = (cells[columns[k]] for k in ("date", "kind", "name"))
        rows.append(RawDay(where, date, kind, name))
    if errors:
        raise CalendarDataError(errors)
    return ParsedFile(rows)


def _parse_json(text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarDataError(
            [
                RowError(
                    _("第 %(n)d 行") % {"n": exc.lineno}, _("JSON 格式错误：%(m)s") % {"m": exc.msg}
                )
            ]
        ) from exc
    year_hint = None
    if isinstance(data, dict):
        year_hint = data.get("year") if isinstance(data.get("year"), int) else None
        data = data.get("days")
    if not isinstance(data, list):
        raise CalendarDataError(
            [RowError(_("文件"), _('JSON 应为日期列表，或 {"year": 年份, "days": [...]}'))]
        )
    return ParsedFile(rows_from_items(data), year_hint)


def rows_from_items(items: Iterable[Any]) -> list[RawDay]:
    """Raw rows from mappings `{date, kind, name}` (JSON items, API or service callers)."""
    rows: list[RawDay] = []
    errors: list[RowError] = []
    for number, item in enumerate(items, start=1):
        where = _("第 %(n)d 条") % {"n": number}
        if isinstance(item, RawDay | DayRow):
            rows.append(RawDay(item.where, item.date, item.kind, item.name))
        elif isinstance(item, Mapping):
            rows.append(RawDay(where, item.get("date"), item.get("kind"), item.get("name")))
        else:
            errors.append(RowError(where, _("应为包含 date、kind、name 的对象")))
    if errors:
        raise CalendarDataError(errors)
    return rows


def infer_year(rows: Iterable[RawDay]) -> int | None:
    """The one year all parseable dates share, or None."""
    years = {d.year for d in (_to_date(r.date) for r in rows) if d is not None}
    return years.pop() if len(years) == 1 else None


# --- checking -----------------------------------------------------------------------------
def _to_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None  # a time of day has no place here; ask for a plain date
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    match = _DATE.match(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_kind(value: Any) -> str | None:
    """A `DayKind` value from its code or a Chinese alias (休, 班, 调休上班 …)."""
    text = str(value or "").strip()
    kind = _KIND_ALIASES.get(text.lower()) or _KIND_ALIASES.get(text)
    return kind.value if kind else None


def day_problem(day: dt.date, kind: str) -> str | None:
    """The rule a single day breaks, if any: a make-up workday must be a Saturday or Sunday."""
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        return _("调休上班日必须是周六或周日，%(d)s 是星期%(w)s") % {
            "d": day.isoformat(),
            "w": WEEKDAYS[day.weekday()],
        }
    return None


def check_year(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarDataError(
            [
                RowError(
                    _("年份"),
                    _("年份必须是 %(a)d–%(b)d 之间的整数") % {"a": MIN_YEAR, "b": MAX_YEAR},
                )
            ]
        )
    return year


def clean_days(year: int, raw_rows: Iterable[RawDay]) -> list[DayRow]:
    """Check every row against `year`; all rows are good or `CalendarDataError` lists why not."""
    check_year(year)
    raw_rows = list(raw_rows)
    errors: list[RowError] = []
    if not raw_rows:
        errors.append(RowError(_("文件"), _("没有任何日期：请列出该年的全部放假日和调休上班日")))
    elif len(raw_rows) > MAX_ROWS:
        errors.append(RowError(_("文件"), _("行数过多（一年最多 %(n)d 天）") % {"n": MAX_ROWS}))
    cleaned: list[DayRow] = []
    seen: dict[dt.date, DayRow] = {}
    for raw in raw_rows:
        problems = []
        day = _to_date(raw.date)
        kind = parse_kind(raw.kind)
        name = str(raw.name or "").strip()
        if day is None:
            problems.append(_("日期“%(v)s”无法识别，应为 YYYY-MM-DD") % {"v": raw.date or ""})
        elif day.year != year:
            problems.append(_("日期 %(d)s 不属于 %(y)d 年") % {"d": day.isoformat(), "y": year})
        if kind is None:
            problems.append(
                _("类型“%(v)s”无效，应为 holiday（休）或 workday（调休上班）")
                % {"v": raw.kind or ""}
            )
        if not name:
            problems.append(_("缺少名称（如“国庆节”）"))
        elif len(name) > 50:
            problems.append(_("名称过长（最多 50 个字）"))
        if day is not None and kind is not None:
            problem = day_problem(day, kind)
            if problem:
                problems.append(problem)
            earlier = seen.get(day)
            if earlier is not None:
                problems.append(_duplicate_message(day, kind, earlier))
        errors.extend(RowError(raw.where, p) for p in problems)
        if not problems:
            row = DayRow(raw.where, day, kind, name)
            seen[day] = row
            cleaned.append(row)
    if errors:
        raise CalendarDataError(errors)
    return sorted(cleaned, key=lambda r: r.date)


def _duplicate_message(day: dt.date, kind: str, earlier: DayRow) -> str:
    if earlier.kind == kind:
        return _("日期 %(d)s 与%(w)s重复") % {"d": day.isoformat(), "w": earlier.where}
    if earlier.kind == DayKind.WORKDAY:
        return _("日期 %(d)s 已在%(w)s列为调休上班日，不能同时为休息日") % {
            "d": day.isoformat(),
            "w": earlier.where,
        }
    return _("日期 %(d)s 已在%(w)s列为休息日，不能同时为调休上班日") % {
        "d": day.isoformat(),
        "w": earlier.where,
    }
