"""Login, logout and the position switcher. Thin: checks live in `authflow` and `scope`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from pingan.accounts import authflow, sessions, totp
from pingan.accounts.forms import LoginForm, PositionForm
from pingan.accounts.scope import Actor, actor_for_request
from pingan.accounts.selectors import active_positions
from pingan.audit.services import audit_log
from pingan.core.http import client_ip

NOTICES = {"expired": gettext_lazy("会话已超时，请重新登录。")}


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """The `next` target when it points into this site, else `default` (the home page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or settings.LOGIN_REDIRECT_URL


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def after_sign_in(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    """Where a fully signed-in user goes: the position chooser when they hold several
    positions (the first is pre-selected), else straight on."""
    if active_positions(request.user).count() > 1:
        return HttpResponseRedirect(with_next(reverse("accounts:position"), next_url))
    return HttpResponseRedirect(next_url)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    notice = sessions.pop_notice(request)
    if notice in NOTICES:
        messages.warning(request, NOTICES[notice])
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        try:
            user = authflow.check_password(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=ip,
                request=request,
            )
        except authflow.LoginDenied as denied:
            form.add_error(None, denied.message)
        else:
            device = totp.confirmed_device(user)
            second = totp.needs_totp(user) or device is not None
            sessions.start_session(request, user, second_factor_due=second)
            positions = list(active_positions(user))
            if positions:
                sessions.set_position(request, positions[0])
            authflow.login_succeeded(
                user, ip=ip, channel="web", second_factor="pending" if second else "none"
            )
            if second:
                target = "accounts:2fa-verify" if device else "accounts:2fa-setup"
                return HttpResponseRedirect(with_next(reverse(target), next_url))
            return after_sign_in(request, next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        ip = client_ip(request)
        audit_log(
            actor=Actor(user=request.user, position=None, ip=ip),
            action="auth.logout",
            object_type="user",
            object_id=str(request.user.pk),
            ip=ip,
        )
    logout(request)
    messages.success(request, _("您已安全退出。"))
    return HttpResponseRedirect(settings.LOGIN_URL)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def position_view(request: HttpRequest) -> HttpResponse:
    """Choose the position to act through; stored in the session."""
    positions = list(active_positions(request.user))
    current = actor_for_request(request).position
    next_url = safe_next(request)
    form = PositionForm(
        request.POST or None,
        positions=positions,
        initial={"position": current.pk if current else None},
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(p for p in positions if p.pk == form.cleaned_data["position"])
        sessions.set_position(request, chosen)
        ip = client_ip(request)
        audit_log(
            actor=Actor(user=request.user, position=chosen, ip=ip),
            action="auth.position_switch",
            object_type="position",
            object_id=str(chosen.pk),
            region_code=chosen.scope_code,
            ip=ip,
        )
        messages.success(request, _("当前岗位：%(position)s") % {"position": chosen})
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "accounts/position.html",
        {"form": form, "positions": positions, "current": current, "next": next_url},
    )
