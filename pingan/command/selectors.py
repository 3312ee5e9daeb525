"""Scoped reads for the command-centre pages, built on `pingan.flow.selectors`.

Every list starts from `inbox()` / `visible_cases()` (the actor's scope), so a filter can only
narrow what the actor may see. Unit and category names are fetched in bulk per page so a
page costs the same number of queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pingan.accounts.scope import Actor
from pingan.command.filters import BOXES, CaseFilters, SupervisionFilters
from pingan.events.models import EventCategory
from pingan.flow.models import Case, Supervision
from pingan.flow.selectors import inbox, visible_cases
from pingan.flow.types import case_types, get_case_type
from pingan.flow.units import unit_names
from pingan.regions.models import Department, Region, RegionLevel

MAP_POINT_CAP = 5000
EXPORT_ROW_CAP = 50_000
LIGHT_LABELS = {
    "red": gettext_lazy("超期"),
    "yellow": gettext_lazy("预警"),
    "green": gettext_lazy("正常"),
    "paused": gettext_lazy("暂停计时"),
    "": gettext_lazy("不计时"),
}
FILTER_REGION_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE)


def final_states() -> set[str]:
    states: set[str] = set()
    for case_type in case_types():
        states |= set(case_type.final_states)
    return states


def clock_light(
    *,
    due_at: dt.datetime | None,
    warn_at: dt.datetime | None,
    is_warned: bool,
    is_overdue: bool,
    paused_at: dt.datetime | None,
    now: dt.datetime,
) -> str:
    """Traffic light of a running clock: red overdue, yellow warned, green on time.

    The deadline scan sets the flags every minute; the times are compared too so a case that
    crossed its point since the last scan already shows the right colour. "" = no clock.
    """
    if due_at is None:
        return ""
    if paused_at is not None:
        return "paused"
    if is_overdue or due_at <= now:
        return "red"
    if is_warned or (warn_at is not None and warn_at <= now):
        return "yellow"
    return "green"


def light(case: Case, now: dt.datetime | None = None) -> str:
    return clock_light(
        due_at=case.due_at,
        warn_at=case.warn_at,
        is_warned=case.is_warned,
        is_overdue=case.is_overdue,
        paused_at=case.clock_paused_at,
        now=now or timezone.now(),
    )


@dataclass
class CaseRow:
    case: Case
    category_name: str
    holder_name: str
    state_label: str
    light: str

    @property
    def light_label(self) -> str:
        return str(LIGHT_LABELS[self.light])


def filtered_cases(actor: Actor, filters: CaseFilters) -> QuerySet[Case]:
    """The inbox box of `filters` for the actor, narrowed by the other filters."""
    return filters.apply(inbox(actor, filters.box))


def box_counts(actor: Actor, filters: CaseFilters) -> dict[str, int]:
    """Count per inbox tab under the same filters as the table (one query each)."""
    return {box: filters.apply(inbox(actor, box)).count() for box in BOXES}


def case_rows(cases: list[Case]) -> list[CaseRow]:
    """Table rows with names looked up in bulk (three queries whatever the length)."""
    names = unit_names(c.holder_code for c in cases)
    categories = dict(
        EventCategory.objects.filter(code__in={c.category_code for c in cases}).values_list(
            "code", "name"
        )
    )
    now = timezone.now()
    return [
        CaseRow(
            case=c,
            category_name=categories.get(c.category_code, c.category_code),
            holder_name=names.get(c.holder_code, c.holder_code),
            state_label=str(get_case_type(c.case_type).state_label(c.state)),
            light=light(c, now),
        )
        for c in cases
    ]


def region_options(actor: Actor) -> list[Region]:
    """County, town and village units of the actor's scope for the region filter."""
    if actor.position is None or actor.is_department or not actor.scope_code:
        return []
    return list(
        Region.objects.filter(code__startswith=actor.scope_code, level__in=FILTER_REGION_LEVELS)
        .only("code", "name", "level")  # not the polygons
        .order_by("code")[:500]
    )


def category_options() -> list[tuple[EventCategory, list[EventCategory]]]:
    """Top-level categories with their active sub-categories (for grouped selects)."""
    rows = list(EventCategory.objects.filter(active=True).order_by("sort", "code"))
    children: dict[str, list[EventCategory]] = {}
    for row in rows:
        if row.parent_id:
            children.setdefault(row.parent_id, []).append(row)
    return [(row, children.get(row.code, [])) for row in rows if not row.parent_id]


def open_map_cases(actor: Actor, filters: CaseFilters) -> list[dict]:
    """Open events in the actor's scope with a location, newest first, capped."""
    cases = filters.apply(visible_cases(actor)).exclude(state__in=final_states())
    rows = (
        cases.filter(event__isnull=False, event__lng__isnull=False)
        .order_by("-created_at", "-id")
        .values(
            "number",
            "title",
            "state",
            "case_type",
            "category_code",
            "due_at",
            "warn_at",
            "is_warned",
            "is_overdue",
            "clock_paused_at",
            "holder_code",
            "event__lng",
            "event__lat",
        )[: MAP_POINT_CAP + 1]
    )
    return list(rows)


def supervision_cards(actor: Actor, filters: SupervisionFilters) -> QuerySet[Supervision]:
    """督办 cards on cases the actor may see; open cases only unless asked otherwise."""
    cases = visible_cases(actor)
    if filters.region:
        cases = cases.filter(region_code__startswith=filters.region)
    if not filters.include_closed:
        cases = cases.exclude(state__in=final_states())
    cards = Supervision.objects.filter(case__in=cases.values("id")).select_related(
        "case", "issued_by"
    )
    if filters.level:
        cards = cards.filter(level=filters.level)
    if filters.responded == "yes":
        cards = cards.filter(responded_at__isnull=False)
    elif filters.responded == "no":
        cards = cards.filter(responded_at__isnull=True)
    return cards.order_by("responded_at", "response_due_at", "-id")


def department_options(actor: Actor, holder_code: str) -> list[Department]:
    """Active departments a case held at `holder_code` may be dispatched to (its subtree,
    which for the acting centre is its own scope)."""
    if not holder_code.isdigit():
        return []
    return list(
        Department.objects.filter(region__code__startswith=holder_code, active=True)
        .select_related("region")
        .only("code", "name", "region__name")
        .order_by("region_id", "code")[:300]
    )


def lower_unit_options(holder_code: str) -> list[Region]:
    """Region units below the holder (for 交办下级)."""
    if not holder_code.isdigit():
        return []
    return list(
        Region.objects.filter(code__startswith=holder_code)
        .exclude(code=holder_code)
        .only("code", "name")
        .order_by("code")[:300]
    )


def sibling_unit_options(holder_code: str) -> list[tuple[str, str]]:
    """(code, name) of units a case may be transferred to: same level and parent."""
    if holder_code.isdigit():
        rows = Region.objects.filter(
            code__startswith=holder_code[:-3], level=_level_of(holder_code)
        ).exclude(code=holder_code)
        return list(rows.order_by("code").values_list("code", "name")[:300])
    region = holder_code.split("-", 1)[0]
    rows = Department.objects.filter(region_id=region, active=True).exclude(code=holder_code)
    return list(rows.order_by("code").values_list("code", "name")[:300])


def _level_of(code: str) -> str:
    region = Region.objects.filter(code=code).values_list("level", flat=True).first()
    return region or ""
