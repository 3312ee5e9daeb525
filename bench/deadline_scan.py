"""Deadline scan benchmark: `pingan.flow.deadlines.scan_deadlines` over 500,000 open cases.

    .venv/bin/python bench/deadline_scan.py [--cases 500000] [--seed N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/deadline_scan.py

Storage: with DATABASE_URL (PostgreSQL) a scratch database `pingan_bench_scan_<pid>` on that
server, created, migrated and dropped by this script; otherwise SQLite in a temporary
PINGAN_HOME. The open cases are bulk-inserted directly (no history rows: the scan reads
only the case table) with running "handle" clocks whose due points are spread uniformly
from one day ago to ten days ahead and warn points at 80 % of a 1–10 day limit. Everything
that crossed more than one scan period (30 s by default) ago is already marked, as the periodic task
would have left it; the crossings of the last minute are not, so the measured scan is the
steady-state one the minutely task runs. Then:

* `scan_seconds` — one `scan_deadlines(now=T)` (warn and due passes, cases and 协办);
* `rescan_seconds` — the same scan again (nothing left to mark: the pure query cost);
* `backlog_*` — after an hour without scans (every crossing of the last hour unmarked);
* `max_lag_seconds` — worst time from a crossing to its detection: a crossing just after a
  scan started waits one period (60 s / PINGAN_DEADLINE_SCANS_PER_MINUTE) for the next
  scan, which needs `scan_seconds`.

Prints a table (and the query plan of the candidate query), then one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
from pathlib import Path

from scratch import bulk_insert
from scratch import setup as scratch_setup
from scratch import teardown as scratch_teardown

ROOT = Path(__file__).resolve().parent.parent
# The scan period the deployment runs (pingan.flow.tasks: 60 s / scans per minute).
PERIOD = 60 // min(6, max(1, int(os.environ.get("PINGAN_DEADLINE_SCANS_PER_MINUTE", "2"))))


def insert_cases(n: int, now: dt.datetime, seed: int) -> dict:
    """Insert n open cases straight into the table (executemany on SQLite, COPY on PostgreSQL).

    Values of the columns that do not vary come from a model instance through Django's own
    conversion, so every NOT NULL column gets what the ORM would write.
    """
    from django.db import connection

    from pingan.flow.models import Case

    rng = random.Random(seed)
    counts = {"warned_before": 0, "overdue_before": 0}
    marked_before = now - dt.timedelta(seconds=PERIOD)
    template = Case(
        number="",
        case_type="event",
        state="handling",
        title="基准测试",
        category_code="0101",
        region_code="",
        holder_kind="region",
        holder_code="",
        clock_kind="handle",
        clock_seq=1,
        clock_basis="natural",
        created_at=now,
        updated_at=now,
    )
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    constant = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    index = {f.attname: i for i, f in enumerate(fields)}
    sqlite = connection.vendor == "sqlite"

    def when(value: dt.datetime):
        # Django stores naive UTC text in SQLite; psycopg adapts aware datetimes itself.
        return str(value.replace(tzinfo=None)) if sqlite else value

    def rows():
        for i in range(n):
            total = rng.uniform(1, 10) * 86400
            due = now + dt.timedelta(seconds=rng.uniform(-86400, 10 * 86400))
            start = due - dt.timedelta(seconds=total)
            warn = start + dt.timedelta(seconds=0.8 * total)
            warned, overdue = warn <= marked_before, due <= marked_before
            counts["warned_before"] += warned
            counts["overdue_before"] += overdue
            grid = f"990101{rng.randint(1, 20):03d}{rng.randint(1, 30):03d}{rng.randint(1, 5):03d}"
            row = list(constant)
            for name, value in (
                ("number", f"SJ990101BENCH{i:08d}"),
                ("region_code", grid),
                ("holder_code", grid[:9]),
                ("command_code", grid[:9]),
                ("clock_started_at", when(start)),
                ("clock_anchor_at", when(start)),
                ("clock_total_seconds", int(total)),
                ("clock_remaining_seconds", int(total)),
                ("warn_at", when(warn)),
                ("due_at", when(due)),
                ("is_warned", warned),
                ("is_overdue", overdue),
                ("created_at", when(start)),
                ("updated_at", when(start)),
            ):
                row[index[name]] = value
            yield row

    bulk_insert(Case._meta.db_table, columns, rows())
    return counts


def explain() -> str:
    from django.db import connection

    from pingan.flow.deadlines import _candidates
    from pingan.flow.models import Case

    now = dt.datetime.now(dt.UTC)
    qs = _candidates(Case, "due_at", "is_overdue", now)[:1000]
    sql, params = qs.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join("    " + " ".join(str(c) for c in row) for row in cursor.fetchall())


def unmark_since(since: dt.datetime) -> None:
    """Forget the marks of crossings after `since` (as if no scan had run since then)."""
    from pingan.flow.models import Case, ClockAlert

    ClockAlert.objects.filter(point_at__gt=since).delete()
    Case.objects.filter(warn_at__gt=since).update(is_warned=False)
    Case.objects.filter(due_at__gt=since).update(is_overdue=False)


def warm_task_queue() -> None:
    """Open the task queue as a running consumer already has it open: the scan hands its new
    alerts to the notify app as one queued task, and the fresh scratch home would otherwise
    charge the queue's one-time setup (file and tables) to the first scan."""
    from huey.contrib.djhuey import HUEY

    HUEY.pending_count()


