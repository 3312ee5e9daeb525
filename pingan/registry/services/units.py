"""Registering and correcting organizations, places and protected lines (非公/社会组织,
学校/寄递/重点场所, 护路护线)."""

from __future__ import annotations

from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.registry.codes import code_labels
from pingan.registry.creditcode import normalize_credit_code
from pingan.registry.models import (
    Organization,
    OrganizationKind,
    Place,
    PlaceKind,
    Route,
    RouteKind,
)
from pingan.registry.services.common import (
    ConflictError,
    check_region,
    require_in_scope,
    require_registry_write,
)

Unit = Organization | Place | Route


def _text(data: dict, field: str, limit: int, errors: dict, *, required: str = "") -> str:
    text = " ".join(str(data.get(field) or "").split())
    if not text and required:
        errors[field] = [required]
    elif len(text) > limit:
        errors[field] = [_("不能超过 %(n)d 个字。") % {"n": limit}]
    return text


def _common(actor: Actor, data: dict, kinds: type[models.TextChoices], errors: dict) -> dict:
    clean: dict[str, Any] = {}
    kind = str(data.get("kind") or "")
    if kind not in kinds.values:
        errors["kind"] = [_("请选择有效的类型。")]
    clean["kind"] = kind
    clean["name"] = _text(data, "name", 200, errors, required=_("请填写名称。"))
    region = check_region(actor, str(data.get("region_code") or ""), errors)
    clean["region_code"] = region.code if region else ""
    attention = str(data.get("attention") or "").strip()
    table = code_labels(["attention"], active_only=True).get("attention", {})
    attention = {label: code for code, label in table.items()}.get(attention, attention)
    if attention and attention not in table:
        errors["attention"] = [_("“%(value)s”不是有效的关注程度。") % {"value": attention[:20]}]
    clean["attention"] = attention
    return clean


def _save(actor: Actor, obj: models.Model, action: str) -> models.Model:
    with transaction.atomic():
        obj.save(force_insert=True)
        audit_log(
            actor=actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            region_code=obj.region_code,
            detail={"kind": obj.kind},
        )
    return obj


def organization_create(*, actor: Actor, data: dict[str, Any]) -> Organization:
    """Register a 非公有制经济组织 or 社会组织 in a village/grid of the actor's region.
    `data`: kind, name, region_code, credit_code (GB 32100 check character), address,
    legal_representative, security_contact, attention. Permission: region positions with a
    writing role. Field errors together; audited as ``registry.organization.create``."""
    require_registry_write(actor)
    clean = _clean_organization(actor, data)
    return _save(
        actor, Organization(created_by=actor.user, **clean), "registry.organization.create"
    )


