"""Department types (a code table) and departments (`<region code>-<type code>[-suffix]`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.regions.models import (
    DEPARTMENT_LEVELS,
    Department,
    DepartmentType,
    Region,
    RegionLevel,
    department_code_errors,
)
from pingan.regions.services.common import audit, require_region_admin

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor

DEPARTMENT_TYPE_CODE_MAX = 20


def department_type_save(
    *, actor: Actor | None, code: str, name: str, sort: int = 0, active: bool = True
) -> DepartmentType:
    """Create or update one department type of the code table.

    Permission: system admins and the system. The code is lower-case letters, digits and
    underscores (it becomes part of department codes). Audited as ``department_type.save``.
    """
    require_region_admin(actor, "department_type.save")
    check_department_type(code=code, name=name)
    with transaction.atomic():
        dept_type, created = DepartmentType.objects.update_or_create(
            code=code, defaults={"name": name.strip(), "sort": sort, "active": active}
        )
        audit(
            actor,
            action="department_type.save",
            object_type="department_type",
            object_id=code,
            detail={"created": created, "name": dept_type.name, "active": active},
        )
    return dept_type


def check_department_type(*, code: str, name: str) -> None:
    """Raise a field-level ValidationError for a bad type code or an empty name."""
    errors = {}
    if not code or len(code) > DEPARTMENT_TYPE_CODE_MAX or not _is_type_code(code):
        errors["code"] = _("类型编码须为小写字母开头的字母、数字或下划线，最多 20 个字符。")
    if not (name or "").strip():
        errors["name"] = _("名称不能为空。")
    if errors:
        raise ValidationError(errors)


def _is_type_code(code: str) -> bool:
    return (
        code[0].isascii()
        and code[0].islower()
        and all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in code)
    )


def department_code_for(region_code: str, type_code: str, suffix: str = "") -> str:
    """The conventional code `<region>-<type>[-suffix]`."""
    code = f"{region_code}-{type_code}"
    return f"{code}-{suffix}" if suffix else code


def validate_department(
    *, code: str, name: str, region: Region | None, dept_type: DepartmentType | None
) -> dict[str, list[str]]:
    """Field errors for a new department (shared by the service and the admin form)."""
    errors: dict[str, list[str]] = {}
    if region is None:
        errors["region"] = [_("请选择所在区划。")]
    elif region.level not in DEPARTMENT_LEVELS:
        errors["region"] = [
            _("部门只能设在乡镇及以上区划，%(name)s 是%(level)s。")
            % {"name": region.name, "level": RegionLevel(region.level).label}
        ]
    if dept_type is None:
        errors["type"] = [_("请选择部门类型。")]
    elif not dept_type.active:
        errors["type"] = [_("部门类型 %(name)s 已停用。") % {"name": dept_type.name}]
    if not (name or "").strip():
        errors["name"] = [_("名称不能为空。")]
    if region is not None and dept_type is not None:
        code_errors = department_code_errors(code, region.code, dept_type.code)
        if code_errors:
            errors["code"] = [str(e) for e in code_errors]
        elif Department.objects.filter(code=code).exists():
            errors["code"] = [_("部门编码 %(code)s 已存在。") % {"code": code}]
    return errors


def department_create(
    *,
    actor: Actor | None,
    region: Region,
    dept_type: DepartmentType,
    name: str,
    suffix: str = "",
    active: bool = True,
) -> Department:
    """Create a department with the conventional code `<region code>-<type code>[-suffix]`.

    Permission: system admins and the system (demo builder). Departments sit at town level
    or above. Raises ValidationError (field-level, Chinese) for a bad region, type, name or a
    code already in use. Audited as ``department.create``.
    """
    require_region_admin(actor, "department.create")
    code = department_code_for(region.code, dept_type.code, suffix)
    errors = validate_department(code=code, name=name, region=region, dept_type=dept_type)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        department = Department.objects.create(
            code=code, name=name.strip(), type=dept_type, region=region, active=active
        )
        audit(
            actor,
            action="department.create",
            object_type="department",
            object_id=code,
            region_code=region.code,
            detail={"name": department.name, "type": dept_type.code},
        )
    return department


def department_update(
    *, actor: Actor | None, department: Department, name: str, active: bool
) -> Department:
    """Rename or (de)activate a department; code, type and region never change.

    Permission: system admins and the system. Audited as ``department.update``.
    """
    require_region_admin(actor, "department.update")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("名称不能为空。")})
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(code=department.code)
        before = {"name": locked.name, "active": locked.active}
        locked.name, locked.active = name, active
        locked.save(update_fields=["name", "active"])
        audit(
            actor,
            action="department.update",
            object_type="department",
            object_id=locked.code,
            region_code=locked.region_id,
            detail={"before": before, "after": {"name": name, "active": active}},
        )
    return locked
