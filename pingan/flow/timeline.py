"""The case timeline (办理过程) as people read it: every entry with a Chinese label, a one-line
summary and Chinese state labels. The command-centre page and the cases API show the same
entries.

Three kinds of entry:
- ``action``: a history row of an engine action (and the report), labelled by the case type;
- ``step``: a history row a module writes itself (a dispute's mediation, a merge); modules
  register its label and summary with `register_history_step`;
- ``record``: not a history row but something that happened to the case and is kept in
  another table (a 司法确认 reminder, uploaded attachments); modules add them with
  `register_timeline_source`. They have no ``seq`` and are placed by time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.flow.models import Case, CaseAction, Satisfaction, SupervisionLevel
from pingan.flow.types import CaseType, get_case_type
from pingan.flow.units import unit_names

Names = dict[str, str]
# Summaries of one step code for one case: {seq: summary}. Called once per case and code.
StepSummaries = Callable[[Case, list[CaseAction], Names], dict[int, str]]
# Extra entries for a case (its reminders, its uploads…), with the unit codes they name.
TimelineSource = Callable[[Case], list["TimelineEntry"]]

REPORT_LABEL = gettext_lazy("上报")
FALLBACK_LABEL = gettext_lazy("其他记录")


@dataclass
class TimelineEntry:
    kind: str  # "action" | "step" | "record"
    action: str
    label: str
    created_at: dt.datetime
    summary: str = ""
    seq: int | None = None
    actor: str = ""
    unit_code: str = ""
    role: str = ""
    from_state: str = ""
    to_state: str = ""
    from_state_label: str = ""
    to_state_label: str = ""
    from_holder: str = ""
    to_holder: str = ""
    note: str = ""
    payload: dict = field(default_factory=dict)

    @property
    def moved(self) -> bool:
        """The case went to another unit with this entry."""
        return bool(self.from_holder) and self.from_holder != self.to_holder


@dataclass(frozen=True)
class HistoryStep:
    code: str
    label: Any  # a lazy translation
    summarize: StepSummaries | None = None


_steps: dict[str, HistoryStep] = {}
_sources: list[tuple[frozenset[str] | None, TimelineSource]] = []


def register_history_step(code: str, label: Any, summarize: StepSummaries | None = None) -> None:
    """Declare a history code a module writes itself (not an engine action)."""
    _steps[code] = HistoryStep(code, label, summarize)


def register_timeline_source(source: TimelineSource, case_types: Iterable[str] | None = None):
    """Add entries kept outside the history, for the given case types (None: every type)."""
    types = frozenset(case_types) if case_types is not None else None
    if not any(existing is source for _, existing in _sources):
        _sources.append((types, source))


def history_labels(case_type: CaseType) -> dict[str, str]:
    """Label of every history code a case of this type may have."""
    labels = {code: str(step.label) for code, step in _steps.items()}
    labels.update({code: str(spec.label) for code, spec in case_type.actions.items()})
    labels["report"] = str(REPORT_LABEL)
    return labels


def local_time(value: dt.datetime | str | None) -> str:
    """'2026-03-02 09:30' in local time, from a datetime or an ISO string (payloads)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M")


def actor_name(row: CaseAction) -> str:
    if row.actor is not None:
        return row.actor.full_name or row.actor.username
    return _("群众") if row.role == "citizen" else _("系统")


