"""Django admin: the holiday table, read-only, for system admins.

Changes go through the calendar page (/calendar/), whose services validate, audit and
trigger deadline recomputation; editing rows here would bypass all three.
"""

from django.contrib import admin

from pingan.accounts.adminaccess import SystemAdminReadOnly
from pingan.workdays.models import SpecialDay, YearSchedule


@admin.register(YearSchedule)
class YearScheduleAdmin(SystemAdminReadOnly, admin.ModelAdmin):
    list_display = ("year", "status", "source", "entered_at", "entered_by")
    list_filter = ("status", "source")
    ordering = ("-year",)
    readonly_fields = ("year", "status", "source", "entered_at", "entered_by", "updated_at")


@admin.register(SpecialDay)
class SpecialDayAdmin(SystemAdminReadOnly, admin.ModelAdmin):
    list_display = ("date", "kind", "name", "year")
    list_filter = ("kind", "year")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)
