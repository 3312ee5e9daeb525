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
from pingan.regions.models import GRID_LEVELS, Region, RegionLevel

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
# Staff reports of these kinds may come without a map point: a hotline caller gives an
# address or a village name. The operator then names the grid or the receiving unit. Every
# other staff report (above all a grid worker's, made on the spot) needs the point.
UNLOCATED_KINDS = frozenset({ReporterKind.HOTLINE})
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
    is_grid_worker = actor.has_role(Role.GRID_WORKER)
    kind = data.get("reporter_kind") or (
        ReporterKind.GRID_WORKER if is_grid_worker else ReporterKind.CITIZEN
    )
    if kind not in ReporterKind.values:
        errors["reporter_kind"] = [_("来源不正确。")]
    elif (kind == ReporterKind.GRID_WORKER) != is_grid_worker:
        errors["reporter_kind"] = [_("只有网格员岗位上报的事件来源为“网格员”。")]
    unlocated_ok = kind in UNLOCATED_KINDS and "reporter_kind" not in errors
    clean = _clean_fields(data, errors, point_optional=unlocated_ok)
    clean["reporter_kind"] = kind
    clean["grid"] = None
    if unlocated_ok and clean["lng"] is None and not errors.keys() & {"lng", "lat"}:
        clean["grid"] = _known_grid(data.get("grid"), errors)
        if clean["grid"] is None and not clean["unit"] and "grid" not in errors:
            errors["unit"] = [_("没有地图点位或网格，请选择接收单位。")]
    if errors:
        raise ActionInvalid(errors)
    return clean


def _clean_fields(
    data: dict[str, Any],
    errors: dict[str, list[str]],
    description_max: int = 2000,
    point_optional: bool = False,
) -> dict[str, Any]:
    """The report's own fields (category, text, place, urgency, key); errors collected.
    With `point_optional`, omitting both `lng` and `lat` leaves them None."""
    clean: dict[str, Any] = {}
    code = data.get("category") or ""
    category = active_category(code) if code else None
    if category is None:
        errors["category"] = [_("请选择有效的事件类别。")]
    clean["category"] = category
    description = (data.get("description") or "").strip()
    if not description:
        errors["description"] = [_("请填写事件描述。")]
    elif len(description) > description_max:
        errors["description"] = [
            _("事件描述不能超过 2000 字。")
            if description_max == 2000
            else _("事件描述不能超过 %(max)d 字。") % {"max": description_max}
        ]
    clean["description"] = description
    address = (data.get("address") or "").strip()
    if len(address) > 200:
        errors["address"] = [_("地址不能超过 200 字。")]
    clean["address"] = address
    if point_optional and all(data.get(name) in (None, "") for name in ("lng", "lat")):
        clean["lng"] = clean["lat"] = None
    else:
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
    clean["unit"] = (data.get("unit") or "").strip()
    return clean


def _known_grid(value: Any, errors: dict[str, list[str]]) -> str | None:
    """The grid or micro-grid code of an unlocated report (None when not given)."""
    code = str(value or "").strip()
    if not code:
        return None
    if not Region.objects.filter(code=code, level__in=GRID_LEVELS).exists():
        errors["grid"] = [_("网格不存在，请重新选择。")]
        return None
    return code


def _receiving_unit(county: str, grid: str | None, unit: str) -> tuple[str, str]:
    """(region_code, holder) for the report; raises field errors on a bad unit choice."""
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
    required and the case is flagged `outside_grid`. A hotline call (reporter kind
    "hotline") may come without a point: then a `grid` code (grid or micro-grid) stands for
    it, or else `unit` is required; lng/lat stay empty. Every other report needs the point
    (field errors on lng/lat). A repeated `idempotency_key` from the same user returns the
    first case with created=False and writes nothing. Side effects:
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
    # No point: an unlocated hotline call, whose grid (if any) `_clean` checked.
    located = clean["lng"] is not None
    grid = grid_for_point(clean["lng"], clean["lat"]) if located else clean["grid"]
    region_code, holder = _receiving_unit((actor.scope_code or "")[:6], grid, clean["unit"])
    try:
        with transaction.atomic():
            case = _open_event(actor, clean, grid, region_code, holder)
            _audit_report(actor, case, clean, grid, holder)
    except IntegrityError:
        # The same key was committed by a concurrent request a moment ago.
        existing = _existing(actor, key) if key else None
        if existing is None:
            raise
        return existing, False
    return case, True


