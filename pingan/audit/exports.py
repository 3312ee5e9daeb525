"""CSV export of audit records: a header line naming the exporter, then one row per record."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.accounts.scope import Actor
from pingan.audit.models import AuditRecord

COLUMNS = (
    gettext_lazy("序号"),
    gettext_lazy("时间"),
    gettext_lazy("操作人"),
    gettext_lazy("岗位"),
    gettext_lazy("动作"),
    gettext_lazy("对象类型"),
    gettext_lazy("对象编号"),
    gettext_lazy("区划"),
    gettext_lazy("IP"),
    gettext_lazy("结果"),
    gettext_lazy("详情"),
    gettext_lazy("哈希"),
)
# A cell starting with one of these is a formula in Excel/WPS ("CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def header_line(actor: Actor, filters: dict, count: int) -> list[str]:
    position = str(actor.position) if actor.position else ""
    name = actor.user.full_name or actor.user.username
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z")
    conditions = json.dumps(filters, ensure_ascii=False, sort_keys=True) if filters else _("无")
    return [
        _(
            "# 审计日志导出；导出人：%(name)s（%(username)s，%(position)s）；导出时间：%(at)s；"
            "筛选条件：%(filters)s；共 %(count)d 条"
        )
        % {
            "name": name,
            "username": actor.user.username,
            "position": position,
            "at": stamp,
            "filters": conditions,
            "count": count,
        }
    ]


def csv_lines(header: list[str], records: Iterable[AuditRecord]) -> Iterator[str]:
    """UTF-8 with BOM so Excel and WPS open the Chinese text correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([_cell(v) for v in header])
    yield writer.writerow([str(c) for c in COLUMNS])
    for r in records:
        yield writer.writerow(
            [
                _cell(v)
                for v in (
                    r.seq,
                    timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    r.actor_username,
                    r.position_id,
                    r.action,
                    r.object_type,
                    r.object_id,
                    r.region_code,
                    r.ip,
                    r.outcome,
                    json.dumps(r.detail, ensure_ascii=False, sort_keys=True),
                    r.hash,
                )
            ]
        )
