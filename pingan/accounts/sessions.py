"""What a signed-in web session carries besides Django's own keys, and how it starts."""

from __future__ import annotations

import time

from django.contrib.auth import login
from django.http import HttpRequest

from pingan.accounts.models import Position, User

AUTH_AT = "pingan_auth_at"  # epoch seconds of the password login (absolute timeout)
LAST_SEEN = "pingan_last_seen"  # epoch seconds of the last request (idle timeout)
POSITION = "pingan_position_id"  # the position the user acts through
TWO_FACTOR_OK = "pingan_2fa_verified"  # True once the second factor passed this session
# True when sign-in found a second factor due (roles, or voluntary enrolment). Roles are also
# re-checked on every request, so a role granted mid-session is enforced at once.
TWO_FACTOR_PENDING = "pingan_2fa_pending"
NOTICE = "pingan_login_notice"  # one-shot reason shown on the login page ("expired")

BACKEND = "django.contrib.auth.backends.ModelBackend"


def start_session(request: HttpRequest, user: User, *, second_factor_due: bool) -> None:
    """Log `user` in (new session key) and stamp the timeout clocks."""
    login(request, user, backend=BACKEND)
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now
    request.session[TWO_FACTOR_OK] = False
    request.session[TWO_FACTOR_PENDING] = second_factor_due


def mark_two_factor_ok(request: HttpRequest) -> None:
    # A new session key when the session gains privileges, like at login (session fixation).
    request.session.cycle_key()
    request.session[TWO_FACTOR_OK] = True


def two_factor_ok(request: HttpRequest) -> bool:
    return bool(request.session.get(TWO_FACTOR_OK))


def two_factor_pending(request: HttpRequest) -> bool:
    return bool(request.session.get(TWO_FACTOR_PENDING))


def set_position(request: HttpRequest, position: Position) -> None:
    request.session[POSITION] = position.pk


def session_position_id(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    value = session.get(POSITION)
    return value if isinstance(value, int) else None


def pop_notice(request: HttpRequest) -> str | None:
    return request.session.pop(NOTICE, None)