def _payload_units(row: CaseAction) -> set[str]:
    payload = row.payload or {}
    codes = {row.unit_code, row.from_holder, row.to_holder}
    for key in ("unit", "department", "approver", "verifier"):
        if isinstance(payload.get(key), str):
            codes.add(payload[key])
    for key in ("assist", "units"):
        value = payload.get(key)
        if isinstance(value, list):
            codes |= {c for c in value if isinstance(c, str)}
        elif isinstance(value, str):
            codes.add(value)
    return codes


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def action_summary(row: CaseAction, names: Names, state_label: Callable[[str], str]) -> str:
    """One line saying what an engine action did, from its history row."""
    p = row.payload or {}

    def name(code: str) -> str:
        return names.get(code, code)

    def units(key: str) -> str:
        value = p.get(key) or []
        return "、".join(name(c) for c in ([value] if isinstance(value, str) else value))

    action = row.action
    if action in ("report", "escalate"):
        return _("上报至%(unit)s") % {"unit": name(row.to_holder)}
    if action == "assign":
        return _("交办至%(unit)s") % {"unit": name(row.to_holder)}
    if action == "transfer":
        return _("转办至%(unit)s") % {"unit": name(row.to_holder)}
    if action == "dispatch":
        text = _("派遣至%(unit)s") % {"unit": name(row.to_holder)}
        if p.get("assist"):
            text += _("，协办：%(units)s") % {"units": units("assist")}
        return text
    if action == "add_assist":
        return _("协办单位：%(units)s") % {"units": units("units")}
    if action == "return":
        if p.get("direction") == "down":
            return _("退回%(unit)s办理") % {"unit": name(row.to_holder)}
        return _("退回%(unit)s，待其受理或重新交办") % {"unit": name(row.to_holder)}
    if action == "request_extension":
        return _("申请延期至 %(due)s，由%(unit)s审批") % {
            "due": local_time(p.get("due_at")),
            "unit": name(p.get("approver", "")),
        }
    if action == "approve_extension":
        return _("期限由 %(old)s 延至 %(new)s") % {
            "old": local_time(p.get("previous_due_at")),
            "new": local_time(p.get("due_at")),
        }
    if action == "deny_extension":
        return _("不同意延期至 %(due)s") % {"due": local_time(p.get("due_at"))}
    if action == "resume":
        return _("恢复为%(state)s") % {"state": state_label(row.to_state)}
    if action == "feedback":
        if p.get("assist"):
            return _("%(unit)s协办反馈") % {"unit": name(p["assist"])}
        return _("办结反馈，交%(unit)s核查") % {"unit": name(row.to_holder)}
    if action == "verify_pass":
        return _("核查通过，交%(unit)s结案") % {"unit": name(row.to_holder)}
    if action == "verify_fail":
        return _("核查不通过，第 %(n)s 次返工，退回%(unit)s") % {
            "n": p.get("rework", ""),
            "unit": name(row.to_holder),
        }
    if action == "callback":
        text = _("满意度：%(value)s") % {
            "value": _choice_label(Satisfaction, p.get("satisfaction", ""))
        }
        if p.get("reopened"):
            text += _("，重新办理")
        return text
    if action == "supervise":
        return _("%(level)s%(points)s，%(due)s 前回复") % {
            "level": _choice_label(SupervisionLevel, p.get("level", "")),
            "points": _("，扣 %(n)s 分") % {"n": p["penalty_points"]}
            if p.get("penalty_points")
            else "",
            "due": local_time(p.get("response_due_at")),
        }
    if action == "mark_urgent":
        return _("设为加急") if p.get("urgent", True) else _("取消加急")
    return ""


def case_timeline_entries(
    case: Case, rows: list[CaseAction], names: Names | None = None
) -> list[TimelineEntry]:
    """The timeline of `case` from its history `rows` (ordered by seq) plus module records.

    `names` (unit code → name) is filled in place with every unit an entry names, so the
    caller can show holders of records too. Reads: the history's extra rows per step code
    and one query per registered source, plus one unit-name lookup when names are missing.
    """
    names = {} if names is None else names
    case_type = get_case_type(case.case_type)
    records: list[TimelineEntry] = []
    for types, source in _sources:
        if types is None or case.case_type in types:
            records.extend(source(case))
    wanted: set[str] = set()
    for row in rows:
        wanted |= _payload_units(row)
    wanted |= {r.unit_code for r in records} | {r.to_holder for r in records}
    missing = {code for code in wanted if code and code not in names}
    if missing:
        names.update(unit_names(missing))
    by_step: dict[str, list[CaseAction]] = {}
    for row in rows:
        if row.action in _steps and row.action not in case_type.actions:
            by_step.setdefault(row.action, []).append(row)
    step_summaries: dict[int, str] = {}
    for code, step_rows in by_step.items():
        summarize = _steps[code].summarize
        if summarize is not None:
            step_summaries.update(summarize(case, step_rows, names))
    labels = history_labels(case_type)
    entries = []
    for row in rows:
        is_action = row.action == "report" or row.action in case_type.actions
        entries.append(
            TimelineEntry(
                kind="action" if is_action else "step",
                action=row.action,
                label=labels.get(row.action, str(FALLBACK_LABEL)),
                summary=action_summary(row, names, case_type.state_label)
                if is_action
                else step_summaries.get(row.seq, ""),
                seq=row.seq,
                actor=actor_name(row),
                unit_code=row.unit_code,
                role=row.role,
                from_state=row.from_state,
                to_state=row.to_state,
                from_state_label=case_type.state_label(row.from_state) if row.from_state else "",
                to_state_label=case_type.state_label(row.to_state) if row.to_state else "",
                from_holder=row.from_holder,
                to_holder=row.to_holder,
                note=row.note,
                payload=row.payload or {},
                created_at=row.created_at,
            )
        )
    return _merge(entries, records)


def _merge(history: list[TimelineEntry], records: list[TimelineEntry]) -> list[TimelineEntry]:
    """History in seq order with each record after the last history entry not later than it."""
    if not records:
        return history
    records = sorted(records, key=lambda r: r.created_at)
    merged: list[TimelineEntry] = []
    pending = iter(records)
    upcoming = next(pending, None)
    for entry in history:
        while upcoming is not None and upcoming.created_at < entry.created_at:
            merged.append(upcoming)
            upcoming = next(pending, None)
        merged.append(entry)
    while upcoming is not None:
        merged.append(upcoming)
        upcoming = next(pending, None)
    return merged
