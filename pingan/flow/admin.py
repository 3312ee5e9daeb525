"""Admin (system admins): the matter catalogue (事项目录), saved through the catalogue service.

Cases and their history are not in the admin: they are scoped data, and the three
administrators see no cases (三员分立, docs/decisions/0007-case-engine.md).
"""

from __future__ import annotations

from django.contrib import admin

from pingan.accounts.adminaccess import SystemAdminAccess
from pingan.accounts.scope import actor_for_request
from pingan.flow.catalogue import check_matter_limit, matter_limit_save
from pingan.flow.models import MatterLimit


@admin.register(MatterLimit)
class MatterLimitAdmin(SystemAdminAccess, admin.ModelAdmin):
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