def timed_scan(now: dt.datetime) -> tuple[float, object]:
    from pingan.flow.deadlines import scan_deadlines

    started = time.perf_counter()
    result = scan_deadlines(now=now)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    load = os.getloadavg()[0]
    home, scratch = scratch_setup("scan")
    try:
        from django.db import connection

        backend = connection.vendor
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.perf_counter()
        before = insert_cases(args.cases, now, args.seed)
        insert_seconds = time.perf_counter() - started
        if backend == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE flow_case")
        plan = explain()
        warm_task_queue()
        scan_seconds, result = timed_scan(now)
        rescan_seconds, again = timed_scan(now)
        unmark_since(now - dt.timedelta(hours=1))
        backlog_seconds, backlog = timed_scan(now)
    finally:
        scratch_teardown(home, scratch, admin_url)
    max_lag = PERIOD + scan_seconds
    figures = {
        "backend": backend,
        "open_cases": args.cases,
        "scan_seconds": round(scan_seconds, 3),
        "warn_flagged": result.warn,
        "due_flagged": result.due,
        "rows_flagged": result.warn + result.due,
        "rescan_seconds": round(rescan_seconds, 3),
        "rescan_flagged": again.warn + again.due,
        "backlog_seconds": round(backlog_seconds, 3),
        "backlog_flagged": backlog.warn + backlog.due,
        "max_lag_seconds": round(max_lag, 3),
        "scan_period_seconds": PERIOD,
        "insert_seconds": round(insert_seconds, 1),
    }
    print("Deadline scan benchmark")
    print(f"  machine              {os.cpu_count()} CPUs, load average {load:.1f} at start")
    print(f"  backend              {backend}")
    print(f"  open cases           {args.cases:,} (inserted in {insert_seconds:.1f} s)")
    print(
        f"  already marked       {before['warned_before']:,} warned, "
        f"{before['overdue_before']:,} overdue"
    )
    print(
        f"  steady scan          {scan_seconds:.3f} s, "
        f"flagged {result.warn} warn + {result.due} due"
    )
    print(f"  repeated scan        {rescan_seconds:.3f} s, flagged {again.warn + again.due}")
    print(
        f"  backlog (1 h) scan   {backlog_seconds:.3f} s, flagged "
        f"{backlog.warn} warn + {backlog.due} due"
    )
    print(f"  max detection lag    {max_lag:.1f} s (period {PERIOD} s + scan)")
    print("  candidate query plan (due pass):")
    print(plan)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
