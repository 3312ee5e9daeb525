"""The project's Django admin site: the system administrator's screen, behind the normal sign-in.

Installed in place of ``django.contrib.admin`` (settings.INSTALLED_APPS), so ``admin.site``
and every ``@admin.register`` use it. Differences from Django's site:

- Access is `adminaccess.is_system_admin` (the current position is system_admin); Django's
  staff and superuser flags grant nothing (三员分立).
- The admin's own login form is never used: it would skip the lockout, the audit and the
  second factor. Anonymous visitors go to the project's login page with ``?next=``, and the
  2FA middleware then applies as on every page. A signed-in user without the role gets the
  Chinese 403 page (audited) instead of a login form, so there is no redirect loop.
- Logging out and changing one's password go through the project's own audited views.

This module is imported while the app registry is being built, so it imports models lazily.
"""

from __future__ import annotations

from functools import update_wrapper
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect


def _to_login(next_url: str) -> HttpResponseRedirect:
    # The login page checks that `next` stays on this site before following it.
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': next_url})}")


class PinganAdminSite(AdminSite):
    """The default admin site (see the module docstring)."""

    def has_permission(self, request: HttpRequest) -> bool:
        from pingan.accounts.adminaccess import is_system_admin

        return is_system_admin(request)

    def admin_view(self, view, cacheable: bool = False):
        """Like Django's, but anonymous → project login page, signed in without the role → 403."""

        def inner(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_login(request.get_full_path())
            if not self.has_permission(request):
                self._deny(request)
            return view(request, *args, **kwargs)

        if not cacheable:
            inner = never_cache(inner)
        if not getattr(view, "csrf_exempt", False):
            inner = csrf_protect(inner)
        return update_wrapper(inner, view)

    def _deny(self, request: HttpRequest) -> None:
        """Audit the refusal (``permission.denied``) and raise PermissionDenied (403 page)."""
        from pingan.accounts.scope import actor_for_request
        from pingan.audit.services import audit_log

        # A refused position header is audited (and raised) by actor_for_request itself.
        actor = actor_for_request(request)
        audit_log(
            actor=actor,
            action="permission.denied",
            object_type="admin",
            object_id=request.path,
            outcome="denied",
            detail={"reason": "system_admin_required", "role": actor.role or ""},
        )
        raise PermissionDenied(_("只有系统管理员可以使用管理后台。"))

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Never shows Django's login form (see the module docstring)."""
        index = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return _to_login(request.GET.get("next") or index)
        if not self.has_permission(request):
            self._deny(request)
        return HttpResponseRedirect(index)

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # The project's logout audits ``auth.logout`` and returns to the login page.
        from pingan.accounts.views import logout_view

        return logout_view(request)

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # One's own password is set on the user admin's password page, which validates the
        # policy and audits through `services.user_set_password`.
        return HttpResponseRedirect(
            reverse("admin:accounts_user_password", args=[request.user.pk], current_app=self.name)
        )

    def password_change_done(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))


class PinganAdminConfig(AdminConfig):
    """``django.contrib.admin`` with `PinganAdminSite` as the default site."""

    default_site = "pingan.web.adminsite.PinganAdminSite"
