"""`pingan demo`: migrate, build the demo county, print the logins, serve (DESIGN §6)."""

from __future__ import annotations

import io
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from pingan.accounts.roles import Role
from pingan.demo.accounts import DEFAULT_PASSWORD, summary_rows
from pingan.demo.builder import DEFAULT_SEED, DemoError, DemoResult, build_demo
from pingan.demo.serve import serve
from pingan.demo.sizes import SIZES

DEFAULT_PORT = 8000


def resolve_port(option: int | None) -> int:
    """--port, else $PORT, else 8000; a bad value is an error, not silently replaced."""
    raw = str(option) if option is not None else os.environ.get("PORT") or str(DEFAULT_PORT)
    port = int(raw) if raw.isdigit() else 0
    if not 0 < port < 65536:
        raise CommandError(f"端口无效：{raw}（应为 1–65535 的整数）")
    return port


class Command(BaseCommand):
    help = "生成示范县（示范省 99 / 示范市 9901 / 示范县 990101）及示范账户，并启动服务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small", help="示范规模")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="所有示范账户的密码")
        parser.add_argument("--no-serve", action="store_true", help="只生成数据，不启动服务")
        parser.add_argument("--port", type=int, help="端口（默认 $PORT 或 8000）")

    def handle(self, *args, **options) -> None:
        # Checked before building so a bad port changes nothing; irrelevant with --no-serve.
        port = None if options["no_serve"] else resolve_port(options["port"])
        self._migrate()
        self.stdout.write(f"正在生成示范县（规模 {options['size']}，种子 {options['seed']}）…")
        try:
            result = build_demo(
                size=options["size"], seed=options["seed"], password=options["password"]
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._seed_calendar()
        self._print_summary(result)
        if options["no_serve"]:
            return
        self.stdout.write(self.style.SUCCESS(f"Pingan demo running at http://127.0.0.1:{port}"))
        self.stdout.write(f"示范账户：{result.accounts_path}")
        serve(port)

    def _migrate(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("正在迁移数据库…")
            call_command("migrate", interactive=False, verbosity=0)

    def _seed_calendar(self) -> None:
        # Deadlines need the holiday table; seeding is idempotent (`pingan calendar seed`).
        call_command("calendar", "seed", stdout=io.StringIO())

    def _print_summary(self, result: DemoResult) -> None:
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"示范县已生成（{result.seconds:.1f} 秒）：{counts['towns']} 个乡镇街道、"
                f"{counts['villages']} 个村社区、{counts['grids']} 个网格、"
                f"{counts['microgrids']} 个微网格、{counts['departments']} 个部门、"
                f"{counts['accounts']} 个账户。"
            )
        )
        rows = [("用户名", "角色", "单位", "")]
        for account in summary_rows(result.accounts):
            note = "需动态验证码" if account.totp_secret else ""
            rows.append((account.username, str(Role(account.role).label), account.unit_name, note))
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(3)]
            self.stdout.write("  " + "  ".join(cells) + "  " + row[3])
        self.stdout.write(
            f"全部 {len(result.accounts)} 个账户（含每个乡镇的操作员和网格员）及动态验证码密钥见 "
            f"{result.accounts_path}；密码均为 {result.password}"
        )
        if result.open311_key:
            self.stdout.write(
                f"Open311 接入密钥（示范县）：{result.open311_key}"
                f"（已写入 {result.open311_key_path}）"
            )


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
