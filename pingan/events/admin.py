"""Admin: the event category code table (system admins; editable, never deleted — disable)."""

from __future__ import annotations

from django.contrib import admin

from pingan.accounts.adminaccess import SystemAdminAccess
from pingan.accounts.scope import actor_for_request
from pingan.events.disputes import dispute_category_save
from pingan.events.models import DisputeCategory, EventCategory
from pingan.events.services import category_save, check_category_parent


@admin.register(EventCategory)
class EventCategoryAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sort", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are referenced by events and the matter catalogue: fixed once created.
        return ["code"] if obj else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                code = cleaned.get("code") or (self.instance.code if self.instance else "")
                check_category_parent(EventCategory(code=code, parent=cleaned.get("parent")))
                return cleaned

        return CheckedForm

    def save_model(self, request, obj, form, change) -> None:
        category_save(actor=actor_for_request(request), category=obj, created=not change)


@admin.register(DisputeCategory)
class DisputeCategoryAdmin(SystemAdminAccess, admin.ModelAdmin):
    """矛盾纠纷类别 (the 19 national items, editable; disable rather than delete)."""

    list_display = ["code", "name", "sort", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are stored on dispute cases and the matter catalogue: fixed once created.
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        dispute_category_save(actor=actor_for_request(request), category=obj, created=not change)
