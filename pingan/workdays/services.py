"""Writes to the holiday table. Only system admins (or the CLI, `actor=None`) may call these.

Every change is one transaction that ends with an audit record. On commit the calendar
cache of this process is dropped and `recompute_provisional_deadlines(year)` is queued, so
open deadlines that crossed the year are recomputed by the registered recomputers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.workdays import calendar, rules, seed
from pingan.workdays.importing import (
    CalendarDataError,
    RowError,
    check_year,
    clean_days,
    day_problem,
    parse_kind,
    rows_from_items,
)
from pingan.workdays.models import (
    DayKind,
    ScheduleSource,
    ScheduleStatus,
    SpecialDay,
    YearSchedule,
)

AUDIT_OBJECT = "calendar_year"


@dataclass(frozen=True)
class ImportResult:
    year: int
    changed: bool
    was_official: bool
    holidays: int
    workdays: int


@dataclass
class SeedResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # entered by an admin: never overwritten


def can_manage_calendar(actor: Actor | None) -> bool:
    """System admins maintain the calendar; `None` is the trusted command line."""
    return actor is None or actor.has_role(Role.SYSTEM_ADMIN)


def require_calendar_admin(actor: Actor | None) -> None:
    """Raise PermissionDenied, audited as ``permission.denied``, unless the actor may manage
    the calendar. Call it before opening a transaction so the audit record survives."""
    if can_manage_calendar(actor):
        return
    audit_log(
        actor=actor,
        action="permission.denied",
        object_type=AUDIT_OBJECT,
        ip=actor.ip,
        outcome="denied",
        detail={"reason": "not_system_admin", "role": actor.role or ""},
    )
    raise PermissionDenied(_("只有系统管理员可以维护工作日历。"))


def _after_change(years: Iterable[int]) -> None:
    """On commit: drop this process's cached tables and queue the recomputation per year."""
    from pingan.workdays.tasks import recompute_provisional_deadlines

    def run() -> None:
        calendar.reset_cache()
        for year in sorted(set(years)):
            recompute_provisional_deadlines(year)

    transaction.on_commit(run)


def _rows_of(year: int) -> set[tuple[date, str, str]]:
    return set(SpecialDay.objects.filter(year=year).values_list("date", "kind", "name"))


def _replace_rows(year: int, rows: Iterable[tuple[date, str, str]]) -> None:
    SpecialDay.objects.filter(year=year).delete()
    SpecialDay.objects.bulk_create(
        SpecialDay(date=d, kind=k, name=n, year=year) for d, k, n in sorted(rows)
    )


def _save_schedule(
    schedule: YearSchedule | None, year: int, *, status: str, source: str, actor: Actor | None
) -> YearSchedule:
    schedule = schedule or YearSchedule(year=year)
    schedule.status, schedule.source = status, source
    schedule.entered_at = timezone.now()
    schedule.entered_by = actor.user if actor else None
    schedule.save()
    return schedule


def _counts(rows: Iterable[tuple[date, str, str]]) -> tuple[int, int]:
    kinds = [k for _, k, _ in rows]
    return kinds.count(DayKind.HOLIDAY), kinds.count(DayKind.WORKDAY)


