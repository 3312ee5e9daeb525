"""Admin: the event category code table (editable data, never deleted — disable instead)."""

from __future__ import annotations

from django.contrib import admin

from pingan.accounts.scope import actor_for_request
from pingan.events.models import EventCategory
from pingan.events.services import category_save, check_category_parent


@admin.register(EventCategory)
class EventCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sort", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

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
