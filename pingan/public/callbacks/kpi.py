"""Satisfaction counts for the KPIs (满意率): per unit and period, from every callback.

Source: the `callback` steps of the case history (one per verdict: an operator's phone
callback, or the citizen's own rating through the portal or the SMS survey link, told apart
by the step's role "citizen"), plus callbacks closed out as 无法联系 (`CallbackAttempt`
with `gave_up`). Each verdict counts in the period in which it was given; a case rated
again after a reopen counts again.

满意率 = (满意 + 基本满意) / (满意 + 基本满意 + 不满意); cases closed out as 无法联系 are
shown but are not in the denominator. An analytics module calls `satisfaction_counts` with
a region prefix; pages call `satisfaction_for_actor`, which applies the actor's scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, F, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.flow.models import CaseAction, Satisfaction
from pingan.flow.units import unit_names
from pingan.public.callbacks.models import CallbackAttempt

# How verdicts are grouped: by the case's command unit (the unit answering for closure), or
# by the county, town or village the case happened in.
GROUPS = {"command": None, "county": 6, "town": 9, "village": 12}


@dataclass(frozen=True)
class SatisfactionRow:
    unit_code: str
    unit_name: str
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0
    unreachable: int = 0
    by_phone: int = 0
    by_citizen: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically + self.unsatisfied

    @property
    def rate(self) -> float | None:
        """满意率 in [0, 1]; None without any verdict."""
        return (self.satisfied + self.basically) / self.rated if self.rated else None

    def as_dict(self) -> dict:
        return {
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically,
            "unsatisfied": self.unsatisfied,
            "unreachable": self.unreachable,
            "by_phone": self.by_phone,
            "by_citizen": self.by_citizen,
            "rated": self.rated,
            "rate": self.rate,
        }


def _unit_expr(group_by: str, prefix: str):
    length = GROUPS[group_by]
    if length is None:
        return F(f"{prefix}command_code")
    return Substr(f"{prefix}region_code", 1, length, output_field=CharField())


def _verdicts(region_prefix: str, since, until, case_type: str, group_by: str) -> QuerySet:
    return (
        CaseAction.objects.filter(
            action="callback",
            created_at__gte=since,
            created_at__lt=until,
            case__case_type=case_type,
            case__region_code__startswith=region_prefix,
        )
        .annotate(
            unit=_unit_expr(group_by, "case__"),
            verdict=KeyTextTransform("satisfaction", "payload"),
        )
        .values("unit", "role", "verdict")
        .annotate(n=Count("id"))
    )


def satisfaction_counts(
    *,
    region_prefix: str,
    since: dt.datetime,
    until: dt.datetime,
    group_by: str = "command",
    case_type: str = "event",
) -> list[SatisfactionRow]:
    """Verdicts given in [since, until) on cases inside `region_prefix`, one row per unit
    (sorted by unit code). `group_by`: "command", "county", "town" or "village"."""
    if group_by not in GROUPS:
        raise ValueError(f"unknown group {group_by!r}")
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _verdicts(region_prefix, since, until, case_type, group_by):
        unit = row["unit"] or ""
        value = row["verdict"]
        key = {
            Satisfaction.SATISFIED: "satisfied",
            Satisfaction.BASICALLY: "basically",
            Satisfaction.UNSATISFIED: "unsatisfied",
        }.get(value)
        if key is None:
            continue
        counts[unit][key] += row["n"]
        counts[unit]["by_citizen" if row["role"] == "citizen" else "by_phone"] += row["n"]
    gave_up = (
        CallbackAttempt.objects.filter(
            gave_up=True,
            at__gte=since,
            at__lt=until,
            case__case_type=case_type,
            case__region_code__startswith=region_prefix,
        )
        .annotate(unit=_unit_expr(group_by, "case__"))
        .values("unit")
        .annotate(n=Count("case", distinct=True))
    )
    for row in gave_up:
        counts[row["unit"] or ""]["unreachable"] += row["n"]
    names = unit_names(counts)
    return [
        SatisfactionRow(unit_code=unit, unit_name=names.get(unit, unit), **dict(values))
        for unit, values in sorted(counts.items())
    ]


def satisfaction_total(rows: list[SatisfactionRow]) -> SatisfactionRow:
    """All rows added up (unit "" named 合计)."""
    fields = ("satisfied", "basically", "unsatisfied", "unreachable", "by_phone", "by_citizen")
    sums = {name: sum(getattr(row, name) for row in rows) for name in fields}
    return SatisfactionRow(unit_code="", unit_name=_("合计"), **sums)


def satisfaction_for_actor(
    actor: Actor,
    *,
    since: dt.datetime,
    until: dt.datetime,
    group_by: str = "command",
    case_type: str = "event",
) -> list[SatisfactionRow]:
    """`satisfaction_counts` over the actor's region scope; nothing for department
    positions and positionless actors."""
    if actor.position is None or actor.is_department or not actor.scope_code:
        return []
    return satisfaction_counts(
        region_prefix=actor.scope_code,
        since=since,
        until=until,
        group_by=group_by,
        case_type=case_type,
    )


def month_start(now: dt.datetime) -> dt.datetime:
    """Midnight of the first day of `now`'s month, in the active time zone (Beijing)."""
    from django.utils import timezone

    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
