"""Streaming bulk inserts for the demo people: COPY on PostgreSQL, executemany on SQLite.

Values go to the database the way the ORM would send them: encrypted columns through their
field's `get_db_prep_save` (so encryption is the field's own), dates and times through the
field too but once per distinct value (a batch shares a handful of timestamps), JSON as
`json.dumps` text. Rows are consumed as they come, so a caller can pass a generator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models

from pingan.core.crypto import EncryptedTextField

SQLITE_BATCH = 2000


def _memo(field: models.Field) -> Callable[[Any], Any]:
    cache: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            if len(cache) > 50_000:  # birth dates, visit times: keep the memo small
                cache.clear()
            cache[value] = adapted = field.get_db_prep_save(value, connection)
            return adapted

    return adapt


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, EncryptedTextField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateField):  # and DateTimeField
        return _memo(field)
    if isinstance(field, models.JSONField):
        return _json
    return None  # text, numbers, booleans, foreign keys: as they are


def insert_rows(model: type[models.Model], columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert `rows` (values in `columns` order) into `model`'s table; the number of rows."""
    fields = [model._meta.get_field(c) for c in columns]
    converters = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]

    def prepared(row: tuple) -> tuple:
        values = list(row)
        for index, convert in converters:
            values[index] = convert(values[index])
        return tuple(values)

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({names}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(fields))})"  # noqa: S608
        batch: list[tuple] = []
        for row in rows:
            batch.append(prepared(row))
            if len(batch) >= SQLITE_BATCH:
                cursor.connection.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.connection.executemany(sql, batch)
            count += len(batch)
    return count
