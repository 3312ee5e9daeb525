"""The security admin's page: login locks in force, unlock, reset a lost authenticator."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts import services
from pingan.accounts.models import LockScope, User
from pingan.accounts.roles import Role
from pingan.accounts.scope import actor_for_request
from pingan.accounts.selectors import login_counters


class UnlockForm(forms.Form):
    scope = forms.ChoiceField(choices=LockScope.choices)
    key = forms.CharField(max_length=150)


class ResetForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        error_messages={"required": gettext_lazy("请输入用户名。")},
    )


def _page(request: HttpRequest, reset_form: ResetForm, status: int = 200) -> HttpResponse:
    now = timezone.now()
    rows = [
        {"row": row, "locked": bool(row.locked_until and row.locked_until > now)}
        for row in login_counters(now)
    ]
    return render(
        request,
        "accounts/security.html",
        {"rows": rows, "reset_form": reset_form},
        status=status,
    )


@login_required
@never_cache
@require_GET
def security_view(request: HttpRequest) -> HttpResponse:
    services.require_role(actor_for_request(request), Role.SECURITY_ADMIN, "security.view")
    return _page(request, ResetForm())


@login_required
@require_POST
def unlock_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    services.require_role(actor, Role.SECURITY_ADMIN, "auth.unlock")
    form = UnlockForm(request.POST)
    if form.is_valid():
        key = form.cleaned_data["key"]
        if form.cleaned_data["scope"] == LockScope.USERNAME:
            services.user_unlock(actor=actor, username=key)
        else:
            services.user_unlock(actor=actor, ip=key)
        messages.success(request, _("已解除 %(key)s 的锁定。") % {"key": key})
    return HttpResponseRedirect(reverse("accounts:security"))


@login_required
@require_POST
def reset_2fa_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    services.require_role(actor, Role.SECURITY_ADMIN, "auth.2fa_reset")
    form = ResetForm(request.POST)
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"].strip()).first()
        if user is None:
            form.add_error("username", _("用户不存在。"))
        else:
            services.user_reset_2fa(actor=actor, user=user)
            messages.success(
                request,
                _("已重置 %(username)s 的两步验证，该用户下次登录时需重新绑定。")
                % {"username": user.username},
            )
            return HttpResponseRedirect(reverse("accounts:security"))
    return _page(request, form, status=400)
