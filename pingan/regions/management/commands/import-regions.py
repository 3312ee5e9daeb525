# ruff: noqa: N999 - hyphenated command name, like the other `pingan` commands
"""`pingan import-regions FILE [--dry-run] [--crs wgs84|gcj02|cgcs2000] [--format …]`."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pingan.regions.formats import FORMATS, FileFormatError, read_rows
from pingan.regions.geometry import CRS_CHOICES
from pingan.regions.services import regions_import


class Command(BaseCommand):
    help = (
        "导入区划和网格（GeoJSON FeatureCollection 或 CSV: code,name,level,geometry[WKT]）。"
        "全部成功才写入；有错误时逐行报告并以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON 或 CSV 文件（UTF-8），- 表示标准输入")
        parser.add_argument("--dry-run", action="store_true", help="只校验并汇总，不写入")
        parser.add_argument(
            "--crs", choices=CRS_CHOICES, default="wgs84", help="输入坐标系（默认 wgs84）"
        )
        parser.add_argument(
            "--format", choices=FORMATS, default=None, help="文件格式（默认按扩展名/内容识别）"
        )

    def handle(self, *args, **options):
        name = options["file"]
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"文件不存在：{name}")
            data = path.read_bytes()
        try:
            rows = read_rows(data, name=name, fmt=options["format"])
        except FileFormatError as exc:
            raise CommandError(exc.message) from exc
        report = regions_import(
            actor=None,
            rows=rows,
            dry_run=options["dry_run"],
            crs=options["crs"],
            source=Path(name).name,
        )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"警告 {warning}"))
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"错误 {error}"))
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
