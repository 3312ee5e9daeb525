"""Writing .xlsx files: import templates (with a 说明 sheet) and import error reports."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pingan.registry.codes import code_labels
from pingan.registry.imports.columns import Column, columns_for
from pingan.registry.kinds import FieldType, spec_for

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
BOLD = Font(bold=True)
TEXT_ROWS = 2000  # template rows pre-formatted as text, so long digit strings stay intact


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _allowed(column: Column, labels: dict[str, dict[str, str]]) -> str:
    if column.type in (FieldType.CODE, FieldType.CODES) and column.code_table:
        values = labels.get(column.code_table, {})
        return "；".join(f"{code} {label}" for code, label in values.items())
    if column.type == FieldType.BOOL:
        return _("是；否")
    return ""


def template_workbook(kind: str) -> bytes:
    """The import template of a card kind: sheet 导入模板 with the header row (required
    columns shaded), and sheet 说明 describing every column and its allowed code values."""
    spec = spec_for(kind)
    columns = columns_for(kind)
    labels = code_labels({c.code_table for c in columns if c.code_table}, active_only=True)
    book = Workbook()
    sheet = book.active
    sheet.title = _("导入模板")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.label)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.label) * 2 + 4)
        if column.text_format:
            for row in range(2, TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("说明"))
    notes.append([_("%(kind)s导入模板") % {"kind": spec.label}])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append(
        [
            _(
                "每行一人。标红底色的列必填。已登记的人员（按公民身份号码识别）在导入时选择"
                "“更新”或“跳过”；更新时空白单元格不清除已有内容。整个文件全部通过校验才会导入，"
                "有任何错误则一行都不导入，可下载错误报告修改后重新导入。"
            )
        ]
    )
    notes.append([])
    notes.append([_("列名"), _("必填"), _("类型"), _("说明"), _("可选值（代码 名称）")])
    for cell in notes[4]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for column in columns:
        notes.append(
            [
                column.label,
                _("是") if column.required else "",
                str(FieldType(column.type).label),
                column.help,
                _allowed(column, labels),
            ]
        )
    for letter, width in zip("ABCDE", (22, 6, 14, 50, 80), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _bytes(book)


def template_csv(kind: str) -> bytes:
    """The header row of the template as UTF-8 CSV with a BOM (Excel opens it correctly)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([c.label for c in columns_for(kind)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def error_report_workbook(report: dict[str, Any]) -> bytes:
    """The uploaded rows with a 错误信息 column (empty for rows without errors). The file can be
    corrected and imported again: the 错误信息 column is ignored on import."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("错误报告"))
    header = [*report["headers"], _("错误信息")]
    sheet.append(header)
    for values, message in report["rows"]:
        sheet.append([*values, message])
    return _bytes(book)
