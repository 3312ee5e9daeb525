"""Houses (以房管人: a house with its occupants), organizations and places."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts.scope import Actor
from pingan.core.masking import mask_point
from pingan.registry.filters import parse_filters
from pingan.registry.models import (
    Organization,
    OrganizationKind,
    Place,
    PlaceKind,
    Route,
    RouteKind,
)
from pingan.registry.page_selectors import (
    house_occupants,
    house_owner,
    houses_list,
    region_names,
    region_options,
    reveal_refusal,
    units_list,
)
from pingan.registry.present import labels_for_display, person_list_item
from pingan.registry.reveal import house_reveal
from pingan.registry.selectors import access_house
from pingan.registry.views.common import (
    denied,
    field_errors,
    is_htmx,
    page_of,
    registry_page,
    shell_context,
)


def _region_positions_only(actor: Actor) -> None:
    if actor.is_department:
        raise PermissionDenied(_("房屋、组织和场所信息不经数据闸门向职能部门开放。"))


@require_GET
@registry_page
def houses_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Houses in scope (address contains, region subtree) with their occupant counts."""
    _region_positions_only(actor)
    filters = parse_filters(actor, request.GET, kinds=[])
    page = page_of(request, houses_list(actor, address=filters.q, region=filters.region))
    rows = list(page.object_list)
    names = region_names(h.region_code for h in rows)
    context = {
        **shell_context(actor, "houses"),
        "filters": filters,
        "query": filters.query(),
        "page": page,
        "houses": [(h, names.get(h.region_code, ""), mask_point(h.lng, h.lat)) for h in rows],
        "region_options": region_options(actor),
    }
    return render(request, "registry/houses.html", context)


def _house_context(actor: Actor, house_id: int) -> dict:
    house = access_house(actor, house_id)
    labels = labels_for_display()
    occupants = [person_list_item(actor, p, labels) for p in house_occupants(actor, house)]
    return {
        **shell_context(actor, "houses"),
        "house": house,
        "region_name": region_names([house.region_code]).get(house.region_code, ""),
        "point": mask_point(house.lng, house.lat),
        "owner": house_owner(actor, house),
        "occupants": occupants,
        "reveal_refusal": reveal_refusal(actor),
        "reveal_url": f"/registry/houses/{house.pk}/reveal/",
    }


@require_GET
@registry_page
def house_page(request: HttpRequest, actor: Actor, house_id: int) -> HttpResponse:
    """One house: address, rental, owner, rounded point, the people registered in it."""
    return render(request, "registry/house.html", _house_context(actor, house_id))


@require_POST
@registry_page
def house_reveal_view(request: HttpRequest, actor: Actor, house_id: int) -> HttpResponse:
    """The precise point of a house (`reveal.house_reveal`: reason, audited per coordinate)."""
    house = access_house(actor, house_id)
    reason = request.POST.get("reason", "")
    status, values, errors, refusal = 200, {}, {}, ""
    try:
        values = house_reveal(actor=actor, house=house, reason=reason)
    except ValidationError as exc:
        status, errors = 400, field_errors(exc, ("reason",))
    except PermissionDenied as exc:
        status, refusal = 403, str(exc)
    panel = {
        "reveal_url": f"/registry/houses/{house.pk}/reveal/",
        "revealed": [(_("经度"), values.get("lng")), (_("纬度"), values.get("lat"))]
        if values
        else [],
        "reveal_errors": errors,
        "reveal_denied": refusal,
        "reason": reason,
        "reveal_all": True,
    }
    if is_htmx(request):
        return render(request, "registry/_reveal.html", panel, status=status)
    if refusal:
        return denied(request, refusal)
    context = {**_house_context(actor, house.pk), **panel}
    return render(request, "registry/house.html", context, status=status)


UNIT_PAGES = {
    "organizations": (Organization, OrganizationKind, "组织"),
    "places": (Place, PlaceKind, "场所"),
    "routes": (Route, RouteKind, "护路护线"),
}


def _units_page(request: HttpRequest, actor: Actor, which: str) -> HttpResponse:
    _region_positions_only(actor)
    model, kinds, title = UNIT_PAGES[which]
    filters = parse_filters(actor, request.GET, kinds=list(kinds.values))
    page = page_of(
        request,
        units_list(actor, model, kind=filters.kind, q=filters.q, region=filters.region),
    )
    rows = list(page.object_list)
    names = region_names(u.region_code for u in rows)
    attention = labels_for_display().get("attention", {})
    context = {
        **shell_context(actor, which),
        "which": which,
        "title": _(title),
        "filters": filters,
        "query": filters.query(),
        "page": page,
        "units": [(u, names.get(u.region_code, ""), attention.get(u.attention, "")) for u in rows],
        "kind_options": list(kinds.choices),
        "region_options": region_options(actor),
    }
    return render(request, "registry/units.html", context)


@require_GET
@registry_page
def organizations_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """非公有制经济组织、社会组织 in scope (kind, name contains, region subtree)."""
    return _units_page(request, actor, "organizations")


@require_GET
@registry_page
def places_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """学校、寄递物流、重点场所 in scope (kind, name contains, region subtree)."""
    return _units_page(request, actor, "places")


@require_GET
@registry_page
def routes_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """护路护线: railway, pipeline and power-line sections in scope (kind, name, region)."""
    return _units_page(request, actor, "routes")
