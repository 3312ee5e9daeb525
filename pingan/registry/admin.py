"""Admin for the registry's configuration data: code tables and visit rules (system admins).

Nothing is deleted: codes and rules are referenced by records, so they are disabled instead.

People, houses and cards are not edited here: they change only through the services, which
check scope and audit every write. Changes made here go through `services.config` too.
"""

from __future__ import annotations

from django.contrib import admin

from pingan.accounts.adminaccess import SystemAdminAccess
from pingan.accounts.scope import actor_for_request
from pingan.registry.models import CodeTable, CodeValue, VisitRule
from pingan.registry.services.config import code_table_save, code_value_save, visit_rule_save


class CodeValueInline(SystemAdminAccess, admin.TabularInline):
    model = CodeValue
    extra = 1
    fields = ("code", "label", "sort", "active")

    def get_readonly_fields(self, request, obj=None):
        return ()


@admin.register(CodeTable)
class CodeTableAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ("code", "name", "official", "source")
    list_filter = ("official",)
    search_fields = ("code", "name")
    inlines = [CodeValueInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change) -> None:
        code_table_save(actor=actor_for_request(request), table=obj)

    def save_formset(self, request, form, formset, change) -> None:
        actor = actor_for_request(request)
        for value in formset.save(commit=False):
            code_value_save(actor=actor, value=value)


@admin.register(VisitRule)
class VisitRuleAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ("kind", "risk_min", "risk_max", "interval_days", "active", "note")
    list_filter = ("kind", "active")

    def save_model(self, request, obj, form, change) -> None:
        visit_rule_save(actor=actor_for_request(request), rule=obj)
