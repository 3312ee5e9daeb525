"""`pingan audit verify` and `pingan audit purge` (docs/operations/audit.md)."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pingan.audit.services import (
    AuditChainBroken,
    purge_audit,
    purge_candidates,
    purge_cutoff,
    record_verification,
    retention_days,
)
from pingan.audit.verify import parse_checkpoint, verify_chain


def cli_username() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:150]
    except (OSError, KeyError):  # no passwd entry (containers)
        return "cli"


def _parse_before(value: str) -> datetime:
    """`YYYY-MM-DD` (start of that day, local time) or an ISO datetime."""
    try:
        if len(value) == 10:
            return timezone.make_aware(datetime.combine(date.fromisoformat(value), time.min))
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"无法识别的时间“{value}”，请用 YYYY-MM-DD 或 ISO 时间格式。") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "审计链校验（verify）与过期审计记录清理（purge）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,purge}")
        verify = sub.add_parser(
            "verify", help="校验审计哈希链，报告第一处断裂；完整时退出码 0，断裂时 1。"
        )
        verify.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="同时核对此前在库外记下的检查点（例如上次校验输出的链头）。",
        )
        verify.add_argument(
            "--json", action="store_true", dest="as_json", help="以 JSON 输出结果。"
        )
        verify.add_argument(
            "--no-record", action="store_true", help="不把本次校验结果写入审计日志。"
        )
        verify.add_argument("--batch-size", type=int, default=2000)
        purge = sub.add_parser("purge", help="删除超过保留期的最早审计记录（至少保留 180 天）。")
        when = purge.add_mutually_exclusive_group()
        when.add_argument("--before", help="删除此时间之前的记录：YYYY-MM-DD 或 ISO 时间。")
        when.add_argument(
            "--older-than-days", type=int, help="删除早于 N 天的记录（N ≥ 保留天数）。"
        )
        purge.add_argument("--dry-run", action="store_true", help="只统计将删除的记录，不删除。")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            return self._verify(**options)
        return self._purge(**options)

    def _verify(self, *, expect, as_json, no_record, batch_size, **options):
        checkpoint = None
        if expect:
            try:
                checkpoint = parse_checkpoint(expect)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if batch_size < 1:
            raise CommandError("--batch-size 必须为正整数。")
        result = verify_chain(expect=checkpoint, batch_size=batch_size)
        if not no_record:
            record_verification(result, actor=None, username=cli_username())
        if as_json:
            self.stdout.write(_json(result.as_detail()))
        else:
            self.stdout.write(result.summary())
            if result.ok:
                self.stdout.write(f"checkpoint: {result.head_seq}:{result.head_hash}")
            if result.extra.get("checkpoint") == "purged":
                self.stdout.write("检查点已在清理范围内，无法核对。")
        if not result.ok:
            raise CommandError(
                f"audit chain broken at seq {result.broken.seq} ({result.broken.code})",
                returncode=1,
            )

    def _purge(self, *, before, older_than_days, dry_run, **options):
        if older_than_days is not None:
            cutoff = timezone.now() - timedelta(days=older_than_days)
        elif before:
            cutoff = _parse_before(before)
        else:
            cutoff = purge_cutoff()
        if dry_run:
            count, first, last = purge_candidates(cutoff)
            span = f"（序号 {first}–{last}）" if count else ""
            self.stdout.write(f"将删除 {count} 条 {_local(cutoff)} 之前的审计记录{span}。")
            return
        try:
            result = purge_audit(actor=None, before=cutoff, username=cli_username())
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except AuditChainBroken as exc:
            raise CommandError(str(exc)) from exc
        if result.deleted:
            self.stdout.write(
                f"已删除 {result.deleted} 条 {_local(cutoff)} 之前的审计记录"
                f"（序号 {result.first_seq}–{result.last_seq}），保留期 {retention_days()} 天；"
                f"新锚点 {result.anchor_seq}:{result.anchor_hash}。"
            )
        else:
            self.stdout.write(f"没有 {_local(cutoff)} 之前的审计记录需要删除。")


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
