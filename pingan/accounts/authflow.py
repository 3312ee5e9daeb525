"""Sign-in steps shared by the login page, the 2FA page and the token API.

Each step checks the lockout first, records failures and successes, and writes the audit
record; the callers only turn the result into a page or a JSON answer. Audit actions:
``auth.login`` (outcome ok / failed / locked) and ``auth.2fa_verify`` (ok / failed / locked),
``auth.2fa_recovery_used`` when a recovery code is spent.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts import lockout, totp
from pingan.accounts.models import User
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log


class LoginDenied(Exception):  # noqa: N818 - a refusal, not a program error
    """A sign-in step failed. `code`: invalid, locked, otp_required, otp_invalid,
    otp_not_enrolled. `field` names the form/API field the message belongs to, if any."""

    def __init__(self, message: str, code: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _audit(
    action: str,
    *,
    outcome: str,
    username: str,
    ip: str | None,
    user: User | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_log(
        actor=Actor(user=user, position=None) if user else None,
        action=action,
        object_type="user",
        object_id=str(user.pk) if user else "",
        ip=ip,
        outcome=outcome,
        username=username,
        detail=detail,
    )


def _refuse_if_locked(action: str, username: str, ip: str | None, user: User | None) -> None:
    lock = lockout.active_lock(username, ip)
    if lock is not None:
        _audit(
            action,
            outcome="locked",
            username=username,
            ip=ip,
            user=user,
            detail={"lock_scope": lock.scope, "locked_until": lock.locked_until.isoformat()},
        )
        raise LoginDenied(lock.message(), "locked")


def check_password(
    *, username: str, password: str, ip: str | None, request: HttpRequest | None = None
) -> User:
    """Step 1: the password. Refused while the username or IP is locked (even when right).

    A wrong password counts a failure for the username and the IP and is audited as
    ``auth.login``/failed; the caller still has to finish with `login_succeeded` (after the
    second factor, when one is needed).
    """
    username = (username or "").strip()
    _refuse_if_locked("auth.login", username, ip, None)
    user = authenticate(request, username=username, password=password)
    if user is None:
        lock = lockout.register_failure(username, ip)
        _audit(
            "auth.login",
            outcome="failed",
            username=username,
            ip=ip,
            detail={"reason": "bad_credentials", "locked": lock is not None},
        )
        if lock is not None:
            raise LoginDenied(lock.message(), "locked")
        raise LoginDenied(_("用户名或密码错误。"), "invalid")
    return user


def login_succeeded(user: User, *, ip: str | None, channel: str, second_factor: str) -> None:
    """Clear the username's failure count and audit ``auth.login``/ok."""
    lockout.register_success(user.username)
    if channel == "api":
        # The web path's django.contrib.auth.login() already stamps last_login.
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
    _audit(
        "auth.login",
        outcome="ok",
        username=user.username,
        ip=ip,
        user=user,
        detail={"channel": channel, "second_factor": second_factor},
    )


def check_second_factor(*, user: User, code: str, ip: str | None, channel: str) -> str:
    """Step 2: a TOTP code or a recovery code. Returns "totp" or "recovery".

    Wrong codes count as login failures of the username and IP (same lockout). Raises
    LoginDenied(field="otp").
    """
    _refuse_if_locked("auth.2fa_verify", user.username, ip, user)
    device = totp.confirmed_device(user)
    if device is None:
        _audit(
            "auth.2fa_verify",
            outcome="failed",
            username=user.username,
            ip=ip,
            user=user,
            detail={"reason": "not_enrolled", "channel": channel},
        )
        raise LoginDenied(
            _("尚未绑定动态验证码，请先在网页端完成绑定。"), "otp_not_enrolled", "otp"
        )
    method = None
    if totp.is_totp_format(code):
        if totp.verify_totp(device, code):
            method = "totp"
    elif totp.use_recovery_code(user, code):
        method = "recovery"
    if method is None:
        lock = lockout.register_failure(user.username, ip)
        _audit(
            "auth.2fa_verify",
            outcome="failed",
            username=user.username,
            ip=ip,
            user=user,
            detail={"reason": "bad_code", "channel": channel, "locked": lock is not None},
        )
        if lock is not None:
            raise LoginDenied(lock.message(), "locked")
        raise LoginDenied(_("动态验证码错误或已使用。"), "otp_invalid", "otp")
    lockout.register_success(user.username)
    _audit(
        "auth.2fa_verify",
        outcome="ok",
        username=user.username,
        ip=ip,
        user=user,
        detail={"method": method, "channel": channel},
    )
    if method == "recovery":
        _audit(
            "auth.2fa_recovery_used",
            outcome="ok",
            username=user.username,
            ip=ip,
            user=user,
            detail={"remaining": totp.remaining_recovery_codes(user), "channel": channel},
        )
    return method


