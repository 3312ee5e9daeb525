"""A throw-away Pingan installation for benchmarks: temp PINGAN_HOME, and with DATABASE_URL a
scratch PostgreSQL database that `teardown` drops again."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def setup(name: str) -> tuple[str, str | None]:
    """Point Django at a fresh home (and database), migrate it; returns (home, scratch db)."""
    home = tempfile.mkdtemp(prefix=f"pingan-bench-{name}-")
    os.environ["PINGAN_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.settings")
    scratch = None
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import psycopg

        scratch = f"pingan_bench_{name}_{os.getpid()}"
        parts = urlsplit(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {scratch}")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return home, scratch


def teardown(home: str, scratch: str | None, admin_url: str) -> None:
    from django.db import connections

    connections.close_all()
    if scratch:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
    shutil.rmtree(home, ignore_errors=True)


def bulk_insert(table: str, columns: list[str] | tuple[str, ...], rows) -> None:
    """Insert many rows fast in one transaction: executemany on SQLite, COPY on PostgreSQL."""
    from django.db import connection, transaction

    names = ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            cursor.connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        else:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
