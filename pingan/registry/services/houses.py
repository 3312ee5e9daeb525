"""Registering and correcting houses (以房管人)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.regions.lookup import lookup_point
from pingan.registry.models import House, Person
from pingan.registry.selectors import visible_people
from pingan.registry.services.common import (
    ConflictError,
    check_region,
    require_in_scope,
    require_registry_write,
)

OBJECT_TYPE = "registry.house"
UPDATABLE = frozenset({"address", "region_code", "is_rental", "owner_id", "lng", "lat"})


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


def _clean(actor: Actor, data: dict[str, Any], errors: dict) -> dict[str, Any]:
    """Validated values of the fields present in `data` (`UPDATABLE` names); the grid as
    `region`, the owner as `owner`. Field errors go to `errors`."""
    clean: dict[str, Any] = {}
    if "address" in data:
        address = " ".join(str(data["address"] or "").split())
        if not address:
            errors["address"] = [_("请填写房屋地址。")]
        elif len(address) > 200:
            errors["address"] = [_("地址不能超过 200 个字。")]
        clean["address"] = address
    if "lng" in data or "lat" in data:
        lng_value = _coordinate(data.get("lng"), -180, 180, "lng", errors)
        lat_value = _coordinate(data.get("lat"), -90, 90, "lat", errors)
        if (lng_value is None) != (lat_value is None) and not errors.keys() & {"lng", "lat"}:
            errors["lng" if lng_value is None else "lat"] = [_("经度和纬度需同时填写。")]
        clean["lng"], clean["lat"] = lng_value, lat_value
    if "region_code" in data:
        region_code = data["region_code"]
        if not region_code and clean.get("lng") is not None and clean.get("lat") is not None:
            found = lookup_point(clean["lng"], clean["lat"])
            if not found.found:
                errors["region_code"] = [_("该位置不在任何网格内，请选择所属网格。")]
            region_code = found.code or ""
        if "region_code" not in errors:
            clean["region"] = check_region(actor, region_code, errors)
    if "is_rental" in data:
        clean["is_rental"] = bool(data["is_rental"])
    if "owner_id" in data:
        owner_id, owner = data["owner_id"], None
        if owner_id not in (None, ""):
            people = visible_people(actor)
            owner = people.filter(pk=owner_id).first() if str(owner_id).isdigit() else None
            if owner is None:
                errors["owner_id"] = [_("房主不存在或不在您的管辖范围内。")]
        clean["owner"] = owner
    return clean


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
    data = {
        "address": address,
        "region_code": region_code,
        "is_rental": is_rental,
        "owner_id": owner_id,
        "lng": lng,
        "lat": lat,
    }
    clean = _clean(actor, data, errors)
    if errors:
        raise ValidationError(errors)
    house = House(
        address=clean["address"],
        region_code=clean["region"].code,
        is_rental=clean["is_rental"],
        owner=clean["owner"],
        lng=clean["lng"],
        lat=clean["lat"],
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


def house_update(*, actor: Actor, house: House, version: int, changes: dict[str, Any]) -> House:
    """Correct a house: address, grid, rental, owner, point (only the keys given).

    Permission as `house_create`, and the house must be in the actor's region (callers fetch
    it with `access_house`); a new grid must be a village/grid in scope. A house with
    registered occupants keeps its grid (the occupants' grid is theirs: moving them is a
    hand-over). Giving only one of `lng`/`lat` keeps the other. `version` is the version the
    client read: a different current version raises `ConflictError` and nothing changes.
    Field errors are raised together, nothing saved. Audited as ``registry.house.update``
    with the names of the changed fields.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    require_registry_write(actor)
    require_in_scope(actor, house, OBJECT_TYPE)
    data = dict(changes)
    if "lng" in data or "lat" in data:
        data.setdefault("lng", house.lng)
        data.setdefault("lat", house.lat)
    errors: dict[str, list[str]] = {}
    clean = _clean(actor, data, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = House.objects.select_for_update().get(pk=house.pk)
        if current.version != version:
            raise ConflictError(_("该房屋信息已被他人修改，请刷新后重试。"))
        region = clean.pop("region", None)
        if region is not None:
            clean["region_code"] = region.code
            moved = region.code != current.region_code
            if moved and Person.objects.filter(house=current).exists():
                raise ValidationError(
                    {
                        "region_code": [
                            _("该房屋已登记住户，不能改到其他网格；住户搬迁请办理人员迁移。")
                        ]
                    }
                )
        changed = _apply(current, clean)
        if changed:
            current.version += 1
            current.save()
            audit_log(
                actor=actor,
                action="registry.house.update",
                object_type=OBJECT_TYPE,
                object_id=str(current.pk),
                region_code=current.region_code,
                detail={"fields": sorted(changed)},
            )
    return current


def _apply(house: House, clean: dict[str, Any]) -> set[str]:
    changed: set[str] = set()
    for field in ("address", "region_code", "is_rental", "lng", "lat"):
        if field in clean and clean[field] != getattr(house, field):
            setattr(house, field, clean[field])
            changed.add(field)
    owner = clean.get("owner")
    if "owner" in clean and (owner.pk if owner else None) != house.owner_id:
        house.owner = owner
        changed.add("owner_id")
    return changed
