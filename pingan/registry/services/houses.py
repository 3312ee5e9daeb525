"""Registering houses (以房管人)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.regions.lookup import lookup_point
from pingan.registry.models import House
from pingan.registry.selectors import visible_people
from pingan.registry.services.common import check_region, require_registry_write

OBJECT_TYPE = "registry.house"


def _coordinate(value: Any, low: float, high: float, field: str, errors: dict) -> float | None:
    if value in (None, ""):
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


def house_create(
    *,
    actor: Actor,
    address: str,
    region_code: str = "",
    is_rental: bool = False,
    owner_id: int | None = None,
    lng: float | None = None,
    lat: float | None = None,
) -> House:
    """Register a house in the actor's region.

    Permission: region positions with a writing role. The grid is `region_code`, or, when
    that is empty and a WGS84 point is given, the grid the point lies in (point → grid
    index); it must be a village/grid in scope either way. The owner, when given, must be a
    person the actor may see. Field errors are raised together; nothing is saved then.
    Audited as ``registry.house.create``.
    """
    require_registry_write(actor)
    errors: dict[str, list[str]] = {}
    address = " ".join(str(address or "").split())
    if not address:
        errors["address"] = [_("请填写房屋地址。")]
    elif len(address) > 200:
        errors["address"] = [_("地址不能超过 200 个字。")]
    lng_value = _coordinate(lng, -180, 180, "lng", errors)
    lat_value = _coordinate(lat, -90, 90, "lat", errors)
    if (lng_value is None) != (lat_value is None) and not errors.keys() & {"lng", "lat"}:
        errors["lng" if lng_value is None else "lat"] = [_("经度和纬度需同时填写。")]
    if not region_code and lng_value is not None and lat_value is not None:
        found = lookup_point(lng_value, lat_value)
        if not found.found:
            errors["region_code"] = [_("该位置不在任何网格内，请选择所属网格。")]
        region_code = found.code or ""
    region = None
    if "region_code" not in errors:
        region = check_region(actor, region_code, errors)
    owner = None
    if owner_id not in (None, ""):
        people = visible_people(actor)
        owner = people.filter(pk=owner_id).first() if str(owner_id).isdigit() else None
        if owner is None:
            errors["owner_id"] = [_("房主不存在或不在您的管辖范围内。")]
    if errors:
        raise ValidationError(errors)
    house = House(
        address=address,
        region_code=region.code,
        is_rental=bool(is_rental),
        owner=owner,
        lng=lng_value,
        lat=lat_value,
        created_by=actor.user,
    )
    with transaction.atomic():
        house.save(force_insert=True)
        audit_log(
            actor=actor,
            action="registry.house.create",
            object_type=OBJECT_TYPE,
            object_id=str(house.pk),
            region_code=house.region_code,
        )
    return house