def calendar_year_import(
    *,
    actor: Actor | None,
    year: int,
    days: Iterable[Any],
    source: str = ScheduleSource.IMPORT,
) -> ImportResult:
    """Enter the official schedule of `year`, replacing whatever the year had.

    `days` are mappings or rows with `date`, `kind` (holiday/workday or 休/班) and `name`.
    All rows are checked first; any problem raises `CalendarDataError` (row-level Chinese
    messages) and nothing changes. Entering the same official schedule again is a no-op
    (no audit record, no recomputation). Otherwise the year becomes official, the change is
    audited, and open deadlines of the year are recomputed after commit.
    Permission: system admin, or the command line (`actor=None`).
    """
    require_calendar_admin(actor)
    check_year(year)
    rows = {(r.date, r.kind, r.name) for r in clean_days(year, rows_from_items(days))}
    with transaction.atomic():
        schedule = YearSchedule.objects.select_for_update().filter(year=year).first()
        before = _rows_of(year)
        was_official = bool(schedule and schedule.is_official)
        holidays, workdays = _counts(rows)
        if was_official and before == rows:
            return ImportResult(year, False, True, holidays, workdays)
        _replace_rows(year, rows)
        _save_schedule(schedule, year, status=ScheduleStatus.OFFICIAL, source=source, actor=actor)
        _audit(
            actor,
            "calendar.year_import",
            str(year),
            {
                "source": source,
                "status_before": schedule.status if schedule else "none",
                "holidays": holidays,
                "workdays": workdays,
                "added": _describe(rows - before),
                "removed": _describe(before - rows),
            },
        )
        _after_change([year])
    return ImportResult(year, True, was_official, holidays, workdays)


def _audit(actor: Actor | None, action: str, object_id: str, detail: dict) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type=AUDIT_OBJECT,
        object_id=object_id,
        ip=actor.ip if actor else None,
        detail=detail,
        username="" if actor else "cli",
    )


def _state(day: SpecialDay | None) -> dict | None:
    return {"kind": day.kind, "name": day.name} if day else None


def _describe(rows: Iterable[tuple[date, str, str]]) -> list[str]:
    return [f"{d.isoformat()} {k} {n}" for d, k, n in sorted(rows)]


def _lock_or_materialise(year: int, actor: Actor | None) -> tuple[YearSchedule, bool]:
    """The year's stored schedule, locked; a year not stored yet gets the rows we compute
    with today (chinesecalendar's, else the statutory rules) so one edit keeps the rest."""
    schedule = YearSchedule.objects.select_for_update().filter(year=year).first()
    if schedule is not None:
        return schedule, False
    known = seed.chinesecalendar_year(year)
    if known:
        _replace_rows(year, known)
        status = ScheduleStatus.OFFICIAL
    else:
        _replace_rows(
            year, ((d, DayKind.HOLIDAY, n) for d, n in rules.statutory_holidays(year).items())
        )
        status = ScheduleStatus.PROVISIONAL
    return _save_schedule(None, year, status=status, source=ScheduleSource.ADMIN, actor=actor), True


def calendar_day_set(*, actor: Actor | None, day: date, kind: str, name: str) -> bool:
    """Make `day` a holiday or a make-up workday named `name`; returns False if unchanged.

    A year with no stored schedule is first filled with what the calculator uses for it
    today and stays provisional unless it is a chinesecalendar year; its source becomes
    `admin` so `pingan calendar seed` never overwrites the edit. Audited; recomputation
    after commit. Permission: system admin or CLI. Bad input raises `CalendarDataError`.
    """
    require_calendar_admin(actor)
    year = check_year(day.year)
    kind_value = parse_kind(kind)
    name = (name or "").strip()
    errors = []
    if kind_value is None:
        errors.append(RowError(_("类型"), _("类型无效，应为 holiday（休）或 workday（调休上班）")))
    if not name:
        errors.append(RowError(_("名称"), _("缺少名称（如“国庆节”）")))
    elif len(name) > 50:
        errors.append(RowError(_("名称"), _("名称过长（最多 50 个字）")))
    problem = kind_value and day_problem(day, kind_value)
    if problem:
        errors.append(RowError(_("日期"), problem))
    if errors:
        raise CalendarDataError(errors)
    with transaction.atomic():
        schedule, materialised = _lock_or_materialise(year, actor)
        current = SpecialDay.objects.filter(date=day).first()
        if not materialised and current and (current.kind, current.name) == (kind_value, name):
            return False
        before = _state(current)
        SpecialDay.objects.update_or_create(
            date=day, defaults={"kind": kind_value, "name": name, "year": year}
        )
        _save_schedule(
            schedule, year, status=schedule.status, source=ScheduleSource.ADMIN, actor=actor
        )
        _audit(
            actor,
            "calendar.day_set",
            str(year),
            {"date": day.isoformat(), "kind": kind_value, "name": name, "before": before},
        )
        _after_change([year])
    return True


