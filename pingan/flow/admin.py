"""Admin: the matter catalogue is editable; cases and history are read-only views."""

from __future__ import annotations

from django.contrib import admin

from pingan.accounts.scope import actor_for_request
from pingan.flow.catalogue import check_matter_limit, matter_limit_save
from pingan.flow.models import Case, CaseAction, MatterLimit


class SystemAdminOnly:
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MatterLimit)
class MatterLimitAdmin(SystemAdminOnly, admin.ModelAdmin):
    list_display = [
        "case_type",
        "category_code",
        "urgency",
        "accept_amount",
        "accept_unit",
        "handle_amount",
        "handle_unit",
        "verify_amount",
        "verify_unit",
    ]
    list_filter = ["case_type", "urgency"]
    search_fields = ["category_code", "note"]

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class CheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                fields = [
                    f"{k}_{p}" for k in ("accept", "handle", "verify") for p in ("amount", "unit")
                ]
                check_matter_limit(MatterLimit(**{f: cleaned.get(f) for f in fields}))
                return cleaned

        return CheckedForm

    def save_model(self, request, obj, form, change) -> None:
        matter_limit_save(actor=actor_for_request(request), limit=obj)


class ReadOnly(SystemAdminOnly):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "case_type", "state", "holder_code", "due_at", "is_overdue"]
    list_filter = ["case_type", "state", "is_overdue", "supervision_level"]
    search_fields = ["number", "title"]


@admin.register(CaseAction)
class CaseActionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["case", "seq", "action", "unit_code", "from_state", "to_state", "created_at"]
    list_filter = ["action"]
    search_fields = ["case__number"]
