"""Collision comparison benchmark: `pingan.registry.collision.collide` on 1,000,000 people
with a 100,000-item list of ID numbers (half of them registered), against a plain SQL join.

    .venv/bin/python bench/collision.py [--people 1000000] [--items 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/collision.py

Storage as in bench/deadline_scan.py: with DATABASE_URL a scratch PostgreSQL database
`pingan_bench_collide_<pid>` (created, migrated, dropped), otherwise SQLite in a temporary
PINGAN_HOME. People are inserted directly (executemany on SQLite, COPY on PostgreSQL): valid
synthetic ID numbers with their real blind indexes (`id_hash`, `phone_hash`), name, birth
date and one of four grids in two towns; the other columns hold constants. Then:

* `seconds` — one `collide(key="id_number")` by the county operator (whole county in scope):
  normalise + validate each item, blind indexes in Python, `id_hash IN (…)` in chunks of
  5,000 (SQLite) or `id_hash = ANY(array)` in chunks of 20,000 (PostgreSQL), visible card
  kinds of the matches, one audit record;
* `sql_join_seconds` — the same list's hashes (computed beforehand, not timed) staged into a
  temporary table and joined with the person table in one query: the floor for the lookup.

The duplicate-finder figures (`dedup_people`, `dedup_seconds`) belong to another part and
are not measured here. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

from scratch import bulk_insert
from scratch import setup as scratch_setup
from scratch import teardown as scratch_teardown

ROOT = Path(__file__).resolve().parent.parent
GRIDS = ("990101001001001", "990101001001002", "990101001002001", "990101002001001")
FIRST_BIRTH = dt.date(1940, 1, 1)
DAYS = 24_000  # birth dates 1940 … 2005; with 3-digit sequences room for 24 M numbers


def id_number(i: int) -> str:
    """The i-th synthetic, valid ID number (distinct for i < 24,000,000)."""
    from pingan.core.idnumber import check_character

    born = FIRST_BIRTH + dt.timedelta(days=i % DAYS)
    first17 = f"990101{born:%Y%m%d}{i // DAYS:03d}"
    return first17 + check_character(first17)


def insert_people(n: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from pingan.registry.keys import id_hash, phone_hash
    from pingan.registry.models import Person

    now = timezone.now()
    template = Person(
        name="",
        name_pinyin="zhangsan",
        name_initials="zs",
        sex="1",
        birth_date=FIRST_BIRTH,
        id_number="",
        id_hash="",
        id_tail4_hash="",
        id_tail6_hash="",
        phone="",
        phone_hash="",
        address="",
        region_code=GRIDS[0],
        created_at=now,
        updated_at=now,
        version=1,
    )
    fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    index = {f.attname: i for i, f in enumerate(fields)}
    constant = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    sqlite = connection.vendor == "sqlite"

    def rows():
        for i in range(n):
            row = list(constant)
            number = id_number(i)
            born = FIRST_BIRTH + dt.timedelta(days=i % DAYS)
            row[index["name"]] = f"居民{i}"
            row[index["birth_date"]] = born.isoformat() if sqlite else born
            row[index["id_hash"]] = id_hash(number)
            row[index["phone_hash"]] = phone_hash(f"139{i:08d}")
            row[index["region_code"]] = GRIDS[i % len(GRIDS)]
            yield row

    bulk_insert(Person._meta.db_table, columns, rows())
    if not sqlite:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Person._meta.db_table}")


def sql_join(hashes: list[str]) -> tuple[float, int]:
    from django.db import connection, transaction

    from pingan.registry.models import Person

    table = Person._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE collide_list (h varchar(64) NOT NULL)")
        if connection.vendor == "sqlite":
            cursor.connection.executemany(
                "INSERT INTO collide_list (h) VALUES (?)", ((h,) for h in hashes)
            )
        else:
            with cursor.cursor.copy("COPY collide_list (h) FROM STDIN") as copy:
                for h in hashes:
                    copy.write_row((h,))
            cursor.execute("ANALYZE collide_list")
        cursor.execute(
            f"SELECT p.id, p.name, p.region_code FROM collide_list l "
            f"JOIN {table} p ON p.id_hash = l.h WHERE p.region_code LIKE %s",
            ["990101%"],
        )
        found = len(cursor.fetchall())
        cursor.execute("DROP TABLE collide_list")
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    home, scratch = scratch_setup("collide")
    try:
        from django.db import connection

        from pingan.accounts.roles import Role
        from pingan.registry.collision import collide
        from pingan.registry.keys import id_hash
        from tests.factories import make_actor, region_chain

        for grid in GRIDS:
            region_chain(grid)
        actor = make_actor(Role.COUNTY_OPERATOR, "990101")
        started = time.perf_counter()
        insert_people(args.people)
        insert_seconds = time.perf_counter() - started
        # Half the list: registered people spread over the table; half: numbers past it.
        half = args.items // 2
        step = max(1, args.people // half)
        items = [id_number(i * step) for i in range(half)]
        items += [id_number(args.people + i) for i in range(args.items - half)]

        started = time.perf_counter()
        result = collide(actor=actor, items=items, key="id_number")
        seconds = time.perf_counter() - started
        hashes = [id_hash(number) for number in items]
        join_seconds, join_found = sql_join(hashes)
        assert len(result.matches) == join_found == half, (len(result.matches), join_found)

        figures = {
            "backend": connection.vendor,
            "people": args.people,
            "list_items": args.items,
            "matches": len(result.matches),
            "insert_seconds": round(insert_seconds, 2),
            "seconds": round(seconds, 3),
            "sql_join_seconds": round(join_seconds, 3),
            "load": round(os.getloadavg()[0], 2),
        }
        print(f"{'figure':<20}{'value':>16}")
        for name, value in figures.items():
            print(f"{name:<20}{value!s:>16}")
        print(json.dumps(figures))
    finally:
        scratch_teardown(home, scratch, admin_url)


if __name__ == "__main__":
    main()
