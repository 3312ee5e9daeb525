"""Query-string filters shared by the inbox, the export, the map and the supervision board.

Filters arrive as GET parameters (so a filtered list is a link and the export sees exactly
what the table shows). Bad values give a Chinese field message and are ignored, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.events.models import EventCategory
from pingan.flow.models import SupervisionLevel
from pingan.flow.selectors import INBOXES
from pingan.flow.types import case_types
from pingan.workdays.calendar import TZ

# The tabs of the inbox page, in order ("all" is reachable by link, not a tab).
BOXES = ("todo", "awaiting_accept", "overdue", "supervised", "assisting", "done")
FILTER_KEYS = ("region", "category", "state", "created_from", "created_to")


def state_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for case_type in case_types():
        for code, label in case_type.states.items():
            labels.setdefault(code, str(label))
    return labels


@dataclass
class CaseFilters:
    box: str = "todo"
    region: str = ""
    category: str = ""
    state: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, *, with_box: bool = True) -> str:
        """The filters as a query string (for tabs, paging and the export link)."""
        data = QueryDict(mutable=True)
        if with_box:
            data["box"] = self.box
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if value:
                data[key] = value.isoformat() if isinstance(value, dt.date) else value
        return data.urlencode()

    def apply(self, cases: QuerySet) -> QuerySet:
        if self.region:
            cases = cases.filter(region_code__startswith=self.region)
        if self.category:
            codes = EventCategory.objects.filter(
                Q(code=self.category)
                | Q(parent_id=self.category)
                | Q(parent__parent_id=self.category)
            ).values("code")
            cases = cases.filter(category_code__in=codes)
        if self.state:
            cases = cases.filter(state=self.state)
        if self.created_from:
            start = dt.datetime.combine(self.created_from, dt.time(), tzinfo=TZ)
            cases = cases.filter(created_at__gte=start)
        if self.created_to:
            end = dt.datetime.combine(self.created_to + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
            cases = cases.filter(created_at__lt=end)
        return cases


def _date(value: str, key: str, errors: dict[str, str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[key] = _("日期格式应为 YYYY-MM-DD。")
        return None


def parse_filters(actor: Actor, params: QueryDict, *, default_box: str = "todo") -> CaseFilters:
    """Validated filters from GET parameters; invalid ones are dropped with a message."""
    errors: dict[str, str] = {}
    box = params.get("box", default_box)
    if box not in INBOXES:
        errors["box"] = _("收件箱不存在。")
        box = default_box
    region = params.get("region", "").strip()
    if region:
        scope = actor.scope_code or ""
        if not region.isdigit() or len(region) > 18:
            errors["region"] = _("区划编码应为 2–18 位数字。")
            region = ""
        elif not actor.is_department and not region.startswith(scope):
            errors["region"] = _("所选区划不在本岗位的管辖范围内。")
            region = ""
    category = params.get("category", "").strip()
    if category and not EventCategory.objects.filter(code=category).exists():
        errors["category"] = _("事件类别不存在。")
        category = ""
    state = params.get("state", "").strip()
    if state and state not in state_labels():
        errors["state"] = _("状态不存在。")
        state = ""
    created_from = _date(params.get("created_from", "").strip(), "created_from", errors)
    created_to = _date(params.get("created_to", "").strip(), "created_to", errors)
    if created_from and created_to and created_from > created_to:
        errors["created_to"] = _("结束日期不能早于开始日期。")
        created_to = None
    return CaseFilters(box, region, category, state, created_from, created_to, errors)


@dataclass
class SupervisionFilters:
    level: str = ""
    responded: str = ""  # "", "yes", "no"
    region: str = ""
    include_closed: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> str:
        data = QueryDict(mutable=True)
        for key in ("level", "responded", "region"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.include_closed:
            data["closed"] = "1"
        return data.urlencode()


def parse_supervision_filters(actor: Actor, params: QueryDict) -> SupervisionFilters:
    base = parse_filters(actor, params)
    errors = {k: v for k, v in base.errors.items() if k == "region"}
    level = params.get("level", "").strip()
    if level and level not in SupervisionLevel.values:
        errors["level"] = _("督办级别不存在。")
        level = ""
    responded = params.get("responded", "").strip()
    if responded not in ("", "yes", "no"):
        errors["responded"] = _("回复状态应为“已回复”或“未回复”。")
        responded = ""
    closed = params.get("closed", "") == "1"
    return SupervisionFilters(level, responded, base.region, closed, errors)