def calendar_day_clear(*, actor: Actor | None, day: date) -> bool:
    """Make `day` an ordinary day again (weekday works, weekend rests); False if it was.

    Same materialisation, audit and recomputation as `calendar_day_set`.
    """
    require_calendar_admin(actor)
    year = check_year(day.year)
    with transaction.atomic():
        schedule, materialised = _lock_or_materialise(year, actor)
        current = SpecialDay.objects.filter(date=day).first()
        if current is None and not materialised:
            return False
        if current is not None:
            current.delete()
        _save_schedule(
            schedule, year, status=schedule.status, source=ScheduleSource.ADMIN, actor=actor
        )
        _audit(
            actor,
            "calendar.day_clear",
            str(year),
            {"date": day.isoformat(), "before": _state(current)},
        )
        _after_change([year])
    return True


def calendar_year_confirm(*, actor: Actor | None, year: int) -> bool:
    """Mark a stored provisional year official (after checking it against the published
    notice); False if it already was. Audited; recomputation after commit."""
    require_calendar_admin(actor)
    check_year(year)
    with transaction.atomic():
        schedule = YearSchedule.objects.select_for_update().filter(year=year).first()
        if schedule is None:
            raise CalendarDataError(
                [RowError(_("年份"), _("%(y)d 年尚无录入的安排，请先导入或逐日录入") % {"y": year})]
            )
        if schedule.is_official:
            return False
        _save_schedule(
            schedule, year, status=ScheduleStatus.OFFICIAL, source=schedule.source, actor=actor
        )
        _audit(
            actor,
            "calendar.year_confirm",
            str(year),
            {"holidays_and_workdays": len(_rows_of(year))},
        )
        _after_change([year])
    return True


def calendar_seed(*, actor: Actor | None = None) -> SeedResult:
    """Load every year the installed chinesecalendar knows as official (idempotent).

    Years absent are created; years still sourced from chinesecalendar are brought up to date
    with the library; years an admin entered are left alone. One audit record when anything
    changed; recomputation for the changed years after commit.
    """
    require_calendar_admin(actor)
    result = SeedResult()
    with transaction.atomic():
        stored = {s.year: s for s in YearSchedule.objects.select_for_update()}
        for year, days in seed.chinesecalendar_days().items():
            schedule = stored.get(year)
            rows = {tuple(d) for d in days}
            if schedule and schedule.source != ScheduleSource.CHINESECALENDAR:
                result.skipped.append(year)
                continue
            if schedule and schedule.is_official and _rows_of(year) == rows:
                result.unchanged.append(year)
                continue
            _replace_rows(year, rows)
            _save_schedule(
                schedule,
                year,
                status=ScheduleStatus.OFFICIAL,
                source=ScheduleSource.CHINESECALENDAR,
                actor=actor,
            )
            (result.updated if schedule else result.created).append(year)
        changed = result.created + result.updated
        if changed:
            _audit(
                actor,
                "calendar.seed",
                f"{min(changed)}-{max(changed)}",
                {"created": result.created, "updated": result.updated},
            )
            _after_change(changed)
    return result


def calendar_year_export(*, actor: Actor | None, year: int) -> str:
    """The year's holidays and make-up workdays as CSV (`date,kind,name`), the import format.

    Covers stored, chinesecalendar and rule-computed years alike. Audited as an export.
    """
    require_calendar_admin(actor)
    check_year(year)
    table = calendar.year_table(year)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "name"])
    rows = [(d, DayKind.HOLIDAY.value, n) for d, n in table.holidays.items()]
    rows += [(d, DayKind.WORKDAY.value, n) for d, n in table.workdays.items()]
    for day, kind, name in sorted(rows):
        writer.writerow([day.isoformat(), kind, name])
    _audit(actor, "calendar.export", str(year), {"rows": len(rows), "status": table.status})
    return out.getvalue()
