# ruff: noqa: N999 - hyphenated command name, like the other `pingan` commands
"""`pingan export-regions [--format geojson|csv] [--root CODE] [-o FILE]`."""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pingan.regions.services import EXPORT_FORMATS, regions_export


class Command(BaseCommand):
    help = "导出区划和网格（默认 GeoJSON 到标准输出），文件可再用 import-regions 导入。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="geojson")
        parser.add_argument("--root", default=None, help="只导出该编码及其下级")
        parser.add_argument("-o", "--output", default=None, help="输出文件（默认标准输出）")

    def handle(self, *args, **options):
        output = options["output"]
        try:
            if output:
                # newline="" keeps CSV line endings exactly as the csv module writes them.
                with Path(output).open("w", encoding="utf-8", newline="") as out:
                    count = self._export(out, options)
                self.stderr.write(f"已导出 {count} 条到 {output}")
            else:
                self._export(self.stdout, options)
        except ValidationError as exc:
            messages = [m for ms in exc.message_dict.values() for m in ms]
            raise CommandError("；".join(messages)) from exc

    def _export(self, out, options) -> int:
        # BaseCommand's OutputWrapper appends "\n" to each write(); write to the raw stream.
        stream = getattr(out, "_out", out) if out is self.stdout else out
        if stream is sys.stdout and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")  # Chinese names whatever the locale
        return regions_export(actor=None, out=stream, fmt=options["format"], root=options["root"])
