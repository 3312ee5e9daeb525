"""Admin (system admins only): Open311 client systems and their keys.

Adding a client issues its key through `open311_client_issue` and shows the key once on
the next page (it is never stored in clear, nor put in a message that would sit in the
session). Keys are replaced with the "重新签发密钥" action and switched off with "停用";
clients are never deleted (their reports point at them).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pingan.accounts.adminaccess import SystemAdminAccess
from pingan.accounts.scope import actor_for_request
from pingan.public.models import Open311Client
from pingan.public.open311 import services

KEY_PAGE = "admin/public/open311client/key_issued.html"


class Open311ClientForm(forms.ModelForm):
    class Meta:
        model = Open311Client
        fields = ["name", "region", "contact"]

    def clean(self):
        cleaned = super().clean()
        region = cleaned.get("region") if "region" in self.fields else self.instance.region
        try:
            services.check_client(cleaned.get("name") or "", region, cleaned.get("contact") or "")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(Open311Client)
class Open311ClientAdmin(SystemAdminAccess, admin.ModelAdmin):
    form = Open311ClientForm
    list_display = [
        "name",
        "key_prefix",
        "region",
        "contact",
        "active",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["active"]
    search_fields = ["name", "key_prefix", "contact", "region__code", "region__name"]
    autocomplete_fields = ["region"]
    actions = ["rotate", "revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "region", "contact"]
        return [
            "name",
            "contact",
            "region",
            "key_prefix",
            "active",
            "created_by",
            "created_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["region", "key_prefix", "active", "created_by", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change) -> None:
        actor = actor_for_request(request)
        if change:
            saved = services.open311_client_update(
                actor=actor,
                client=obj,
                name=form.cleaned_data["name"],
                contact=form.cleaned_data.get("contact", ""),
            )
        else:
            saved, key = services.open311_client_issue(
                actor=actor,
                name=form.cleaned_data["name"],
                region=form.cleaned_data["region"],
                contact=form.cleaned_data.get("contact", ""),
            )
            request._open311_key = key
        obj.__dict__.update(saved.__dict__)

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, "_open311_key", "")
        if not key:
            return super().response_add(request, obj, post_url_continue)
        return self._key_page(request, obj, key, gettext("接入密钥已签发"))

    def _key_page(self, request, client: Open311Client, key: str, title: str):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "client": client,
            "key": key,
            "opts": self.opts,
            "has_view_permission": True,
        }
        response = TemplateResponse(request, KEY_PAGE, context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("重新签发所选客户端的密钥（旧密钥立即失效）"))
    def rotate(self, request, queryset):
        clients = list(queryset)
        if len(clients) != 1:
            messages.error(request, gettext("一次只能为一个客户端重新签发密钥。"))
            return None
        try:
            client, key = services.open311_client_rotate(
                actor=actor_for_request(request), client=clients[0]
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return None
        return self._key_page(request, client, key, gettext("接入密钥已重新签发"))

    @admin.action(description=_("停用所选客户端（密钥立即失效）"))
    def revoke(self, request, queryset):
        done = 0
        for client in queryset:
            if not client.active:
                continue
            try:
                services.open311_client_revoke(actor=actor_for_request(request), client=client)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, f"{client}: {exc}")
            else:
                done += 1
        if done:
            messages.success(request, gettext("已停用 %(n)d 个客户端。") % {"n": done})


# The inbound SMS log (pingan/public/sms/admin.py).
from pingan.public.sms import admin as _sms_admin  # noqa: E402, F401
