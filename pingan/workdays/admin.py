"""Django admin: the holiday table, read-only.

Changes go through the calendar page (/calendar/), whose services validate, audit and
trigger deadline recomputation; editing rows here would bypass all three.
"""

from django.contrib import admin

from pingan.workdays.models import SpecialDay, YearSchedule


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(YearSchedule)
class YearScheduleAdmin(ReadOnlyAdmin):
    list_display = ("year", "status", "source", "entered_at", "entered_by")
    list_filter = ("status", "source")
    ordering = ("-year",)
    readonly_fields = ("year", "status", "source", "entered_at", "entered_by", "updated_at")


@admin.register(SpecialDay)
class SpecialDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "name", "year")
    list_filter = ("kind", "year")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)
