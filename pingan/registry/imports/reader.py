"""Reading an uploaded spreadsheet (.xlsx or UTF-8 CSV) into header + rows.

Anything that is not a readable table with our headers is a `UnreadableFileError` with a Chinese
message, raised before a single row is checked: a wrong format, an old .xls, a CSV that is
not UTF-8, no header row, a missing required column, a duplicated column, no data rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from pingan.registry.imports import fastxlsx
from pingan.registry.imports.columns import IGNORED_HEADERS, Column, header_lookup

MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10  # exports put exporter and time above the header row
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


class UnreadableFileError(Exception):
    """The file as a whole cannot be imported; the message is Chinese and user-facing."""


@dataclass
class Table:
    columns: list[Column | None]  # per position: the column, or None for ignored ones
    headers: list[str]  # the header texts as they appear in the file
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cell values)


def _cell(value: Any) -> Any:
    """Plain Python values: strings stripped, whole floats as ints (Excel stores 5 as 5.0),
    datetimes at midnight as dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | int | float):
        return value
    return str(value).strip()


def _xlsx_rows(content: bytes):
    """Rows of the first sheet: the fast reader, or openpyxl when it cannot cope."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            rows = [[_cell(v) for v in row] for row in fastxlsx.iter_rows(archive)]
    except Exception:
        yield from _openpyxl_rows(content)
        return
    yield from rows


def _openpyxl_rows(content: bytes):
    from openpyxl import load_workbook  # imported here: only imports need it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFileError(
            _("无法读取该 Excel 文件，请确认是 .xlsx 格式且未损坏。")
        ) from exc
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise UnreadableFileError(_("Excel 文件中没有工作表。"))
    try:
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        book.close()


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            _("CSV 文件不是 UTF-8 编码。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后再导入。")
        ) from exc
    if "\x00" in text:
        raise UnreadableFileError(_("CSV 文件内容无法识别，请确认是文本格式的表格。"))
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [_cell(v) for v in row]


def _format(filename: str, content: bytes) -> str:
    name = (filename or "").lower()
    if content.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise UnreadableFileError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入。"))
    if content.startswith(XLSX_MAGIC):
        return "xlsx"
    if name.endswith(".xlsx"):
        raise UnreadableFileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式且未损坏。"))
    if name.endswith(".csv") or not name:
        return "csv"
    raise UnreadableFileError(_("只支持 .xlsx 或 .csv（UTF-8）文件。"))


def _blank(row: list[Any]) -> bool:
    return all(v == "" for v in row)


def read_table(filename: str, content: bytes, columns: list[Column]) -> Table:
    """The header and data rows of the first sheet (or the CSV). The header row is the
    first of the top rows that names the 姓名 and 公民身份号码 columns."""
    if not content:
        raise UnreadableFileError(_("上传的文件是空的。"))
    reader = _xlsx_rows(content) if _format(filename, content) == "xlsx" else _csv_rows(content)
    lookup = header_lookup(columns)
    anchors = {c.label for c in columns if c.key in ("name", "id_number")}
    header: list[str] | None = None
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            texts = [str(v).strip() for v in row]
            if anchors <= {lookup[t].label for t in texts if t in lookup}:
                header = texts
                break
            if number >= HEADER_SEARCH_ROWS:
                break
        if header is None:
            raise UnreadableFileError(
                _("没有找到表头：第一行应为导入模板中的列名（如“姓名”“公民身份号码”）。")
            )
        table = _map_header(header, columns, lookup)
        width = len(table.headers)
        for number, row in enumerate(reader, start=number + 1):  # noqa: B020 - continues the count
            if _blank(row):
                continue
            if len(table.rows) >= MAX_ROWS:
                raise UnreadableFileError(
                    _("一次最多导入 %(n)d 行，请拆分文件。") % {"n": MAX_ROWS}
                )
            table.rows.append((number, row[:width] + [""] * (width - len(row))))
    except csv.Error as exc:
        raise UnreadableFileError(_("CSV 文件第 %(n)d 行格式错误。") % {"n": number}) from exc
    if not table.rows:
        raise UnreadableFileError(_("表格中没有数据行。"))
    return table


def _map_header(header: list[str], columns: list[Column], lookup: dict[str, Column]) -> Table:
    mapped: list[Column | None] = []
    seen: set[str] = set()
    unknown: list[str] = []
    for text in header:
        column = lookup.get(text)
        if column is None:
            if text and text not in IGNORED_HEADERS:
                unknown.append(text)
            mapped.append(None)
            continue
        if column.key in seen:
            raise UnreadableFileError(_("列“%(name)s”重复出现。") % {"name": column.label})
        seen.add(column.key)
        mapped.append(column)
    if unknown:
        raise UnreadableFileError(
            _("表头中有模板以外的列：%(names)s。请使用该类型的导入模板。")
            % {"names": "、".join(unknown[:10])}
        )
    missing = [c.label for c in columns if c.required and c.key not in seen]
    if missing:
        raise UnreadableFileError(_("缺少必填列：%(names)s。") % {"names": "、".join(missing)})
    while header and not header[-1]:
        header = header[:-1]
        mapped = mapped[:-1]
    return Table(columns=mapped, headers=header, rows=[])
