"""Registry import benchmark: a 100,000-row .xlsx through the real import service.

    .venv/bin/python bench/registry_import.py [--rows 100000] [--seed N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/registry_import.py

Builds the demo county (`pingan demo`'s builder) in a scratch database — a temporary
PINGAN_HOME with SQLite, or with DATABASE_URL a scratch PostgreSQL database created and
dropped by this script — then writes an .xlsx of `--rows` people (valid GB 11643 ID numbers
with check characters, phones, ethnicity labels, grid codes of the demo county, 户籍
attributes) and imports it as the county operator: once as a dry run, once committed
(`registry_import`, the code behind POST /api/v1/registry/imports/). Both timings include
reading the file. Prints a table, then one JSON line: rows, seconds (commit),
dry_run_seconds, backend.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅林海燕云飞鹏辉成文德荣春兴福"
ETHNICITIES = ["汉族"] * 8 + ["彝族", "苗族"]


def _scratch_postgres(url: str) -> tuple[str, callable]:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"pingan_bench_import_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return make_conninfo(**{**conninfo_to_dict(url), "dbname": name}), drop


def _postgres_url(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    d = conninfo_to_dict(conninfo)
    auth = d.get("user", "postgres") + (f":{d['password']}" if d.get("password") else "")
    return f"postgres://{auth}@{d.get('host', '127.0.0.1')}:{d.get('port', 5432)}/{d['dbname']}"


def make_rows(n: int, grids: list[str], seed: int) -> list[list]:
    from pingan.core.idnumber import check_character

    rng = random.Random(seed)
    rows = []
    start = date(1940, 1, 1)
    for i in range(n):
        birth = start + timedelta(days=(i * 7919) % 25000)
        first17 = f"990101{birth:%Y%m%d}{i // 25000 % 1000:03d}"
        number = first17 + check_character(first17)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if i % 3 else ""
        grid = grids[i % len(grids)]
        rows.append(
            [
                name,
                number,
                phone,
                rng.choice(ETHNICITIES),
                f"示范路{i % 900 + 1}号{i % 7 + 1}栋",
                grid,
                f"H{i // 3:06d}",
                "本人（户主）" if i % 3 == 0 else rng.choice(["配偶", "子", "女"]),
            ]
        )
    return rows


def write_xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("导入模板")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(rows: int, seed: int, profile: bool = False) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    from pingan.accounts.models import Position
    from pingan.accounts.roles import Role
    from pingan.accounts.scope import Actor
    from pingan.demo.builder import build_demo
    from pingan.regions.models import Region, RegionLevel
    from pingan.registry.imports.services import registry_import
    from pingan.registry.models import Card, Person

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_demo(size="small", seed=seed, home=Path(os.environ["PINGAN_HOME"]))
    timings["setup_s"] = time.perf_counter() - started
    position = Position.objects.filter(role=Role.COUNTY_OPERATOR).select_related("user").first()
    actor = Actor(user=position.user, position=position)
    grids = list(
        Region.objects.filter(
            code__startswith=position.region_id, level=RegionLevel.GRID
        ).values_list("code", flat=True)
    )
    header = [
        "姓名",
        "公民身份号码",
        "联系电话",
        "民族",
        "现住址",
        "所属网格",
        "户号",
        "与户主关系",
    ]
    started = time.perf_counter()
    content = write_xlsx(header, make_rows(rows, grids, seed))
    timings["write_xlsx_s"] = time.perf_counter() - started
    before = Person.objects.count()

    started = time.perf_counter()
    preview = registry_import(
        actor=actor, kind="household", mode="skip", filename="bench.xlsx", content=content
    )
    timings["dry_run_s"] = time.perf_counter() - started
    assert preview.status == "preview", preview.result["errors"][:5]

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    job = registry_import(
        actor=actor,
        kind="household",
        mode="skip",
        filename="bench.xlsx",
        content=content,
        dry_run=False,
    )
    timings["commit_s"] = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    assert job.status == "committed", job.result["errors"][:5]
    created = Person.objects.count() - before
    assert created == rows, (created, rows)
    assert Card.objects.filter(kind="household").count() >= rows
    return {
        "rows": rows,
        "load_average": os.getloadavg()[0],
        "grids": len(grids),
        "file_mb": len(content) / 1e6,
        "backend": connection.vendor,
        **timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--profile", action="store_true", help="cProfile the commit (stderr)")
    args = parser.parse_args()
    home = tempfile.TemporaryDirectory(prefix="pingan-bench-import-")
    os.environ["PINGAN_HOME"] = home.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.settings")
    drop = None
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith("postgres"):
        conninfo, drop = _scratch_postgres(base_url)
        os.environ["DATABASE_URL"] = _postgres_url(conninfo)
    try:
        result = run(args.rows, args.seed, args.profile)
    finally:
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
        home.cleanup()
    print(f"{'registry import':<28}{'value':>14}")
    print("-" * 42)
    print(f"{'backend':<28}{result['backend']:>14}")
    print(f"{'rows':<28}{result['rows']:>14,}")
    print(f"{'grids in demo county':<28}{result['grids']:>14,}")
    print(f"{'load average (1 min)':<28}{result['load_average']:>14.1f}")
    print(f"{'xlsx size (MB)':<28}{result['file_mb']:>14.1f}")
    print(f"{'demo build (s)':<28}{result['setup_s']:>14.1f}")
    print(f"{'write xlsx (s)':<28}{result['write_xlsx_s']:>14.1f}")
    print(f"{'dry run (s)':<28}{result['dry_run_s']:>14.1f}")
    print(f"{'commit (s)':<28}{result['commit_s']:>14.1f}")
    print(f"{'commit rows/s':<28}{result['rows'] / result['commit_s']:>14,.0f}")
    print(
        json.dumps(
            {
                "rows": result["rows"],
                "seconds": round(result["commit_s"], 2),
                "dry_run_seconds": round(result["dry_run_s"], 2),
                "backend": result["backend"],
                "load_average": round(result["load_average"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
