"""Account writes. Every function audits and runs in one transaction.

Duties (三员分立): the **system admin** manages users and positions (create, edit, reset
passwords, grant and revoke positions); the **security admin** manages login security
(unlock accounts and addresses, reset a lost authenticator); the **auditor** only reads the
audit log (audit app). Each duty follows the position the actor acts through; Django's
superuser flag grants nothing. `actor=None` means the installation itself (management commands
such as `pingan create-admin`, the demo builder) and is audited as such.

Permission checks run before the transaction opens, so the audit record of a denial survives
the PermissionDenied it raises.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from pingan.accounts import lockout, totp
from pingan.accounts.models import Position, User
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.regions.models import Department, Region


def require_role(actor: Actor | None, role: str, action: str) -> None:
    """Raise PermissionDenied (audited as ``permission.denied``) unless the actor acts as
    `role` or is the installation itself (None)."""
    if actor is None or actor.role == role:
        return
    audit_log(
        actor=actor,
        action="permission.denied",
        ip=actor.ip,
        outcome="denied",
        detail={"reason": "role_required", "required": role, "attempted": action},
    )
    raise PermissionDenied(_("只有%(role)s可以执行此操作。") % {"role": Role(role).label})


def _not_self(actor: Actor | None, user: User) -> None:
    # An administrator must not raise their own rights: someone else grants their positions.
    if actor is not None and actor.user.pk == user.pk:
        raise PermissionDenied(_("不能修改自己的岗位，请由其他系统管理员办理。"))


def _audit(actor: Actor | None, action: str, user: User, **extra) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type=extra.pop("object_type", "user"),
        object_id=str(extra.pop("object_id", user.pk)),
        region_code=extra.pop("region_code", ""),
        ip=actor.ip if actor else None,
        username="" if actor else "system",
        detail={"username": user.username, **extra},
    )


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def user_create(
    *, actor: Actor | None, username: str, password: str, full_name: str = "", email: str = ""
) -> User:
    """Create an account (no positions yet). System admin only.

    Usernames are unique regardless of case (the lockout counts them case-insensitively).
    The password must pass the policy. Audits ``user.create``.
    """
    require_role(actor, Role.SYSTEM_ADMIN, "user.create")
    username = (username or "").strip()
    user = User(username=username, full_name=(full_name or "").strip(), email=email or "")
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("请输入用户名。")]
    else:
        try:
            User.username_validator(username)
        except ValidationError:
            errors["username"] = [_("用户名只能包含字母、数字和 @/./+/-/_ 字符。")]
        if "username" not in errors and User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("用户名已存在。")]
    try:
        _check_password(password, user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        _audit(actor, "user.create", user, full_name=user.full_name)
    return user


def user_update(
    *,
    actor: Actor | None,
    user: User,
    full_name: str | None = None,
    email: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change name, e-mail or the active flag. System admin only. Deactivating an account also
    deletes its API token. Audits ``user.update`` with the changed field names."""
    require_role(actor, Role.SYSTEM_ADMIN, "user.update")
    changes = {}
    for field, value in (("full_name", full_name), ("email", email), ("is_active", is_active)):
        if value is not None and getattr(user, field) != value:
            changes[field] = value
    if not changes:
        return user
    if changes.get("is_active") is False:
        _not_self(actor, user)
    with transaction.atomic():
        for field, value in changes.items():
            setattr(user, field, value)
        user.save(update_fields=list(changes))
        if changes.get("is_active") is False:
            Token.objects.filter(user=user).delete()
        _audit(actor, "user.update", user, fields=sorted(changes))
    return user


def user_set_password(*, actor: Actor | None, user: User, password: str) -> None:
    """Set a new password: system admin for anyone, or the user for themselves.

    Django's session hash makes other signed-in sessions of the user invalid; the API token
    is deleted too. Audits ``user.set_password`` (never the password).
    """
    if actor is None or actor.user.pk != user.pk:
        require_role(actor, Role.SYSTEM_ADMIN, "user.set_password")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        Token.objects.filter(user=user).delete()
        _audit(actor, "user.set_password", user)


def position_grant(
    *,
    actor: Actor | None,
    user: User,
    role: str,
    region: Region | None = None,
    department: Department | None = None,
) -> Position:
    """Give `user` a position (role in a region or a department). System admin only, never
    to themselves. Enforces 三员分立 and the unit rules of `Position.clean`. Audits
    ``position.grant``."""
    require_role(actor, Role.SYSTEM_ADMIN, "position.grant")
    _not_self(actor, user)
    with transaction.atomic():
        # Lock the user row: two grants racing for the same person are checked one by one,
        # so they cannot together break 三员分立.
        User.objects.select_for_update().filter(pk=user.pk).first()
        position = Position(user=user, role=role, region=region, department=department)
        position.full_clean()
        position.save()
        _audit(
            actor,
            "position.grant",
            user,
            object_type="position",
            object_id=position.pk,
            region_code=position.scope_code,
            role=role,
            unit=position.unit_code,
        )
    return position


def position_revoke(*, actor: Actor | None, position: Position) -> Position:
    """Deactivate a position (kept for history and audit). System admin only, not one's own.
    Audits ``position.revoke``."""
    require_role(actor, Role.SYSTEM_ADMIN, "position.revoke")
    _not_self(actor, position.user)
    if not position.active:
        raise ValidationError(_("该岗位已撤销。"))
    with transaction.atomic():
        position.active = False
        position.save(update_fields=["active"])
        _audit(
            actor,
            "position.revoke",
            position.user,
            object_type="position",
            object_id=position.pk,
            region_code=position.scope_code,
            role=position.role,
            unit=position.unit_code,
        )
    return position


def user_unlock(*, actor: Actor | None, username: str = "", ip: str = "") -> int:
    """Lift the login lock and failure count of a username and/or an IP address. Security
    admin only. Returns the number of counters removed. Audits ``auth.unlock``."""
    require_role(actor, Role.SECURITY_ADMIN, "auth.unlock")
    if not username and not ip:
        raise ValidationError(_("请指定要解锁的用户名或 IP 地址。"))
    with transaction.atomic():
        removed = lockout.clear_locks(username=username, ip=ip)
        audit_log(
            actor=actor,
            action="auth.unlock",
            object_type="user",
            object_id=username,
            ip=actor.ip if actor else None,
            username="" if actor else "system",
            detail={"username": username, "unlocked_ip": ip, "counters": removed},
        )
    return removed


def user_reset_2fa(*, actor: Actor | None, user: User) -> None:
    """Forget a user's authenticator and recovery codes (lost phone); they enrol again at the
    next sign-in. Security admin only. Audits ``auth.2fa_reset``."""
    require_role(actor, Role.SECURITY_ADMIN, "auth.2fa_reset")
    with transaction.atomic():
        totp.reset_second_factor(user)
        _audit(actor, "auth.2fa_reset", user)


__all__ = [
    "position_grant",
    "position_revoke",
    "require_role",
    "user_create",
    "user_reset_2fa",
    "user_set_password",
    "user_unlock",
    "user_update",
]
