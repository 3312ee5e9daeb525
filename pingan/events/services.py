"""Writes for events: reporting one (the rest of the loop is `flow.services.case_act`)."""

from __future__ import annotations

import math
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.events.geo import grid_for_point
from pingan.events.models import EventCategory, EventDetail, ReporterKind
from pingan.events.selectors import active_category, reset_category_cache
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case, Urgency
from pingan.flow.services import case_open
from pingan.flow.units import actor_unit, region_level
from pingan.regions.models import Region, RegionLevel

CASE_TYPE = "event"
REPORTER_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.VILLAGE_STAFF,
        Role.TOWN_OPERATOR,
        Role.COUNTY_OPERATOR,
        Role.COUNTY_COMMANDER,
    }
)
RECEIVING_LEVELS = (RegionLevel.VILLAGE, RegionLevel.TOWN, RegionLevel.COUNTY)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class EventReportDenied(PermissionDenied):
    """The actor's role may not report events (HTTP 403)."""


def _number(value: Any, low: float, high: float, field: str, errors: dict) -> float | None:
    if value in (None, ""):
        errors[field] = [_("请提供事件位置（经纬度）。")]
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = [_("应为数字。")]
        return None
    if not math.isfinite(number) or not low <= number <= high:
        errors[field] = [_("应在 %(low)s 到 %(high)s 之间。") % {"low": low, "high": high}]
        return None
    return number


