"""Building spreadsheets in memory for the import/export tests."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from tests.registry.factories import api_client


def xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes, sheet: int | str = 0) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def upload(
    actor,
    content: bytes,
    *,
    kind: str = "household",
    mode: str = "skip",
    dry_run: bool = True,
    name: str = "people.xlsx",
    client: APIClient | None = None,
):
    client = client or api_client(actor)
    return client.post(
        "/api/v1/registry/imports/",
        {
            "file": _named(content, name),
            "kind": kind,
            "mode": mode,
            "dry_run": "true" if dry_run else "false",
        },
        format="multipart",
    )


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