def _clean_organization(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = _common(actor, data, OrganizationKind, errors)
    try:
        clean["credit_code"] = normalize_credit_code(data.get("credit_code"))
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    clean["address"] = _text(data, "address", 200, errors)
    clean["legal_representative"] = _text(data, "legal_representative", 50, errors)
    clean["security_contact"] = _text(data, "security_contact", 50, errors)
    if errors:
        raise ValidationError(errors)
    return clean


def place_create(*, actor: Actor, data: dict[str, Any]) -> Place:
    """Register a 学校, 寄递物流 site or 重点场所 (kind, name, region_code, address,
    principal, attention). Permission and errors as `organization_create`; audited as
    ``registry.place.create``."""
    require_registry_write(actor)
    return _save(
        actor, Place(created_by=actor.user, **_clean_place(actor, data)), "registry.place.create"
    )


def _clean_place(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = _common(actor, data, PlaceKind, errors)
    clean["address"] = _text(data, "address", 200, errors)
    clean["principal"] = _text(data, "principal", 50, errors)
    if errors:
        raise ValidationError(errors)
    return clean


def _line(value: Any, errors: dict) -> dict | None:
    if value in (None, ""):
        return None
    try:
        geometry = shapely.geometry.shape(value)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        geometry = None
    if geometry is None or geometry.geom_type != "LineString" or geometry.is_empty:
        errors["geometry"] = [_("线路应为 GeoJSON LineString（WGS84 经纬度）。")]
        return None
    lngs, lats = zip(*[(x, y) for x, y, *_z in geometry.coords], strict=True)
    if not (all(-180 <= x <= 180 for x in lngs) and all(-90 <= y <= 90 for y in lats)):
        errors["geometry"] = [_("线路坐标超出经纬度范围。")]
        return None
    return shapely.geometry.mapping(geometry) | {"coordinates": [list(c) for c in geometry.coords]}


def route_create(*, actor: Actor, data: dict[str, Any]) -> Route:
    """Register a 护路护线 line section (kind 铁路/油气管线/电力线, name, region_code,
    owner_unit, hazard, attention, optional GeoJSON LineString). Permission and errors as
    `organization_create`; audited as ``registry.route.create``."""
    require_registry_write(actor)
    return _save(
        actor, Route(created_by=actor.user, **_clean_route(actor, data)), "registry.route.create"
    )


def _clean_route(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = _common(actor, data, RouteKind, errors)
    clean["owner_unit"] = _text(data, "owner_unit", 100, errors)
    clean["hazard"] = _text(data, "hazard", 500, errors)
    clean["geometry"] = _line(data.get("geometry"), errors)
    if errors:
        raise ValidationError(errors)
    return clean


# --- corrections --------------------------------------------------------------------------


def _update(actor: Actor, unit: Unit, version: int, data: dict[str, Any], cleaner) -> Unit:
    """Validate the unit's current values overlaid with `data` like a registration, then
    change what differs under a row lock and an optimistic version check."""
    model = type(unit)
    label = model._meta.label_lower
    require_registry_write(actor)
    require_in_scope(actor, unit, label)
    current_values = {
        f.name: getattr(unit, f.name) for f in model._meta.concrete_fields if f.name in EDITABLE
    }
    clean = cleaner(actor, {**current_values, **data})
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=unit.pk)
        if current.version != version:
            raise ConflictError(_("该记录已被他人修改，请刷新后重试。"))
        changed = sorted(f for f, v in clean.items() if getattr(current, f) != v)
        if changed:
            for field in changed:
                setattr(current, field, clean[field])
            current.version += 1
            current.save()
            audit_log(
                actor=actor,
                action=f"{label}.update",
                object_type=label,
                object_id=str(current.pk),
                region_code=current.region_code,
                detail={"kind": current.kind, "fields": changed},
            )
    return current


# Fields a correction may change (the registration's fields); the rest are bookkeeping.
EDITABLE = frozenset(
    {
        "kind",
        "name",
        "region_code",
        "attention",
        "credit_code",
        "address",
        "legal_representative",
        "security_contact",
        "principal",
        "owner_unit",
        "hazard",
        "geometry",
    }
)


def organization_update(
    *, actor: Actor, organization: Organization, version: int, data: dict[str, Any]
) -> Organization:
    """Correct an organization: the keys of `data` (as for `organization_create`) replace
    the current values, which are validated together like a registration. Permission as
    `organization_create`, and the organization must be in the actor's region (a new
    region too). A different current `version` raises `ConflictError`; field errors raise
    `ValidationError`; nothing changes then. Audited as ``registry.organization.update``
    with the names of the changed fields."""
    return _update(actor, organization, version, data, _clean_organization)


def place_update(*, actor: Actor, place: Place, version: int, data: dict[str, Any]) -> Place:
    """Correct a place (as `organization_update`); audited as ``registry.place.update``."""
    return _update(actor, place, version, data, _clean_place)


def route_update(*, actor: Actor, route: Route, version: int, data: dict[str, Any]) -> Route:
    """Correct a 护路护线 line (as `organization_update`); audited as
    ``registry.route.update``."""
    return _update(actor, route, version, data, _clean_route)
