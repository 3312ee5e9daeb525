"""Portal pages for following a case: look-up by number + query code, by phone + SMS
one-time code, the case's public page with rating and reopening, the survey link, photos.

An unknown case number, a wrong code and a case not proven in this browser all answer
alike (no enumeration). Look-ups and code checks are rate-limited per IP.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pingan.audit.services import audit_log
from pingan.core.http import client_ip
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.public.portal.access import (
    PATH,
    can_see,
    forget,
    grant_case,
    grant_phone,
    read_grants,
    survey_number,
)
from pingan.public.portal.forms import OtpForm, PhoneForm, RateForm, ReopenForm, TrackForm
from pingan.public.portal.otp import MAX_ATTEMPTS, OTP_TTL, USERNAME, otp_request, otp_verify
from pingan.public.portal.selectors import case_view, citizen_photos, phone_cases, public_report_for
from pingan.public.portal.services import portal_rate, portal_reopen
from pingan.public.portal.views import over_limit
from pingan.public.selectors import find_public_case

OTP_COOKIE = "pingan_portal_otp"
OTP_SALT = "pingan.public.portal.otp"
WRONG = gettext_lazy("案件编号或查询码不正确，请核对短信中的编号和 6 位查询码。")


def _track_page(
    request: HttpRequest,
    track_form: TrackForm | None = None,
    phone_form: PhoneForm | None = None,
    status: int = 200,
) -> HttpResponse:
    number = request.GET.get("number", "")[:40]
    context = {
        "tab": "track",
        "track_form": track_form or TrackForm(initial={"number": number}),
        "phone_form": phone_form or PhoneForm(),
        "has_phone_grant": bool(read_grants(request).phone),
    }
    return render(request, "public/portal/track.html", context, status=status)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Look a case up by number + query code; success opens the case page."""
    if request.method != "POST":
        return _track_page(request)
    ip = client_ip(request)
    refusal = over_limit(request, "track_ip", ip or "")
    if refusal is not None:
        return refusal
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, track_form=form, status=400)
    number = form.cleaned_data["number"]
    case = find_public_case(number, form.cleaned_data["code"])
    audit_log(
        actor=None,
        username=USERNAME,
        action="public.track",
        object_type="flow.case",
        object_id=number[:40] if case else "",
        region_code=case.region_code if case else "",
        ip=ip,
        outcome="ok" if case else "failed",
        detail={} if case else {"number": number[:40]},
    )
    if case is None:
        form.add_error(None, WRONG)
        return _track_page(request, track_form=form, status=400)
    response = HttpResponseRedirect(reverse("portal:case", args=[case.number]))
    grant_case(request, response, case.number)
    return response


