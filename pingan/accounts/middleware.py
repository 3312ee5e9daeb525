"""Session idle/absolute timeouts and the 2FA requirement for signed-in web sessions.

Both run after AuthenticationMiddleware and only look at session sign-ins: token-authenticated
API requests are resolved later by DRF and carry their own proof (a token is issued only
after the second factor for roles that need one).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from pingan.accounts import sessions, totp
from pingan.accounts.scope import Actor
from pingan.accounts.selectors import active_roles, holds_admin_role, requires_totp
from pingan.audit.services import audit_log
from pingan.core.http import client_ip

API_PREFIX = "/api/"
# Saving the session on every request would write to the database each time; the idle clock
# is refreshed at most this often, so a session may expire up to this much *earlier*.
TOUCH_INTERVAL = 30


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def request_roles(request: HttpRequest) -> set[str]:
    """Active role codes of the signed-in user, read once per request."""
    roles = getattr(request, "_pingan_roles", None)
    if roles is None:
        roles = active_roles(request.user)
        request._pingan_roles = roles
    return roles


def _login_redirect(request: HttpRequest, target: str) -> HttpResponse:
    url = f"{target}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        # An HTMX fragment request would swap the login page into the middle of a page.
        return HttpResponse(status=401, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


class SessionTimeoutMiddleware:
    """Log out sessions idle for too long (15 min with an admin role, else 30) or older than
    the absolute limit (12 h). Audits ``auth.session_expired``; pages redirect to the login
    page with "会话已超时，请重新登录", API calls get 401 JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._check(request)
            if expired is not None:
                return expired
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = time.time()
        auth_at = session.get(sessions.AUTH_AT)
        last_seen = session.get(sessions.LAST_SEEN)
        if not isinstance(auth_at, int | float) or not isinstance(last_seen, int | float):
            # A session started by other means (force_login, an older release): start the
            # clocks now rather than throwing the person out.
            session[sessions.AUTH_AT] = now
            session[sessions.LAST_SEEN] = now
            return None
        idle_limit = (
            settings.PINGAN_IDLE_TIMEOUT_ADMIN
            if holds_admin_role(request_roles(request))
            else settings.PINGAN_IDLE_TIMEOUT_USER
        )
        if now - auth_at > settings.PINGAN_SESSION_ABSOLUTE:
            return self._expire(request, "absolute", now - auth_at)
        if now - last_seen > idle_limit:
            return self._expire(request, "idle", now - last_seen)
        if now - last_seen >= TOUCH_INTERVAL:
            session[sessions.LAST_SEEN] = now
        return None

    def _expire(self, request: HttpRequest, reason: str, elapsed: float) -> HttpResponse:
        user = request.user
        ip = client_ip(request)
        audit_log(
            actor=Actor(user=user, position=None, ip=ip),
            action="auth.session_expired",
            object_type="user",
            object_id=str(user.pk),
            ip=ip,
            outcome="expired",
            detail={"reason": reason, "seconds": int(elapsed)},
        )
        logout(request)
        message = _("会话已超时，请重新登录。")
        if is_api_request(request):
            return JsonResponse({"detail": message}, status=401)
        # The message framework is not set up yet at this point of the chain; the login
        # page reads this one-shot key from the fresh session instead.
        request.session[sessions.NOTICE] = "expired"
        return _login_redirect(request, settings.LOGIN_URL)


class TwoFactorRequiredMiddleware:
    """Send a signed-in user whose roles need TOTP to enrolment or verification until the
    second factor has passed in this session. Logout, static files, language switching and
    the 2FA pages themselves stay reachable; API calls get 403 JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not sessions.two_factor_ok(request)
            and not self._exempt(request.path)
            and (sessions.two_factor_pending(request) or requires_totp(request_roles(request)))
        ):
            if is_api_request(request):
                return JsonResponse({"detail": _("请先完成两步验证。")}, status=403)
            if totp.confirmed_device(user) is None:
                return _login_redirect(request, reverse("accounts:2fa-setup"))
            return _login_redirect(request, reverse("accounts:2fa-verify"))
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("accounts:logout"),
            reverse("accounts:2fa-setup"),
            reverse("accounts:2fa-verify"),
            reverse("accounts:login"),
            reverse("healthz"),
        )
        prefixes = (settings.STATIC_URL, "/i18n/")
        return path in allowed or path.startswith(prefixes)