def confirm_enrolment(*, user: User, code: str, ip: str | None) -> list[str]:
    """Finish TOTP enrolment with a first code; returns the 10 recovery codes (shown once).

    Wrong codes count as login failures (same lockout). Audits ``auth.2fa_enrol``.
    """
    _refuse_if_locked("auth.2fa_enrol", user.username, ip, user)
    codes = totp.confirm_device(totp.pending_device(user), code)
    if codes is None:
        lock = lockout.register_failure(user.username, ip)
        _audit(
            "auth.2fa_enrol",
            outcome="failed",
            username=user.username,
            ip=ip,
            user=user,
            detail={"reason": "bad_code", "locked": lock is not None},
        )
        if lock is not None:
            raise LoginDenied(lock.message(), "locked")
        raise LoginDenied(_("验证码不正确，请核对手机时间后重新输入。"), "otp_invalid", "otp")
    lockout.register_success(user.username)
    _audit("auth.2fa_enrol", outcome="ok", username=user.username, ip=ip, user=user)
    return codes


def regenerate_recovery_codes(*, user: User, code: str, ip: str | None) -> list[str]:
    """New recovery codes for an enrolled user who proves possession with a TOTP code.

    The old codes stop working. Audits ``auth.2fa_recovery_regenerated``.
    """
    _refuse_if_locked("auth.2fa_recovery_regenerated", user.username, ip, user)
    device = totp.confirmed_device(user)
    if device is None or not totp.verify_totp(device, code):
        lock = lockout.register_failure(user.username, ip)
        _audit(
            "auth.2fa_recovery_regenerated",
            outcome="failed",
            username=user.username,
            ip=ip,
            user=user,
            detail={"reason": "bad_code", "locked": lock is not None},
        )
        if lock is not None:
            raise LoginDenied(lock.message(), "locked")
        raise LoginDenied(_("动态验证码错误或已使用。"), "otp_invalid", "otp")
    codes = totp.regenerate_recovery_codes(user)
    _audit("auth.2fa_recovery_regenerated", outcome="ok", username=user.username, ip=ip, user=user)
    return codes


def api_second_factor(*, user: User, otp: str, ip: str | None) -> str:
    """Second factor for the token API, where the password and the code come together.

    A missing code is not a guess, so it is audited (``auth.login``/failed) but not counted
    toward the lockout. Returns the method used ("totp"/"recovery").
    """
    if not otp:
        enrolled = totp.confirmed_device(user) is not None
        _audit(
            "auth.login",
            outcome="failed",
            username=user.username,
            ip=ip,
            user=user,
            detail={"reason": "otp_required" if enrolled else "otp_not_enrolled", "channel": "api"},
        )
        if not enrolled:
            raise LoginDenied(
                _("尚未绑定动态验证码，请先在网页端登录完成绑定。"), "otp_not_enrolled", "otp"
            )
        raise LoginDenied(_("需要动态验证码"), "otp_required", "otp")
    return check_second_factor(user=user, code=otp, ip=ip, channel="api")


def second_factor_required(user: User) -> bool:
    """Roles that need TOTP, or anyone who chose to enrol."""
    return totp.needs_totp(user) or totp.confirmed_device(user) is not None