def _open_event(
    actor: Actor, clean: dict[str, Any], grid: str | None, region_code: str, holder: str
) -> Case:
    """The case and its detail row (inside the caller's transaction)."""
    category = clean["category"]
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
        idempotency_key=clean["idempotency_key"],
        created_at=now,
    )
    return case


def _audit_report(
    actor: Actor | None,
    case: Case,
    clean: dict[str, Any],
    grid: str | None,
    holder: str,
    username: str = "",
) -> None:
    audit_log(
        actor=actor,
        username=username,
        action="case.report",
        object_type="flow.case",
        object_id=case.number,
        region_code=case.region_code,
        ip=actor.ip if actor else None,
        detail={
            "case_type": CASE_TYPE,
            "category": clean["category"].code,
            "holder": holder,
            "outside_grid": grid is None,
            "level": region_level(holder),
            "reporter_kind": clean["reporter_kind"],
        },
    )


PUBLIC_KINDS = frozenset({ReporterKind.CITIZEN, ReporterKind.SMS, ReporterKind.API})
# Open311 GeoReport v2 allows descriptions of up to 4,000 characters.
PUBLIC_DESCRIPTION_MAX = 4000


def event_report_public(
    *, county: str, reporter_kind: str, channel: str, ip: str | None = None, **data: Any
) -> Case:
    """Open an event reported by a citizen or another system (portal, SMS, Open311).

    No actor: the public channel has already checked its own credential (an Open311 key,
    the SMS gateway signature, the portal's rate limits). `county` bounds where reports are
    taken: a point inside a grid goes to that grid's village; a point in no grid (or no
    point, with `unit` naming a unit) goes to `unit` or else the county centre, and the case
    is flagged `outside_grid`. Field errors as in `event_report`; `lng`/`lat` may be omitted
    here (an address-only report), then the report is outside every grid. Must run inside
    the caller's transaction (the caller writes its own intake row with the case). Side
    effects: the case, its history row, the detail row, one audit record naming
    `public:<channel>`.
    """
    if reporter_kind not in PUBLIC_KINDS:
        raise ValueError(f"not a public reporter kind: {reporter_kind}")
    errors: dict[str, list[str]] = {}
    located = data.get("lng") not in (None, "") or data.get("lat") not in (None, "")
    if not located:
        data = {**data, "lng": 0, "lat": 0}
    clean = _clean_fields(data, errors, description_max=PUBLIC_DESCRIPTION_MAX)
    if errors:
        raise ActionInvalid(errors)
    if not located:
        clean["lng"] = clean["lat"] = None
    clean["reporter_kind"] = reporter_kind
    grid = grid_for_point(clean["lng"], clean["lat"]) if located else None
    if grid and not grid.startswith(county):
        raise ActionInvalid({"lng": [_("事件位置不在本辖区范围内。")]})
    region_code, holder = _receiving_unit(county, grid, clean["unit"] or ("" if grid else county))
    # No user, no position: the history row of the report names no member of staff.
    case = _open_event(Actor(user=None, position=None, ip=ip), clean, grid, region_code, holder)
    _audit_report(None, case, clean, grid, holder, username=f"public:{channel}")
    return case


def _existing(actor: Actor, key: str) -> Case | None:
    # Checked before every keyed report: a narrow lookup first, the case only on a replay.
    case_ids = list(
        EventDetail.objects.filter(reporter=actor.user, idempotency_key=key).values_list(
            "case_id", flat=True
        )[:1]
    )
    return Case.objects.get(pk=case_ids[0]) if case_ids else None


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
