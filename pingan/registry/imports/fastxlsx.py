"""A streaming reader of the first sheet of an .xlsx: cell values only, about three times
faster than openpyxl's read-only mode on a 100,000-row import (it builds no cell objects).

Handles shared, inline and formula strings, numbers, booleans, and dates (numbers in a date
number format, 1900 and 1904 epochs, using openpyxl's own date-format rules). Anything
unexpected raises, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import iterparse as _iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_COLUMN = re.compile(r"^([A-Z]+)")


def iterparse(source, events=("end",)):
    # Uploaded XML: ElementTree never fetches external entities, and expat (>= 2.4.1,
    # bundled with Python 3.11) caps entity amplification ("billion laughs"); openpyxl
    # reads the same parts with the same parser when defusedxml is not installed.
    return _iterparse(source, events)  # noqa: S314


def _column_index(ref: str) -> int:
    letters = _COLUMN.match(ref).group(1)
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, bool]:
    root = None
    for _event, element in iterparse(archive.open("xl/workbook.xml")):
        if element.tag == f"{MAIN}workbookPr":
            root = element.get("date1904") in ("1", "true")
        if element.tag == f"{MAIN}sheet":
            rel_id = element.get(f"{REL}id")
            break
    else:
        raise ValueError("no sheet")
    for _event, element in iterparse(archive.open("xl/_rels/workbook.xml.rels")):
        if element.tag == f"{PKG_REL}Relationship" and element.get("Id") == rel_id:
            target = element.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            return posixpath.normpath(path), bool(root)
    raise ValueError("sheet relationship missing")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    in_phonetic = False
    for event, element in iterparse(archive.open("xl/sharedStrings.xml"), ("start", "end")):
        tag = element.tag
        if tag == f"{MAIN}rPh":
            in_phonetic = event == "start"
        elif event == "end" and tag == f"{MAIN}t" and not in_phonetic:
            parts.append(element.text or "")
        elif event == "end" and tag == f"{MAIN}si":
            strings.append("".join(parts))
            parts = []
            element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    if "xl/styles.xml" not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    dates: set[int] = set()
    index = 0
    in_cell_xfs = False
    for event, element in iterparse(archive.open("xl/styles.xml"), ("start", "end")):
        tag = element.tag
        if event == "end" and tag == f"{MAIN}numFmt":
            custom[int(element.get("numFmtId"))] = element.get("formatCode", "")
        elif tag == f"{MAIN}cellXfs":
            in_cell_xfs = event == "start"
        elif event == "end" and tag == f"{MAIN}xf" and in_cell_xfs:
            fmt_id = int(element.get("numFmtId", "0"))
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
            if code and is_date_format(code):
                dates.add(index)
            index += 1
    return dates


def iter_rows(archive: zipfile.ZipFile) -> Iterator[list[Any]]:
    """Rows of the first sheet as lists of values ("" for empty cells)."""
    sheet, mac_epoch = _first_sheet(archive)
    strings = _shared_strings(archive)
    date_styles = _date_styles(archive)
    epoch = CALENDAR_MAC_1904 if mac_epoch else CALENDAR_WINDOWS_1900
    row: list[Any] = []
    expected_row = 1
    cell_type = style = ref = None
    value: Any = None
    inline: list[str] = []
    for event, element in iterparse(archive.open(sheet), ("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == f"{MAIN}row":
                number = int(element.get("r", expected_row))
                while expected_row < number:  # rows left out of the file are empty
                    yield []
                    expected_row += 1
                row = []
            elif tag == f"{MAIN}c":
                cell_type, ref = element.get("t", "n"), element.get("r")
                style, value, inline = int(element.get("s", "0")), None, []
            continue
        if tag == f"{MAIN}v":
            value = element.text
        elif tag == f"{MAIN}t":
            inline.append(element.text or "")
        elif tag == f"{MAIN}c":
            if cell_type == "s":
                result: Any = strings[int(value)] if value is not None else ""
            elif cell_type == "inlineStr":
                result = "".join(inline)
            elif cell_type in ("str", "e"):
                result = value or ""
            elif cell_type == "b":
                result = value == "1"
            elif value is None:
                result = ""
            else:
                number = float(value)
                result = int(number) if number.is_integer() and "E" not in value else number
                if style in date_styles:
                    result = from_excel(number, epoch)
            column = _column_index(ref) if ref else len(row)
            if column > len(row):
                row.extend([""] * (column - len(row)))
            row.append(result)
        elif tag == f"{MAIN}row":
            yield row
            expected_row += 1
            element.clear()
