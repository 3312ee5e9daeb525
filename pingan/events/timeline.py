"""How events and disputes appear in the case timeline (`pingan.flow.timeline`).

History rows this app writes itself: a dispute's mediation attempts, its agreement and the
司法确认, and the two sides of a merge. Records kept outside the history: the reminder that
a 司法确认 window is ending (disputes) and uploaded attachments (every case).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.events.models_extra import (
    AgreementReminder,
    Attachment,
    MediationAttempt,
    MediationMethod,
    MediationResult,
)
from pingan.flow.models import Case, CaseAction
from pingan.flow.timeline import (
    TimelineEntry,
    register_history_step,
    register_timeline_source,
)

RESULT_TEXT = {
    MediationResult.SUCCESS: gettext_lazy("调解成功"),
    MediationResult.FAILURE: gettext_lazy("调解未成功"),
    MediationResult.PARTIAL: gettext_lazy("部分调解成功"),
}


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def mediation_summaries(case: Case, rows: list[CaseAction], names) -> dict[int, str]:
    """调解（人民调解，某村人民调解委员会，调解员 王某）：调解成功."""
    ids = [row.payload.get("mediation") for row in rows if row.payload.get("mediation")]
    attempts = {m.pk: m for m in MediationAttempt.objects.filter(case=case, pk__in=ids)}
    summaries = {}
    for row in rows:
        attempt = attempts.get(row.payload.get("mediation"))
        method = attempt.method if attempt else row.payload.get("method", "")
        result = attempt.result if attempt else row.payload.get("result", "")
        parts = [_label(MediationMethod, method)]
        if attempt:
            parts.append(attempt.organisation)
            if attempt.mediator:
                parts.append(_("调解员 %(name)s") % {"name": attempt.mediator})
        text = _("调解（%(how)s）：%(result)s") % {
            "how": "，".join(p for p in parts if p),
            "result": str(RESULT_TEXT.get(result, result)),
        }
        if attempt and attempt.mediated_on != timezone.localdate(row.created_at):
            text += _("（调解日期 %(date)s）") % {"date": attempt.mediated_on.isoformat()}
        summaries[row.seq] = text
    return summaries


def agreement_summaries(case: Case, rows: list[CaseAction], names) -> dict[int, str]:
    """达成调解协议（协议日期 …），司法确认申请截止 …"""
    summaries = {}
    for row in rows:
        agreed_on, deadline = _date(row.payload.get("agreed_on")), row.payload.get("deadline")
        text = _("达成调解协议")
        if agreed_on and agreed_on != timezone.localdate(row.created_at):
            text += _("（协议日期 %(date)s）") % {"date": agreed_on.isoformat()}
        if deadline:
            text += _("，司法确认申请截止 %(date)s") % {"date": deadline}
        if row.payload.get("confirmed"):
            text += _("，已司法确认")
        summaries[row.seq] = text
    return summaries


def _constant(text):
    def summaries(case: Case, rows: list[CaseAction], names) -> dict[int, str]:
        return {row.seq: str(text) for row in rows}

    return summaries


def merge_summaries(case: Case, rows: list[CaseAction], names) -> dict[int, str]:
    return {
        row.seq: _("合并到 %(number)s，本件办结") % {"number": row.payload.get("into", "")}
        for row in rows
    }


def merge_in_summaries(case: Case, rows: list[CaseAction], names) -> dict[int, str]:
    return {
        row.seq: _("重复事件 %(number)s 合并到本件") % {"number": row.payload.get("child", "")}
        for row in rows
    }


def reminder_entries(case: Case) -> list[TimelineEntry]:
    """The reminder that the agreement's 司法确认 window ends within 7 days."""
    rows = AgreementReminder.objects.filter(agreement__case=case).order_by("created_at", "id")
    return [
        TimelineEntry(
            kind="record",
            action="agreement_reminder",
            label=_("司法确认提醒"),
            summary=_("调解协议的司法确认申请期限 %(date)s 届满，已提醒承办单位")
            % {"date": row.deadline.isoformat()},
            actor=_("系统"),
            unit_code=row.holder_code,
            to_holder=row.holder_code,
            from_holder=row.holder_code,
            payload={"deadline": row.deadline.isoformat()},
            created_at=row.created_at,
        )
        for row in rows
    ]


def attachment_entries(case: Case) -> list[TimelineEntry]:
    """One entry per upload (the files one person sent at one moment)."""
    batches: dict[tuple, list[Attachment]] = {}
    for row in Attachment.objects.filter(case=case).select_related("uploaded_by").order_by("id"):
        batches.setdefault((row.uploaded_by_id, row.created_at), []).append(row)
    entries = []
    for (_user, created_at), files in batches.items():
        uploader = files[0].uploaded_by
        entries.append(
            TimelineEntry(
                kind="record",
                action="attachment",
                label=_("上传附件"),
                summary=_("上传 %(n)d 个附件：%(names)s")
                % {"n": len(files), "names": "、".join(f.original_name for f in files)},
                actor=(uploader.full_name or uploader.username) if uploader else _("群众"),
                payload={"attachments": [f.pk for f in files]},
                created_at=created_at,
            )
        )
    return entries


def register() -> None:
    """Called from `EventsConfig.ready`."""
    register_history_step("mediation", gettext_lazy("调解"), mediation_summaries)
    register_history_step("agreement", gettext_lazy("调解协议"), agreement_summaries)
    register_history_step(
        "agreement_confirm",
        gettext_lazy("司法确认"),
        _constant(gettext_lazy("调解协议已经司法确认")),
    )
    register_history_step("merge", gettext_lazy("合并重复事件"), merge_summaries)
    register_history_step("merge_in", gettext_lazy("并入重复事件"), merge_in_summaries)
    register_timeline_source(reminder_entries, case_types=("dispute",))
    register_timeline_source(attachment_entries)
