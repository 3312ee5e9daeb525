"""Visit schedule: which rule applies to a card and when its next visit is due."""

from __future__ import annotations

from datetime import date, timedelta

from pingan.registry.models import VisitRule

OPEN_LOW, OPEN_HIGH = 0, 1000


def _width(rule: VisitRule) -> int:
    low = OPEN_LOW if rule.risk_min is None else rule.risk_min
    high = OPEN_HIGH if rule.risk_max is None else rule.risk_max
    return high - low


def rule_for(kind: str, risk_level: int | None) -> VisitRule | None:
    """The most specific active rule for `kind` at `risk_level`: the narrowest matching
    risk range wins (a rule for exactly level 3 beats one for 3–5, which beats an open one).
    A card without a risk level only matches rules with both bounds empty."""
    rules = [r for r in VisitRule.objects.filter(kind=kind, active=True) if r.matches(risk_level)]
    if not rules:
        return None
    return min(rules, key=lambda r: (_width(r), r.pk))


def interval_for(kind: str, risk_level: int | None) -> int | None:
    rule = rule_for(kind, risk_level)
    return rule.interval_days if rule else None


def next_visit_date(kind: str, risk_level: int | None, since: date) -> date | None:
    """`since` plus the rule's interval; None when no rule schedules visits for the card."""
    days = interval_for(kind, risk_level)
    return since + timedelta(days=days) if days else None
