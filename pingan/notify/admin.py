"""Admin (system admin): the delivery log of every message, and re-sending failed ones.

What a message says and whom it went to stay out of the admin: bodies carry case details and
citizens' query codes, recipients are people's phone numbers (三员分立: the system admin
runs the platform and reads no case data). The log shows how delivery went: channel, type,
status, attempts, gateway and error, which is what fixing a gateway needs.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pingan.accounts.adminaccess import SystemAdminReadOnly, is_system_admin
from pingan.accounts.scope import actor_for_request
from pingan.notify.models import Notification, Status
from pingan.notify.services import notification_requeue


@admin.register(Notification)
class NotificationAdmin(SystemAdminReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "channel",
        "topic",
        "status",
        "attempts",
        "backend",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "topic", "backend"]
    date_hierarchy = "created_at"
    fields = [
        "key",
        "channel",
        "topic",
        "status",
        "backend",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "provider_id",
        "created_at",
        "sent_at",
        "read_at",
    ]
    readonly_fields = fields
    actions = ["requeue"]
    list_per_page = 100
    show_full_result_count = False

    @admin.action(description=_("重新发送所选的发送失败消息"), permissions=["requeue"])
    def requeue(self, request, queryset):
        ids = list(queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
        count = notification_requeue(actor=actor_for_request(request), ids=ids)
        self.message_user(
            request,
            ngettext("已重新排队 %(n)d 条消息。", "已重新排队 %(n)d 条消息。", count)
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_requeue_permission(self, request) -> bool:
        return is_system_admin(request)
