"""Excel export of the current (filtered) case list, audited as ``cases.export``."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.command.filters import CaseFilters
from pingan.command.selectors import EXPORT_ROW_CAP, case_rows, filtered_cases

BATCH = 2000


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def cases_export(*, actor: Actor, filters: CaseFilters) -> tuple[bytes, int]:
    """The filtered list as .xlsx bytes and the number of rows written.

    Permission: whoever may read the list (rows come from the actor's scoped inbox). Side
    effect: one audit record ``cases.export`` with the filters and the row count. The first
    row of the sheet names the exporter and the time; at most EXPORT_ROW_CAP rows.
    """
    now = timezone.now()
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("案件列表")
    who = actor.user.full_name or actor.user.username
    unit = actor.position.unit_name if actor.position else ""
    sheet.append(
        [
            _("导出人：%(who)s（%(unit)s）  导出时间：%(time)s")
            % {
                "who": who,
                "unit": unit,
                "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
            }
        ]
    )
    headers = [
        _("编号"),
        _("类别"),
        _("标题"),
        _("当前承办单位"),
        _("状态"),
        _("紧急程度"),
        _("督办"),
        _("到期时间"),
        _("时限状态"),
        _("上报时间"),
    ]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    cases = filtered_cases(actor, filters)
    written = 0
    ids = list(cases.values_list("id", flat=True)[:EXPORT_ROW_CAP])
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        by_id = {c.id: c for c in cases.model.objects.filter(id__in=chunk)}
        for row in case_rows([by_id[i] for i in chunk if i in by_id]):
            c = row.case
            sheet.append(
                [
                    c.number,
                    row.category_name,
                    c.title,
                    row.holder_name,
                    row.state_label,
                    c.get_urgency_display(),
                    c.get_supervision_level_display() if c.supervision_level else "",
                    _local(c.due_at),
                    row.light_label,
                    _local(c.created_at),
                ]
            )
            written += 1
    for column, width in zip("ABCDEFGHIJ", (26, 16, 36, 22, 10, 8, 10, 17, 8, 17), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="cases.export",
            object_type="flow.case",
            object_id="",
            region_code=filters.region or (actor.scope_code or ""),
            ip=actor.ip,
            detail={"box": filters.box, "filters": filters.query(), "rows": written},
        )
    return buffer.getvalue(), written
