"""The hotline operator page (/hotline/). Thin: reads from `selectors`, writes via `services`.

htmx requests get fragments: the call form after a submit, the duplicate hints while the
operator types, the caller's earlier cases, and the *180 contacts.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pingan.accounts.scope import Actor
from pingan.command.selectors import region_options
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Urgency
from pingan.notify.models import Notification
from pingan.public.hotline import selectors
from pingan.public.hotline.access import HOTLINE_ROLES, is_htmx, operator_page
from pingan.public.hotline.places import (
    ADDRESS_MAX,
    Place,
    not_found,
    place_for_address,
    place_for_code,
    place_for_point,
    within,
)
from pingan.public.hotline.services import grid_contact_lookup, hotline_report_submit
from pingan.public.portal.selectors import category_groups

hotline_page = operator_page(
    HOTLINE_ROLES, "hotline", gettext_lazy("只有乡镇、县综治中心操作员和指挥长可以受理热线来电。")
)
FORM_FIELDS = (
    "phone",
    "name",
    "category",
    "description",
    "address",
    "lng",
    "lat",
    "unit",
    "urgency",
)
# The grid picker sits in the *180 card, outside the swapped form, but is sent with it
# (form="call-form"): without a map point the chosen grid locates the call.
GRID_FIELD = "grid"


def _point(request_data: Any) -> tuple[float, float] | None:
    try:
        lng, lat = float(request_data.get("lng", "")), float(request_data.get("lat", ""))
    except (TypeError, ValueError):
        return None
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        return None
    return lng, lat


def _form_key(token: str) -> str:
    """The event idempotency key of one rendering of the form (so a double click or a
    resent POST registers the call once); "" for a missing or malformed token."""
    token = (token or "").strip()
    return f"hotline:{token}" if token.isalnum() and len(token) <= 40 else ""


def _form_context(actor: Actor, values: dict | None = None, errors: dict | None = None) -> dict:
    errors = errors or {}
    return {
        "values": values or {"urgency": Urgency.LOW},
        "errors": errors,
        # A message for a field the form does not show still has to reach the operator.
        "other_errors": [m for f, msgs in errors.items() if f not in FORM_FIELDS for m in msgs],
        "idem": secrets.token_hex(16),
        "category_groups": category_groups(),
        "unit_options": region_options(actor),
        "urgency_options": Urgency.choices,
    }


def _page_context(actor: Actor) -> dict:
    return {
        "nav_active": "hotline",
        "sub": "hotline",
        "grid_options": selectors.grid_options(actor),
        "scope_code": actor.scope_code or "",
        "map_tile_url": settings.PINGAN_MAP_TILE_URL,
        "map_tile_attribution": settings.PINGAN_MAP_TILE_ATTRIBUTION,
    }


@require_http_methods(["GET", "POST"])
@hotline_page
def page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The operator page. POST registers the call: 200 with the new case number and query
    code (and a fresh form); 400 with field errors next to the fields, nothing saved."""
    context = _page_context(actor)
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in (*FORM_FIELDS, GRID_FIELD)}
        try:
            result = hotline_report_submit(
                actor=actor,
                data=values,
                phone=values["phone"],
                name=values["name"],
                idempotency_key=_form_key(request.POST.get("idem", "")),
            )
        except ActionInvalid as exc:
            status = 400
            context.update(_form_context(actor, values, exc.errors))
        else:
            sms = (
                Notification.objects.filter(key=f"public.received:{result.case.number}")
                .values_list("status", flat=True)
                .first()
            )
            context.update(_form_context(actor))
            context["result"] = {
                "case": result.case,
                "code": result.code,
                "created": result.created,
                "sms": sms,
                "phone": bool(values["phone"]),
            }
    else:
        context.update(_form_context(actor))
    if is_htmx(request):
        return render(request, "public/hotline/_call.html", context, status=status)
    return render(request, "public/hotline/page.html", context, status=status)


@require_GET
@hotline_page
def hints(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Duplicate hints for the place (map point, else chosen grid, else address, as for
    *180) and the text typed so far (fragment)."""
    place = resolve_place(actor, request.GET)
    found = []
    if place.found:
        text = request.GET.get("description", "")[:2000]
        found = selectors.duplicate_hints(actor, area=place.code, description=text)
    return render(request, "public/hotline/_hints.html", {"hints": found, "has_place": place.found})


@require_GET
@hotline_page
def history(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The caller's earlier cases in the operator's scope, masked (fragment)."""
    phone = request.GET.get("phone", "")[:30]
    rows = selectors.caller_history(actor, phone)
    return render(
        request, "public/hotline/_history.html", {"rows": rows, "asked": bool(phone.strip())}
    )


def resolve_place(actor: Actor, data: Any) -> Place:
    """The place of a *180 request: the map point when given, else the chosen grid, else
    the address; limited to the operator's scope."""
    point = _point(data)
    grid = (data.get("grid") or "").strip()
    address = (data.get("address") or "").strip()[:ADDRESS_MAX]
    prefix = actor.scope_code or ""
    if point is not None:
        place = place_for_point(*point)
    elif grid:
        place = place_for_code(grid)
    elif address:
        place = place_for_address(address, prefix=prefix)
    else:
        place = not_found("point", _("请先在地图上点选位置、选择网格或填写地址。"))
    return within(place, prefix)


@require_POST
@hotline_page
def contacts(request: HttpRequest, actor: Actor) -> HttpResponse:
    """*180: the grid, its village and the on-duty grid workers with full phone numbers
    (fragment). Every lookup that finds a place is audited with the caller's phone hash."""
    place = resolve_place(actor, request.POST)
    people = grid_contact_lookup(
        actor=actor, place=place, caller_phone=request.POST.get("phone", "")[:30], via="page"
    )
    context = {
        "place": place,
        "contacts": people,
        "can_locate": place.found and place.source != "point" and place.lng is not None,
    }
    return render(request, "public/hotline/_contacts.html", context)
