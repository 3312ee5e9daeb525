"""Admin (system admins, read-only): the log of inbound SMS, for fixing a gateway.

Like the notify log, it shows how each message was handled (command, outcome, times, the
reply's idempotency key), never the sender's number or the text: those are citizens' data
and the system admin reads no case data (三员分立). Imported by `pingan.public.admin`.
"""

from __future__ import annotations

from django.contrib import admin

from pingan.accounts.adminaccess import SystemAdminReadOnly
from pingan.public.sms.models import SmsInbound


@admin.register(SmsInbound)
class SmsInboundAdmin(SystemAdminReadOnly, admin.ModelAdmin):
    list_display = ["gateway_id", "received_at", "created_at", "to", "command", "outcome"]
    list_filter = ["command", "outcome"]
    search_fields = ["gateway_id"]
    date_hierarchy = "created_at"
    fields = [
        "gateway_id",
        "to",
        "command",
        "outcome",
        "reply_key",
        "received_at",
        "created_at",
        "ip",
    ]
    readonly_fields = fields
    list_per_page = 100
    show_full_result_count = False
