"""Case numbers: type prefix + county code + local date + 5-digit sequence.

E.g. `SJ99010120261102` + `00042`. The sequence comes from one counter row per
(prefix, county, date), locked by an UPDATE … RETURNING inside the caller's transaction, so
concurrent reports never share a number and numbers have no gaps unless a transaction
rolls back.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pingan.flow.models import CaseNumberCounter


def next_case_number(prefix: str, county_code: str, now: dt.datetime) -> str:
    """Allocate the next number; must run inside the transaction that creates the case."""
    day = timezone.localdate(now)
    last = _increment(prefix, county_code, day)
    if last is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(
                    prefix=prefix, county_code=county_code, day=day, last=1
                )
            last = 1
        except IntegrityError:
            # Another transaction created today's row first; wait for its lock and use it.
            last = _increment(prefix, county_code, day)
    if last is None:
        raise RuntimeError("case number counter row vanished")
    if last > 99999:
        raise OverflowError(f"case sequence exhausted for {prefix}{county_code}{day:%Y%m%d}")
    return f"{prefix}{county_code}{day:%Y%m%d}{last:05d}"


def _increment(prefix: str, county_code: str, day: dt.date) -> int | None:
    """Bump today's counter and read the new value in one statement (None: no row yet).

    The UPDATE takes the row lock that SELECT … FOR UPDATE took before, held to the end of
    the caller's transaction; RETURNING (PostgreSQL, SQLite ≥ 3.35) saves the re-read.
    """
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1"  # noqa: S608 - table name from the model
            " WHERE prefix = %s AND county_code = %s AND day = %s RETURNING last",
            [prefix, county_code, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return row[0] if row else None