@require_POST
def otp_send(request: HttpRequest) -> HttpResponse:
    """Send a one-time code to a phone (the same answer whether it has cases or not)."""
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _track_page(request, phone_form=form, status=400)
    phone = form.cleaned_data["phone"]
    refusal = over_limit(request, "otp_ip", client_ip(request) or "") or over_limit(
        request, "otp_phone", phone
    )
    if refusal is not None:
        return refusal
    challenge = otp_request(phone=phone, ip=client_ip(request))
    response = HttpResponseRedirect(reverse("portal:otp_verify"))
    response.set_signed_cookie(
        OTP_COOKIE,
        challenge.token,
        salt=OTP_SALT,
        max_age=int(OTP_TTL.total_seconds()) * 2,
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@require_http_methods(["GET", "POST"])
def otp_verify_page(request: HttpRequest) -> HttpResponse:
    token = request.get_signed_cookie(
        OTP_COOKIE, default="", salt=OTP_SALT, max_age=int(OTP_TTL.total_seconds()) * 2
    )
    if not token:
        messages.info(request, _("验证码已失效，请重新获取。"))
        return HttpResponseRedirect(reverse("portal:track") + "#phone")
    form = OtpForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        refusal = over_limit(request, "track_ip", client_ip(request) or "")
        if refusal is not None:
            return refusal
        if form.is_valid():
            outcome = otp_verify(token=token, code=form.cleaned_data["code"], ip=client_ip(request))
            if outcome.ok:
                response = HttpResponseRedirect(reverse("portal:mine"))
                grant_phone(request, response, outcome.phone_hash)
                response.delete_cookie(OTP_COOKIE, path=PATH, samesite="Lax")
                return response
            form.add_error("code", outcome.error)
        status = 400
    context = {
        "tab": "track",
        "form": form,
        "minutes": int(OTP_TTL.total_seconds() // 60),
        "attempts": MAX_ATTEMPTS,
    }
    return render(request, "public/portal/verify.html", context, status=status)


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The cases of the phone proven by a one-time code in this browser."""
    grants = read_grants(request)
    if not grants.phone:
        return HttpResponseRedirect(reverse("portal:track") + "#phone")
    context = {"tab": "track", "cases": phone_cases(grants.phone)}
    response = render(request, "public/portal/mine.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Forget every proof held by this browser (a shared phone or computer)."""
    response = HttpResponseRedirect(reverse("portal:home"))
    forget(request, response)
    return response


def _flat(errors: dict[str, list[str]]) -> list[str]:
    return [message for messages_ in errors.values() for message in messages_]


def _owned(request: HttpRequest, number: str):
    """(case, report) when this browser proved the case is its own, else None."""
    report = public_report_for(number)
    if report is None or not can_see(request, report.case, report):
        return None
    return report.case, report


def _to_track(number: str) -> HttpResponse:
    return HttpResponseRedirect(reverse("portal:track") + "?" + urlencode({"number": number[:40]}))


def _case_page(request, case, rate_form=None, reopen_form=None, status=200) -> HttpResponse:
    context = {
        "tab": "track",
        "view": case_view(case),
        "rate_form": rate_form or RateForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "reopen_days": settings.PINGAN_PUBLIC_REOPEN_DAYS,
        "reopen_on_unsatisfied": settings.PINGAN_REOPEN_ON_UNSATISFIED,
    }
    response = render(request, "public/portal/case.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    owned = _owned(request, number)
    if owned is None:
        return _to_track(number)
    return _case_page(request, owned[0])


@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    owned = _owned(request, number)
    if owned is None:
        return _to_track(number)
    case = owned[0]
    form = RateForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, rate_form=form, status=400)
    try:
        portal_rate(
            case=case,
            satisfaction=form.cleaned_data["satisfaction"],
            note=form.cleaned_data["note"],
            ip=client_ip(request),
        )
    except ActionInvalid as exc:
        for message in _flat(exc.errors):
            form.add_error(None, message)
        return _case_page(request, case, rate_form=form, status=400)
    except ActionNotAllowed as exc:
        form.add_error(None, exc.message)
        return _case_page(request, case, rate_form=form, status=409)
    messages.success(request, _("感谢您的评价！"))
    return HttpResponseRedirect(reverse("portal:case", args=[case.number]))


@require_POST
def reopen(request: HttpRequest, number: str) -> HttpResponse:
    owned = _owned(request, number)
    if owned is None:
        return _to_track(number)
    case = owned[0]
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, reopen_form=form, status=400)
    try:
        portal_reopen(case=case, reason=form.cleaned_data["reason"], ip=client_ip(request))
    except ActionInvalid as exc:
        for message in _flat(exc.errors):
            form.add_error("reason", message)
        return _case_page(request, case, reopen_form=form, status=400)
    except ActionNotAllowed as exc:
        form.add_error(None, exc.message)
        return _case_page(request, case, reopen_form=form, status=409)
    messages.success(request, _("已提交重新办理申请，承办单位将重新办理并短信告知进展。"))
    return HttpResponseRedirect(reverse("portal:case", args=[case.number]))


@require_GET
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the closing SMS: opens the case's rating form without the query code."""
    number = survey_number(token)
    report = public_report_for(number) if number else None
    if report is None:
        return render(request, "public/portal/link_invalid.html", {"tab": "track"}, status=404)
    response = HttpResponseRedirect(reverse("portal:case", args=[report.case.number]) + "#rate")
    grant_case(request, response, report.case.number)
    return response


@require_GET
def photo(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """One of the citizen's own photos of a case proven in this browser."""
    owned = _owned(request, number)
    if owned is None:
        raise Http404
    row = citizen_photos(owned[0]).filter(pk=pk).first()
    if row is None:
        raise Http404
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
