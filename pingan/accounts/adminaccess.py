"""Who may use the Django admin: the system administrator, and only them (三员分立).

The admin is the system admin's screen for base data (code tables, regions, departments,
users and positions). Access follows the position the user is *currently acting through*,
exactly like every other page: a person who holds a system_admin position but acts as
something else gets nothing here, and Django's superuser and staff flags grant nothing
either, so no single account can do the security admin's or the auditor's work.

Every admin class in the project mixes in `SystemAdminAccess` (editable) or
`SystemAdminReadOnly` (view only). Neither ever offers deletion: base data is referenced by
records and is deactivated instead.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from pingan.accounts.roles import Role
from pingan.accounts.scope import actor_for_request


def is_system_admin(request: HttpRequest) -> bool:
    """True when the signed-in, active user currently acts as a system admin."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    try:
        actor = actor_for_request(request)
    except PermissionDenied:
        # E.g. an API-style position header naming a position the user does not hold.
        return False
    return actor.has_role(Role.SYSTEM_ADMIN)


class SystemAdminAccess:
    """ModelAdmin/inline mixin: the system admin views, adds and changes; nobody deletes."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_system_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request)

    # `obj` is accepted because inlines are asked with the parent object.
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_system_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class SystemAdminReadOnly(SystemAdminAccess):
    """ModelAdmin mixin: the system admin may look; changes happen elsewhere (services)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
