"""Collision comparison and duplicate-finder benchmark on 1,000,000 people: `collide` with a
100,000-item list of ID numbers (half of them registered) against a plain SQL join, and the
duplicate finder (`pingan.registry.dedup`) against a plain SQL self-join.

    .venv/bin/python bench/collision.py [--people 1000000] [--items 100000] [--duplicates 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/collision.py

Storage as in bench/deadline_scan.py: with DATABASE_URL a scratch PostgreSQL database
`pingan_bench_collide_<pid>` (created, migrated, dropped), otherwise SQLite in a temporary
PINGAN_HOME. People are inserted directly (executemany on SQLite, COPY on PostgreSQL): valid
synthetic ID numbers with their real blind indexes (`id_hash`, ID tails, `phone_hash` for the
60 % with a phone), generated names with their pinyin, birth date and sex from the number,
generated addresses, one of four grids in two towns (`people_data.Residents`). The last
`--duplicates` people are planted duplicates of earlier ones with a typical slip
(`people_data.SLIPS`). Then:

* `seconds` — one `collide(key="id_number")` by the county operator (whole county in scope):
  normalise + validate each item, blind indexes in Python, `id_hash IN (…)` in chunks of
  5,000 (SQLite) or `id_hash = ANY(array)` in chunks of 20,000 (PostgreSQL), visible card
  kinds of the matches, one audit record;
* `sql_join_seconds` — the same list's hashes (computed beforehand, not timed) staged into a
  temporary table and joined with the person table in one query: the floor for the lookup;
* `dedup_seconds` — `dedup.selectors.duplicate_candidates` for the county operator (cache
  empty): blocking, scoring, every pair from the threshold up; `dedup_recall` and
  `dedup_precision` against the planted pairs (`dedup_found_by_slip`: found per slip);
* `dedup_sql_seconds` — the plain approach for comparison: one self-join on birth date +
  full pinyin, with its recall and precision.

Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

from people_data import SLIPS, Residents
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


def insert_people(n: int, duplicates: int) -> set[tuple[int, int]]:
    """Insert `n` people, the last `duplicates` of them planted slips of earlier ones
    (`people_data.SLIPS`, in turn). Returns the planted (original id, duplicate id) pairs:
    ids are positions + 1 (a fresh table; checked after the insert)."""
    from django.db import connection
    from django.utils import timezone

    from pingan.core.idnumber import check_character
    from pingan.registry.keys import id_keys, phone_hash
    from pingan.registry.models import Person

    residents = Residents()
    now = timezone.now()
    template = Person(
        name="",
        name_pinyin="",
        name_initials="",
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
    base = n - duplicates
    picks = sorted(residents.random.sample(range(base), duplicates)) if duplicates else []
    kept: dict[int, tuple] = {}  # what a planted duplicate copies from its original
    wanted = set(picks)
    last_birth = FIRST_BIRTH + dt.timedelta(days=DAYS - 1)
    spare_seq: dict[tuple[dt.date, int], int] = {}
    truth: set[tuple[int, int]] = set()

    def row(number: str, name: str, born: dt.date, address: str, phone: str, grid: str):
        values = list(constant)
        full, initials = residents.pinyin(name)
        values[index["name"]] = name
        values[index["name_pinyin"]] = full
        values[index["name_initials"]] = initials
        values[index["sex"]] = "1" if int(number[16]) % 2 else "2"
        values[index["birth_date"]] = born.isoformat() if sqlite else born
        for column, value in id_keys(number).items():
            values[index[column]] = value
        values[index["phone_hash"]] = phone_hash(phone) if phone else ""
        values[index["address"]] = address
        values[index["region_code"]] = grid
        return values

    def rows():
        for i in range(base):
            number = id_number(i)
            born = FIRST_BIRTH + dt.timedelta(days=i % DAYS)
            name, address, phone = residents.name(), residents.address(), residents.phone(i)
            grid = GRIDS[i % len(GRIDS)]
            if i in wanted:
                kept[i] = (number, name, born, address, phone, grid)
            yield row(number, name, born, address[0], phone, grid)
        for k, original in enumerate(picks):
            number, name, born, address, phone, grid = kept[original]
            slip = SLIPS[k % len(SLIPS)]
            new_name, new_born, new_address, new_phone = residents.duplicate(
                slip, name, born, address, phone, f"137{k:08d}", FIRST_BIRTH, last_birth
            )
            # A different, valid number with the same sex digit parity: sequence 500–999.
            parity = int(number[16]) % 2
            seq = spare_seq.get((new_born, parity), 500 + parity)
            spare_seq[new_born, parity] = seq + 2
            first17 = f"990101{new_born:%Y%m%d}{seq:03d}"
            truth.add((original + 1, base + k + 1))
            yield row(
                first17 + check_character(first17), new_name, new_born, new_address, new_phone, grid
            )

    bulk_insert(Person._meta.db_table, columns, rows())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id), COUNT(*) FROM {Person._meta.db_table}")
        assert cursor.fetchone() == (1, n, n), "ids are not positions + 1"
        if not sqlite:
            cursor.execute(f"ANALYZE {Person._meta.db_table}")
    return truth


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


def dedup_sql_join(scope: str) -> tuple[float, set[tuple[int, int]]]:
    """The plain approach: a self-join on birth date + full pinyin (same birth date, same
    sounding name), nothing else."""
    from django.db import connection

    from pingan.registry.models import Person

    table = Person._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.id, b.id FROM {table} a JOIN {table} b "
            f"ON a.birth_date = b.birth_date AND a.name_pinyin = b.name_pinyin AND a.id < b.id "
            f"WHERE a.region_code LIKE %s AND b.region_code LIKE %s",
            [scope + "%", scope + "%"],
        )
        pairs = {(a, b) for a, b in cursor.fetchall()}
    return time.perf_counter() - started, pairs


def rates(found: set, truth: set) -> tuple[float, float]:
    hits = len(found & truth)
    return (hits / len(truth) if truth else 1.0), (hits / len(found) if found else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--duplicates", type=int, default=5_000)
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    home, scratch = scratch_setup("collide")
    try:
        from django.db import connection

        from pingan.accounts.roles import Role
        from pingan.registry.collision import collide
        from pingan.registry.dedup.selectors import duplicate_candidates
        from pingan.registry.keys import id_hash
        from tests.factories import make_actor, region_chain

        for grid in GRIDS:
            region_chain(grid)
        actor = make_actor(Role.COUNTY_OPERATOR, "990101")
        started = time.perf_counter()
        truth = insert_people(args.people, args.duplicates)
        insert_seconds = time.perf_counter() - started
        base = args.people - args.duplicates
        # Half the list: registered people spread over the table; half: numbers past it.
        half = args.items // 2
        step = max(1, base // half)
        items = [id_number(i * step) for i in range(half)]
        items += [id_number(args.people + i) for i in range(args.items - half)]

        started = time.perf_counter()
        result = collide(actor=actor, items=items, key="id_number")
        seconds = time.perf_counter() - started
        hashes = [id_hash(number) for number in items]
        join_seconds, join_found = sql_join(hashes)
        assert len(result.matches) == join_found == half, (len(result.matches), join_found)

        started = time.perf_counter()
        dedup = duplicate_candidates(actor)
        dedup_seconds = time.perf_counter() - started
        found = {(c.left_id, c.right_id) for c in dedup.candidates}
        recall, precision = rates(found, truth)
        by_slip = {
            slip: sum(
                1
                for k, pair in enumerate(sorted(truth, key=lambda p: p[1]))
                if SLIPS[k % len(SLIPS)] == slip and pair in found
            )
            for slip in SLIPS
        }
        plain_seconds, plain_found = dedup_sql_join("990101")
        plain_recall, plain_precision = rates(plain_found, truth)

        figures = {
            "backend": connection.vendor,
            "people": args.people,
            "list_items": args.items,
            "matches": len(result.matches),
            "insert_seconds": round(insert_seconds, 2),
            "seconds": round(seconds, 3),
            "sql_join_seconds": round(join_seconds, 3),
            "dedup_people": dedup.people,
            "dedup_seconds": round(dedup_seconds, 2),
            "dedup_planted": len(truth),
            "dedup_pairs": len(found),
            "dedup_compared": dedup.compared,
            "dedup_recall": round(recall, 4),
            "dedup_precision": round(precision, 4),
            "dedup_found_by_slip": by_slip,
            "dedup_sql_seconds": round(plain_seconds, 2),
            "dedup_sql_pairs": len(plain_found),
            "dedup_sql_recall": round(plain_recall, 4),
            "dedup_sql_precision": round(plain_precision, 4),
            "load": round(os.getloadavg()[0], 2),
        }
        print(f"{'figure':<22}{'value':>40}")
        for name, value in figures.items():
            print(f"{name:<22}{value!s:>40}")
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        scratch_teardown(home, scratch, admin_url)


if __name__ == "__main__":
    main()
