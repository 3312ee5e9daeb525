"""Portal pages for reporting: the start page, the report form, the result page, the county
outlines for the map, and the refusal pages (429 / 400 / 413).

Public pages, no login. Forms use POST/redirect/GET; every refusal is audited.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from pingan.core.http import client_ip
from pingan.flow.errors import ActionInvalid
from pingan.public.portal.access import PATH, grant_case
from pingan.public.portal.forms import HONEYPOT, MAX_PHOTOS, SERVICE_FIELDS, ReportForm, photo_hint
from pingan.public.portal.ratelimit import limit_for, rate_hit, window_start
from pingan.public.portal.selectors import county_outlines
from pingan.public.portal.services import (
    RESULT_SHOWN,
    portal_refusal,
    portal_report_submit,
    result_code,
    submission_for,
)

DONE_COOKIE = "pingan_portal_done"
DONE_SALT = "pingan.public.portal.done"


def refused(
    request: HttpRequest, *, reason: str, status: int, scope: str = "", detail: dict | None = None
) -> HttpResponse:
    """Audit and answer a refused request with a Chinese page (429 with Retry-After)."""
    portal_refusal(
        reason=reason,
        ip=client_ip(request),
        path=request.path,
        detail={"scope": scope, **(detail or {})} if scope else detail,
    )
    context = {"reason": reason, "max_request": settings.PINGAN_PORTAL_MAX_REQUEST_BYTES}
    wait = 0
    if scope:
        limit = limit_for(scope)
        now = timezone.now()
        end = window_start(now, limit.seconds) + dt.timedelta(seconds=limit.seconds)
        wait = max(1, math.ceil((end - now).total_seconds()))
        context["wait_minutes"] = math.ceil(wait / 60)
    response = render(request, "public/portal/refused.html", context, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def over_limit(request: HttpRequest, scope: str, value: str) -> HttpResponse | None:
    """Count one request; the 429 page when it is over the limit of `scope`."""
    if rate_hit(scope, value):
        return None
    return refused(request, reason="rate_limit", status=429, scope=scope)


def too_large(request: HttpRequest) -> HttpResponse | None:
    """Refuse a body larger than PINGAN_PORTAL_MAX_REQUEST_BYTES before reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.PINGAN_PORTAL_MAX_REQUEST_BYTES:
        return refused(request, reason="too_large", status=413, detail={"bytes": length})
    return None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/portal/home.html", {"tab": "home"})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    # Checked before the CSRF check reads (and spools) the body; CSRF is enforced inside.
    if request.method == "POST":
        refusal = too_large(request)
        if refusal is not None:
            return refusal
    return _report(request)


@csrf_protect
def _report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = ReportForm(initial={"idem": secrets.token_urlsafe(24)})
        return _report_page(request, form)
    if request.POST.get(HONEYPOT, "").strip():
        return refused(request, reason="honeypot", status=400)
    token = request.POST.get("idem", "").strip()
    done = submission_for(token)
    if done is not None:
        return _to_result(request, done.token, done.case.number)
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _report_page(request, form, status=400)
    ip = client_ip(request)
    refusal = over_limit(request, "report_ip", ip or "") or over_limit(
        request, "report_phone", form.cleaned_data["phone"]
    )
    if refusal is not None:
        return refusal
    try:
        submission, _created = portal_report_submit(
            token=form.cleaned_data["idem"],
            county=form.cleaned_data["resolved_county"],
            data=form.event_data(),
            phone=form.cleaned_data["phone"],
            name=form.cleaned_data.get("name") or "",
            photos=form.cleaned_data.get("photos") or [],
            ip=ip,
        )
    except ActionInvalid as exc:
        for name, messages in exc.errors.items():
            field = SERVICE_FIELDS.get(name, name)
            if field not in form.fields or (field == "county" and len(form.county_choices) < 2):
                field = None  # not on the page: shown above the form
            for message in messages:
                form.add_error(field, message)
        return _report_page(request, form, status=400)
    return _to_result(request, submission.token, submission.case.number)


def _report_page(request: HttpRequest, form: ReportForm, status: int = 200) -> HttpResponse:
    context = {
        "tab": "report",
        "form": form,
        "honeypot": HONEYPOT,
        "max_photos": MAX_PHOTOS,
        "photo_hint": photo_hint(),
        "photo_max_bytes": settings.PINGAN_PORTAL_PHOTO_MAX_BYTES,
        "many_counties": len(form.county_choices) > 1,
        "tile_url": settings.PINGAN_MAP_TILE_URL,
        "tile_attribution": settings.PINGAN_MAP_TILE_ATTRIBUTION,
    }
    return render(request, "public/portal/report.html", context, status=status)


def _to_result(request: HttpRequest, token: str, number: str) -> HttpResponse:
    response = HttpResponseRedirect(reverse("portal:done"))
    response.set_signed_cookie(
        DONE_COOKIE,
        token,
        salt=DONE_SALT,
        max_age=int(RESULT_SHOWN.total_seconds()),
        path=PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    grant_case(request, response, number)
    return response


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    """The result of the report: case number and query code (shown for a short while)."""
    token = request.get_signed_cookie(
        DONE_COOKIE, default="", salt=DONE_SALT, max_age=int(RESULT_SHOWN.total_seconds())
    )
    submission = submission_for(token)
    code = result_code(submission) if submission else ""
    if submission is None or not code:
        return HttpResponseRedirect(reverse("portal:track"))
    context = {"tab": "report", "number": submission.case.number, "code": code}
    response = render(request, "public/portal/done.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def counties_geojson(request: HttpRequest) -> HttpResponse:
    """County outlines for the report map (public administrative boundaries only)."""
    response = HttpResponse(orjson.dumps(county_outlines()), content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response
