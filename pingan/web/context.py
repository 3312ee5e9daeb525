"""Template context for the page shell: site name, the acting position and the left nav.

Everything that needs the database is lazy, so pages that never show the shell (the admin,
the API) pay nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from pingan.accounts.roles import ADMIN_ROLES, Role
from pingan.accounts.scope import Actor, actor_for_request
from pingan.notify.selectors import request_badge
from pingan.public.hotline.access import CALLBACK_ROLES, HOTLINE_ROLES
from pingan.registry.page_selectors import registry_refusal

# The default site name is a product string and is translated; a deployment that sets its
# own PINGAN_SITE_NAME gets that name verbatim in every language.
DEFAULT_SITE_NAME = "平安建设信息系统"
TRANSLATED_DEFAULT_SITE_NAME = _("平安建设信息系统")


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str


def site_name():
    if settings.PINGAN_SITE_NAME == DEFAULT_SITE_NAME:
        return TRANSLATED_DEFAULT_SITE_NAME
    return settings.PINGAN_SITE_NAME


def request_actor(request: HttpRequest) -> Actor:
    """The actor behind `request` (position chosen in the session); positionless when anonymous."""
    if not request.user.is_authenticated:
        return Actor(user=request.user, position=None)
    return actor_for_request(request)


def _shell_actor(request: HttpRequest) -> Actor:
    # The shell must render even on the 403 page of a request whose position was refused.
    try:
        return request_actor(request)
    except PermissionDenied:
        return Actor(user=request.user, position=None)


def nav_items(request: HttpRequest) -> list[NavItem]:
    """Left-nav links the current user may follow; only screens that exist are listed."""
    user = request.user
    if not user.is_authenticated:
        return []
    actor = _shell_actor(request)
    items = [NavItem("home", _("首页"), "/")]
    if actor.position is not None and actor.role not in ADMIN_ROLES:
        items.append(NavItem("command", _("指挥中心"), "/command/"))
    if actor.role in HOTLINE_ROLES:
        items.append(NavItem("hotline", _("热线受理"), "/hotline/"))
    if actor.role in CALLBACK_ROLES:
        items.append(NavItem("callbacks", _("回访"), "/callbacks/"))
    if actor.position is not None and registry_refusal(actor) is None:
        items.append(NavItem("registry", _("基础信息"), "/registry/"))
    if actor.has_role(Role.AUDITOR):
        items.append(NavItem("audit", _("审计日志"), "/audit/"))
    if actor.has_role(Role.SECURITY_ADMIN):
        items.append(NavItem("security", _("安全管理"), "/accounts/security/"))
    if actor.has_role(Role.SYSTEM_ADMIN):
        items.append(NavItem("calendar", _("工作日历"), "/calendar/"))
    # The admin lets in exactly the current system admin (adminaccess.is_system_admin).
    if actor.has_role(Role.SYSTEM_ADMIN):
        items.append(NavItem("admin", _("管理后台"), "/admin/"))
    items.append(NavItem("api", _("API 文档"), "/api/v1/docs/"))
    return items


def site(request: HttpRequest) -> dict:
    """Context processor (settings.TEMPLATES): shell data for every page."""
    return {
        "site_name": site_name(),
        "actor": SimpleLazyObject(lambda: _shell_actor(request)),
        "nav_items": SimpleLazyObject(lambda: nav_items(request)),
        # Unread in-app messages for the header badge: one COUNT, only on pages that show it.
        "notify_unread": SimpleLazyObject(lambda: request_badge(request)),
    }
