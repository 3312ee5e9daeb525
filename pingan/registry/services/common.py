"""Shared checks of the registry's write services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from pingan.accounts.roles import ADMIN_ROLES
from pingan.accounts.scope import Actor, audit_denied, in_region_scope, require_write
from pingan.audit.services import audit_log
from pingan.regions.models import Region, RegionLevel

# People live in a village/community; a grid or micro-grid is better still.
PERSON_LEVELS = (RegionLevel.VILLAGE, RegionLevel.GRID, RegionLevel.MICROGRID)


class ConflictError(Exception):
    """The row changed since the client read it (optimistic version check): HTTP 409."""


def require_registry_write(actor: Actor) -> None:
    """Only region positions with a writing role register or change registry data.

    Raises `PermissionDenied`, audited: no position or read-only role (`require_write`),
    department positions (gates open reading, not writing) and the three administrators.
    Call before opening the write transaction so the denial record is kept.
    """
    require_write(actor)
    if actor.is_department or actor.role in ADMIN_ROLES:
        audit_log(
            actor=actor,
            action="permission.denied",
            object_type="registry",
            outcome="denied",
            detail={"reason": "registry_write_role", "role": actor.role or ""},
        )
        raise PermissionDenied(_("当前岗位不能登记或修改基础信息。"))


def check_region(
    actor: Actor, code: str, errors: dict, field: str = "region_code"
) -> Region | None:
    """The region a row is filed under: exists, is a village/grid/micro-grid, and lies in
    the actor's scope. Adds a Chinese field error and returns None otherwise."""
    code = (code or "").strip()
    if not code:
        errors[field] = [_("请选择所属村（社区）或网格。")]
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        errors[field] = [_("区划/网格编码“%(code)s”不存在。") % {"code": code[:18]}]
    elif region.level not in PERSON_LEVELS:
        errors[field] = [_("请选择到村（社区）或网格一级。")]
    elif not in_region_scope(actor, region.code):
        errors[field] = [_("该网格不在您的管辖范围内。")]
    else:
        return region
    return None


def require_in_scope(actor: Actor, row: Any, object_type: str) -> None:
    """Defence in depth for services given a row (callers fetch it with `access_*`): it
    must lie in the actor's region. Audited as ``scope.denied`` when it does not."""
    if not in_region_scope(actor, row.region_code):
        audit_denied(actor, object_type=object_type, object_id=str(row.pk), row=row)
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