def _clean(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """Validate every field at once so the reporter sees all problems together."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    code = data.get("category") or ""
    category = active_category(code) if code else None
    if category is None:
        errors["category"] = [_("请选择有效的事件类别。")]
    clean["category"] = category
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = [_("请填写事件描述。")]
    elif len(description) > 2000:
        errors["description"] = [_("事件描述不能超过 2000 字。")]
    clean["description"] = description
    address = (data.get("address") or "").strip()
    if len(address) > 200:
        errors["address"] = [_("地址不能超过 200 字。")]
    clean["address"] = address
    clean["lng"] = _number(data.get("lng"), -180, 180, "lng", errors)
    clean["lat"] = _number(data.get("lat"), -90, 90, "lat", errors)
    urgency = data.get("urgency") or Urgency.LOW
    if urgency not in Urgency.values:
        errors["urgency"] = [_("紧急程度应为 low、medium 或 high。")]
    clean["urgency"] = urgency
    key = (data.get("idempotency_key") or "").strip()
    if key and not KEY_PATTERN.match(key):
        errors["idempotency_key"] = [_("幂等键应为 1–64 位字母、数字或 _.:- 。")]
    clean["idempotency_key"] = key
    is_grid_worker = actor.has_role(Role.GRID_WORKER)
    kind = data.get("reporter_kind") or (
        ReporterKind.GRID_WORKER if is_grid_worker else ReporterKind.CITIZEN
    )
    if kind not in ReporterKind.values:
        errors["reporter_kind"] = [_("来源不正确。")]
    elif (kind == ReporterKind.GRID_WORKER) != is_grid_worker:
        errors["reporter_kind"] = [_("只有网格员岗位上报的事件来源为“网格员”。")]
    clean["reporter_kind"] = kind
    clean["unit"] = (data.get("unit") or "").strip()
    if errors:
        raise ActionInvalid(errors)
    return clean


def _receiving_unit(actor: Actor, grid: str | None, unit: str) -> tuple[str, str]:
    """(region_code, holder) for the report; raises field errors on a bad unit choice."""
    county = (actor.scope_code or "")[:6]
    if unit:
        region = Region.objects.filter(code=unit).first()
        if region is None or region.level not in RECEIVING_LEVELS:
            raise ActionInvalid({"unit": [_("接收单位应为村（社区）、乡镇（街道）或县级单位。")]})
        if not unit.startswith(county):
            raise ActionInvalid({"unit": [_("接收单位不在本县范围内。")]})
        if grid and not grid.startswith(unit):
            raise ActionInvalid(
                {"unit": [_("事件位于网格 %(grid)s，接收单位应为其上级单位。") % {"grid": grid}]}
            )
    if grid:
        if not grid.startswith(county):
            raise ActionInvalid({"lng": [_("事件位置不在本县范围内。")]})
        return grid, unit or grid[:12]
    if not unit:
        raise ActionInvalid({"unit": [_("该位置不在任何网格内，请选择接收单位。")]})
    return unit, unit


def event_report(*, actor: Actor, **data: Any) -> tuple[Case, bool]:
    """Report an event; returns (case, created).

    Permission: a working region position (grid worker, village staff, town/county
    operator or commander); read-only roles get `PermissionDenied` (audited, from
    `require_write`), other roles `EventReportDenied`. The point finds the grid (then the grid's
    village receives the case, or an explicit higher `unit`); outside every grid `unit` is
    required and the case is flagged `outside_grid`. A repeated `idempotency_key` from the
    same user returns the first case with created=False and writes nothing. Side effects:
    the case, its `report` history row and accept clock, the detail row, one audit record.
    """
    require_write(actor)
    if actor.role not in REPORTER_ROLES:
        raise EventReportDenied(_("当前岗位不能上报事件。"))
    clean = _clean(actor, data)
    key = clean["idempotency_key"]
    if key:
        existing = _existing(actor, key)
        if existing is not None:
            return existing, False
    grid = grid_for_point(clean["lng"], clean["lat"])
    region_code, holder = _receiving_unit(actor, grid, clean["unit"])
    category = clean["category"]
    try:
        with transaction.atomic():
            now = timezone.now()
            case = case_open(
                actor=actor,
                case_type=CASE_TYPE,
                region_code=region_code,
                holder_code=holder,
                title=f"{category.name}：{clean['description'][:60]}",
                category_code=category.code,
                urgency=clean["urgency"],
                origin_code=actor_unit(actor),
                note=clean["description"][:2000],
                payload={"outside_grid": grid is None, "reporter_kind": clean["reporter_kind"]},
                now=now,
                category_chain=category.chain(),
            )
            EventDetail.objects.create(
                case=case,
                category=category,
                description=clean["description"],
                address=clean["address"],
                lng=clean["lng"],
                lat=clean["lat"],
                grid_code=grid or "",
                outside_grid=grid is None,
                reporter_kind=clean["reporter_kind"],
                reporter=actor.user,
                idempotency_key=key,
                created_at=now,
            )
            audit_log(
                actor=actor,
                action="case.report",
                object_type="flow.case",
                object_id=case.number,
                region_code=region_code,
                ip=actor.ip,
                detail={
                    "case_type": CASE_TYPE,
                    "category": category.code,
                    "holder": holder,
                    "outside_grid": grid is None,
                    "level": region_level(holder),
                },
            )
    except IntegrityError:
        # The same key was committed by a concurrent request a moment ago.
        existing = _existing(actor, key) if key else None
        if existing is None:
            raise
        return existing, False
    return case, True


def _existing(actor: Actor, key: str) -> Case | None:
    detail = (
        EventDetail.objects.select_related("case")
        .filter(reporter=actor.user, idempotency_key=key)
        .first()
    )
    return detail.case if detail else None


def check_category_parent(category: EventCategory) -> None:
    """A category may not be its own ancestor (ValidationError on `parent`)."""
    node, seen = category.parent, {category.code}
    while node is not None:
        if node.code in seen:
            raise ValidationError({"parent": _("上级类别不能是自身或其下级。")})
        seen.add(node.code)
        node = node.parent


def category_save(*, actor: Actor, category: EventCategory, created: bool) -> EventCategory:
    """Create or change an event category (admin screens).

    Permission: a writing position (the admin itself is limited to system administrators).
    Raises ValidationError for a parent cycle. Side effects: one audit record.
    """
    require_write(actor)
    check_category_parent(category)
    with transaction.atomic():
        category.save()
        # Also after commit: a report inside this transaction may have re-cached the old row.
        transaction.on_commit(reset_category_cache)
        audit_log(
            actor=actor,
            action="events.category_create" if created else "events.category_change",
            object_type="events.category",
            object_id=category.code,
            ip=actor.ip,
            detail={"name": category.name, "parent": category.parent_id, "active": category.active},
        )
    return category
