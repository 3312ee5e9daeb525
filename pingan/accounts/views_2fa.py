"""TOTP enrolment, verification after the password, and new recovery codes. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pingan.accounts import authflow, sessions, totp
from pingan.accounts.forms import CodeForm
from pingan.accounts.views import after_sign_in, safe_next, with_next
from pingan.core.http import client_ip


def _locked_out(request: HttpRequest, denied: authflow.LoginDenied) -> HttpResponse:
    """The account just got (or is) locked: end the half-signed-in session."""
    logout(request)
    messages.error(request, denied.message)
    return HttpResponseRedirect(reverse("accounts:login"))


def _show_codes(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    # Rendered straight into the POST response and never stored: shown exactly once.
    continue_url = after_sign_in(request, next_url).url
    return render(request, "accounts/2fa_codes.html", {"codes": codes, "next": continue_url})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def setup_view(request: HttpRequest) -> HttpResponse:
    """Enrol: scan the QR code (or type the key), confirm with a code, get recovery codes."""
    user = request.user
    next_url = safe_next(request)
    if totp.confirmed_device(user) is not None:
        if not sessions.two_factor_ok(request):
            return HttpResponseRedirect(with_next(reverse("accounts:2fa-verify"), next_url))
        return render(
            request,
            "accounts/2fa_status.html",
            {
                "form": CodeForm(),
                "remaining": totp.remaining_recovery_codes(user),
                "next": next_url,
            },
        )
    device = totp.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = authflow.confirm_enrolment(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except authflow.LoginDenied as denied:
            if denied.code == "locked":
                return _locked_out(request, denied)
            form.add_error("code", denied.message)
        else:
            sessions.mark_two_factor_ok(request)
            return _show_codes(request, codes, next_url)
    uri = totp.provisioning_uri(device)
    return render(
        request,
        "accounts/2fa_setup.html",
        {
            "form": form,
            "qr_svg": totp.qr_svg(uri),
            "secret": totp.grouped_secret(device.secret),
            "next": next_url,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """Second step after the password: a TOTP code or a single-use recovery code."""
    user = request.user
    next_url = safe_next(request)
    if totp.confirmed_device(user) is None:
        return HttpResponseRedirect(with_next(reverse("accounts:2fa-setup"), next_url))
    if sessions.two_factor_ok(request):
        return HttpResponseRedirect(next_url)
    form = CodeForm(request.POST or None, allow_recovery=True)
    if request.method == "POST" and form.is_valid():
        try:
            method = authflow.check_second_factor(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request), channel="web"
            )
        except authflow.LoginDenied as denied:
            if denied.code == "locked":
                return _locked_out(request, denied)
            form.add_error("code", denied.message)
        else:
            sessions.mark_two_factor_ok(request)
            if method == "recovery":
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 %(n)d 个。恢复码不足时请重新生成。")
                    % {"n": totp.remaining_recovery_codes(user)},
                )
            return after_sign_in(request, next_url)
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": next_url})


@login_required
@never_cache
@require_POST
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (needs a current TOTP code). Reached from the status page."""
    form = CodeForm(request.POST)
    next_url = safe_next(request)
    if form.is_valid():
        try:
            codes = authflow.regenerate_recovery_codes(
                user=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except authflow.LoginDenied as denied:
            if denied.code == "locked":
                return _locked_out(request, denied)
            form.add_error("code", denied.message)
        else:
            return _show_codes(request, codes, next_url)
    return render(
        request,
        "accounts/2fa_status.html",
        {
            "form": form,
            "remaining": totp.remaining_recovery_codes(request.user),
            "next": next_url,
        },
        status=400,
    )
