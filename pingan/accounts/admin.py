"""Django admin for users and positions, with login locks and authenticators to look at.

For the system admin only (`adminaccess`). Every change goes through `services`, so the admin
obeys the same rules (password policy, 三员分立, no self-grants) and leaves the same audit
records as any other caller. Nothing here deletes: users are deactivated, positions revoked.
Unlocking accounts and resetting authenticators are the security admin's duties, on their own
page (/accounts/security/); here those tables are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pingan.accounts import services
from pingan.accounts.adminaccess import SystemAdminAccess, SystemAdminReadOnly
from pingan.accounts.models import LoginLock, Position, TwoFactorDevice, User
from pingan.accounts.scope import Actor, actor_for_request


def _actor(request) -> Actor:
    return actor_for_request(request)


class PasswordPairForm(forms.Form):
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext("两次输入的密码不一致。"))
        elif first:
            try:
                validate_password(first, self.user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class UserAddForm(forms.ModelForm):
    password1 = PasswordPairForm.base_fields["password1"]
    password2 = PasswordPairForm.base_fields["password2"]

    class Meta:
        model = User
        fields = ["username", "full_name", "email"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(gettext("用户名已存在。"))
        return username

    def clean(self):
        cleaned = super().clean()
        pair = PasswordPairForm(User(username=cleaned.get("username", "")), data=self.data)
        pair.is_valid()
        for field, errors in pair.errors.items():
            for error in errors:
                self.add_error(field, error)
        return cleaned


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "is_active"]


class PositionInline(SystemAdminReadOnly, admin.TabularInline):
    """Read-only list of a user's positions; grant and revoke them on the position pages."""

    model = Position
    extra = 0
    can_delete = False
    fields = ["role", "region", "department", "active", "created_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(User)
class UserAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ["username", "full_name", "is_active", "last_login"]
    list_filter = ["is_active", "positions__role"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    inlines = [PositionInline]
    change_password_template = "admin/auth/user/change_password.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj else UserAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "full_name", "email", "password1", "password2"]
        return [
            "username",
            "password_link",
            "full_name",
            "email",
            "is_active",
            "last_login",
            "date_joined",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["username", "password_link", "last_login", "date_joined"]

    @admin.display(description=_("密码"))
    def password_link(self, obj: User):
        url = reverse("admin:accounts_user_password", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("重设密码"))

    def save_model(self, request, obj, form, change):
        actor = _actor(request)
        try:
            if change:
                current = User.objects.get(pk=obj.pk)
                services.user_update(actor=actor, user=current, **form.cleaned_data)
                saved = current
            else:
                saved = services.user_create(
                    actor=actor,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data.get("full_name", ""),
                    email=form.cleaned_data.get("email", ""),
                )
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.__dict__.update(saved.__dict__)

    def get_urls(self):
        return [
            path(
                "<int:user_id>/password/",
                self.admin_site.admin_view(self.password_view),
                name="accounts_user_password",
            ),
            *super().get_urls(),
        ]

    def password_view(self, request, user_id: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise Http404
        form = PasswordPairForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.user_set_password(
                actor=_actor(request), user=user, password=form.cleaned_data["password1"]
            )
            if user.pk == request.user.pk:
                # One's own new password: keep this session (other sessions end).
                update_session_auth_hash(request, user)
            messages.success(request, gettext("密码已重设。"))
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("重设密码：%(username)s") % {"username": user.username},
            "form": form,
            "opts": self.opts,
            "original": user,
            "form_url": "",
            "is_popup": False,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.change_password_template, context)


class PositionAddForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ["user", "role", "region", "department"]


@admin.register(Position)
class PositionAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ["user", "role", "unit", "active", "created_at"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "user__full_name", "region__code", "department__code"]
    raw_id_fields = ["user", "region", "department"]
    actions = ["revoke"]

    @admin.display(description=_("单位"))
    def unit(self, obj: Position) -> str:
        return f"{obj.unit_name} ({obj.unit_code})"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PositionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A position never changes: revoke it and grant a new one, so history stays true.
        if obj is None:
            return []
        return ["user", "role", "region", "department", "active", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = services.position_grant(
            actor=_actor(request),
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            region=form.cleaned_data.get("region"),
            department=form.cleaned_data.get("department"),
        )
        obj.__dict__.update(saved.__dict__)

    @admin.action(description=_("撤销所选岗位"))
    def revoke(self, request, queryset):
        done = 0
        for position in queryset.select_related("user", "region", "department"):
            if not position.active:
                continue
            try:
                services.position_revoke(actor=_actor(request), position=position)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, f"{position}: {'; '.join(_messages(exc))}")
            else:
                done += 1
        if done:
            messages.success(request, gettext("已撤销 %(n)d 个岗位。") % {"n": done})


def _messages(exc: Exception) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


@admin.register(LoginLock)
class LoginLockAdmin(SystemAdminReadOnly, admin.ModelAdmin):
    list_display = ["scope", "key", "failures", "last_failure_at", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["key"]


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(SystemAdminReadOnly, admin.ModelAdmin):
    list_display = ["user", "confirmed_at", "created_at", "recovery_left"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "confirmed_at", "created_at"]

    @admin.display(description=_("剩余恢复码"))
    def recovery_left(self, obj: TwoFactorDevice) -> int:
        return obj.user.recovery_codes.filter(used_at__isnull=True).count()
