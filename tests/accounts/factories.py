"""Helpers for account tests: signed-in sessions, TOTP codes, enrolled users."""

from __future__ import annotations

import time

import pyotp

from pingan.accounts import sessions, totp
from pingan.accounts.models import TwoFactorDevice, User
from pingan.accounts.scope import Actor

LOGIN_URL = "/accounts/login/"


def sign_in(client, actor: Actor, *, two_factor: bool = True) -> None:
    """A signed-in session acting through `actor.position`, clocks started now."""
    client.force_login(actor.user)
    session = client.session
    now = time.time()
    session[sessions.AUTH_AT] = now
    session[sessions.LAST_SEEN] = now
    session[sessions.TWO_FACTOR_OK] = two_factor
    if actor.position is not None:
        session[sessions.POSITION] = actor.position.pk
    session.save()


def shift_session(client, *, auth_at: float | None = None, last_seen: float | None = None):
    """Move the session's stored timeout clocks (seconds ago)."""
    session = client.session
    now = time.time()
    if auth_at is not None:
        session[sessions.AUTH_AT] = now - auth_at
    if last_seen is not None:
        session[sessions.LAST_SEEN] = now - last_seen
    session.save()


def enrol(user: User) -> tuple[TwoFactorDevice, list[str]]:
    """A confirmed authenticator plus its 10 recovery codes."""
    device = totp.pending_device(user)
    codes = totp.confirm_device(device, current_code(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def current_code(device: TwoFactorDevice) -> str:
    """The code the phone shows now. Forgets the last accepted step first, so a test can
    present a fresh code more than once within one 30-second step."""
    TwoFactorDevice.objects.filter(pk=device.pk).update(last_used_step=0)
    device.last_used_step = 0
    return pyotp.TOTP(device.secret).now()


def wrong_code(device: TwoFactorDevice) -> str:
    """A well-formed 6-digit code that is not valid in the accepted window."""
    good = {pyotp.TOTP(device.secret).at(time.time() + d * 30) for d in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in good)


def login(client, username: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)
