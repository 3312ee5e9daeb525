"""`pingan calendar seed | import FILE [--year Y] [--dry-run] | show [YEAR]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pingan.workdays import selectors, services
from pingan.workdays.importing import CalendarDataError, clean_days, infer_year, parse_file


class Command(BaseCommand):
    help = "维护工作日历：seed 载入 chinesecalendar 各年；import 导入一年的安排；show 查看。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seed", help="载入 chinesecalendar 已知的全部年份（可重复运行）")
        imp = sub.add_parser("import", help="导入一年的放假安排（CSV 或 JSON：date,kind,name）")
        imp.add_argument("file", type=Path)
        imp.add_argument("--year", type=int, help="年份（缺省时由文件中的日期推断）")
        imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        show = sub.add_parser("show", help="列出各年状态，或显示一年的放假日和调休上班日")
        show.add_argument("year", type=int, nargs="?")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    def _seed(self, **options) -> None:
        result = services.calendar_seed(actor=None)
        self.stdout.write(
            f"新增 {len(result.created)} 年，更新 {len(result.updated)} 年，"
            f"未变 {len(result.unchanged)} 年，跳过（管理员录入）{len(result.skipped)} 年"
        )
        if result.skipped:
            self.stdout.write("跳过：" + ", ".join(map(str, result.skipped)))

    def _import(self, *, file: Path, year: int | None, dry_run: bool, **options) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from exc
        try:
            parsed = parse_file(content, file.name)
            year = year or parsed.year_hint or infer_year(parsed.rows)
            if year is None:
                raise CommandError("无法从文件推断年份，请用 --year 指定")
            rows = clean_days(year, parsed.rows)
            if dry_run:
                self.stdout.write(f"检查通过：{year} 年 {len(rows)} 天（未写入）")
                return
            result = services.calendar_year_import(actor=None, year=year, days=rows)
        except CalendarDataError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(exc.errors)} 处错误，未做任何改动") from exc
        if result.changed:
            self.stdout.write(
                f"已导入 {year} 年正式安排：放假 {result.holidays} 天，"
                f"调休上班 {result.workdays} 天"
            )
        else:
            self.stdout.write(f"{year} 年正式安排与文件一致，没有变化")

    def _show(self, *, year: int | None, **options) -> None:
        if year is None:
            for s in selectors.year_summaries():
                self.stdout.write(
                    f"{s.year}  {s.status:<11} {s.source:<15} "
                    f"放假 {s.holidays:>2}  调休上班 {s.workdays}"
                )
            return
        s = selectors.year_summary(year)
        self.stdout.write(f"{year} 年：{s.status}（{s.source}）")
        for day in selectors.special_days(year):
            kind = "休" if day["kind"] == "holiday" else "班"
            self.stdout.write(f"{day['date'].isoformat()}  {kind}  {day['name']}")
