"""新增/修改 房屋, 组织, 场所 and 护路护线 lines, and the owner picker. Thin: the registry
services validate, check the scope and the version, and audit."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pingan.accounts.scope import Actor
from pingan.registry.form_fields import code_choices, posted_version
from pingan.registry.form_selectors import (
    access_unit,
    filing_regions,
    house_choice,
    occupant_count,
    owner_choices,
    person_choices,
)
from pingan.registry.models import (
    House,
    OrganizationKind,
    PlaceKind,
    RouteKind,
)
from pingan.registry.selectors import access_house
from pingan.registry.services import (
    ConflictError,
    house_create,
    house_update,
    organization_create,
    organization_update,
    place_create,
    place_update,
    require_registry_write,
    route_create,
    route_update,
)
from pingan.registry.views.common import field_errors, registry_page, shell_context

HOUSE_FIELDS = ("address", "region_code", "is_rental", "owner_id", "lng", "lat")


def _own_grid(actor: Actor) -> str:
    """The only grid/village the actor may file under, when there is exactly one."""
    own = [r for r in filing_regions(actor) if r["selectable"]]
    return own[0]["code"] if len(own) == 1 else ""


# --- houses -------------------------------------------------------------------------------


def _house_context(actor: Actor, form: dict, errors: dict, house: House | None) -> dict:
    return {
        **shell_context(actor, "houses"),
        "form": form,
        "errors": errors,
        "house": house,
        "regions": filing_regions(actor),
        "owners": owner_choices(actor, house, form.get("owner_id")),
        "occupants": occupant_count(house) if house else 0,
    }


def _posted_house(request: HttpRequest) -> dict:
    form = {key: request.POST.get(key, "") for key in HOUSE_FIELDS}
    form["is_rental"] = request.POST.get("is_rental") == "1"
    return form


def _house_args(form: dict) -> dict[str, Any]:
    return {**form, "owner_id": form["owner_id"] or None}


@require_http_methods(["GET", "POST"])
@registry_page
def house_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    """新增房屋 (`services.house_create`: grid in scope, or found from the point; owner in
    scope; audited)."""
    require_registry_write(actor)
    if request.method == "GET":
        form = dict.fromkeys(HOUSE_FIELDS, "")
        form.update(
            is_rental=False, region_code=request.GET.get("region", "")[:18] or _own_grid(actor)
        )
        return render(request, "registry/house_form.html", _house_context(actor, form, {}, None))
    form = _posted_house(request)
    try:
        house = house_create(actor=actor, **_house_args(form))
    except ValidationError as exc:
        context = _house_context(actor, form, field_errors(exc, HOUSE_FIELDS), None)
        return render(request, "registry/house_form.html", context, status=400)
    messages.success(request, _("已登记房屋“%(address)s”。") % {"address": house.address})
    return redirect(f"/registry/houses/{house.pk}/")


@require_http_methods(["GET", "POST"])
@registry_page
def house_edit(request: HttpRequest, actor: Actor, house_id: int) -> HttpResponse:
    """修改房屋 (`services.house_update`): a house with occupants keeps its grid; a stale
    version is refused (409), nothing changes."""
    require_registry_write(actor)
    house = access_house(actor, house_id)
    if request.method == "GET":
        form = {
            "address": house.address,
            "region_code": house.region_code,
            "is_rental": house.is_rental,
            "owner_id": str(house.owner_id or ""),
            "lng": "" if house.lng is None else repr(house.lng),
            "lat": "" if house.lat is None else repr(house.lat),
            "version": str(house.version),
        }
        return render(request, "registry/house_form.html", _house_context(actor, form, {}, house))
    form = {**_posted_house(request), "version": request.POST.get("version", "")}
    status = 400
    try:
        updated = house_update(
            actor=actor,
            house=house,
            version=posted_version(request.POST),
            changes=_house_args({k: form[k] for k in HOUSE_FIELDS}),
        )
    except ValidationError as exc:
        errors = field_errors(exc, HOUSE_FIELDS)
    except ConflictError as exc:
        status, errors = 409, {"all": [str(exc)]}
    else:
        _saved(request, updated.version != house.version, _("房屋信息已修改。"))
        return redirect(f"/registry/houses/{house.pk}/")
    context = _house_context(actor, form, errors, house)
    context["conflict"] = status == 409
    return render(request, "registry/house_form.html", context, status=status)


def _saved(request: HttpRequest, changed: bool, message: str) -> None:
    if changed:
        messages.success(request, message)
    else:
        messages.info(request, _("没有需要保存的修改。"))


@require_GET
@registry_page
def owner_options(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The owner picker's options (htmx): people matching `owner_q` (the registry search),
    the chosen one and the house's occupants kept."""
    house = house_choice(actor, request.GET.get("house"))
    current = request.GET.get("owner_id", "")
    people = owner_choices(actor, house, current)
    seen = {p["id"] for p in people}
    people += [
        p for p in person_choices(actor, request.GET.get("owner_q", "")) if p["id"] not in seen
    ]
    return render(request, "registry/_owner_options.html", {"owners": people, "selected": current})


# --- organizations, places, lines ---------------------------------------------------------

UNITS = {
    "organizations": {
        "title": "组织",
        "kinds": OrganizationKind,
        "create": organization_create,
        "update": organization_update,
        "argument": "organization",
        "fields": (
            ("credit_code", "统一社会信用代码", 18, False),
            ("address", "地址", 200, False),
            ("legal_representative", "法定代表人", 50, False),
            ("security_contact", "治保负责人", 50, False),
        ),
    },
    "places": {
        "title": "场所",
        "kinds": PlaceKind,
        "create": place_create,
        "update": place_update,
        "argument": "place",
        "fields": (("address", "地址", 200, False), ("principal", "负责人", 50, False)),
    },
    "routes": {
        "title": "护路护线",
        "kinds": RouteKind,
        "create": route_create,
        "update": route_update,
        "argument": "route",
        "fields": (("owner_unit", "隶属单位", 100, False), ("hazard", "治安隐患情况", 500, True)),
    },
}
COMMON_FIELDS = ("kind", "name", "region_code", "attention")


def _field_names(which: str) -> tuple[str, ...]:
    extra = tuple(name for name, *_rest in UNITS[which]["fields"])
    return (*COMMON_FIELDS, *extra, *(("geometry",) if which == "routes" else ()))


def geometry_text(geometry: dict | None) -> str:
    """A stored LineString as one "经度,纬度" per line, for the form."""
    if not geometry:
        return ""
    return "\n".join(f"{x},{y}" for x, y, *_z in geometry.get("coordinates", []))


def posted_geometry(text: str) -> Any:
    """The line as typed: GeoJSON, or one "经度,纬度" (or "经度 纬度") per line, made into a
    LineString. Anything else goes to the service as typed, which words the error."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    points = []
    for line in text.splitlines():
        parts = line.replace("，", ",").replace(",", " ").split()
        if not parts:
            continue
        try:
            lng, lat = (float(p) for p in parts)
        except ValueError:
            return text
        points.append([lng, lat])
    return {"type": "LineString", "coordinates": points}


def _unit_context(actor: Actor, which: str, form: dict, errors: dict, unit=None) -> dict:
    meta = UNITS[which]
    extra = [
        {
            "name": name,
            "label": _(label),
            "max_length": limit,
            "long": long,
            "value": form.get(name, ""),
            "errors": errors.get(name, []),
        }
        for name, label, limit, long in meta["fields"]
    ]
    return {
        **shell_context(actor, which),
        "which": which,
        "title": _(meta["title"]),
        "kind_options": list(meta["kinds"].choices),
        "attention_options": code_choices(["attention"], {"attention": [form["attention"]]})[
            "attention"
        ],
        "regions": filing_regions(actor),
        "extra_fields": extra,
        "form": form,
        "errors": errors,
        "unit": unit,
    }


def _posted_unit(request: HttpRequest, which: str) -> dict:
    form = {name: request.POST.get(name, "") for name in _field_names(which)}
    form["version"] = request.POST.get("version", "")
    return form


def _unit_data(which: str, form: dict) -> dict:
    data = {name: form[name] for name in _field_names(which)}
    if which == "routes":
        data["geometry"] = posted_geometry(form["geometry"])
    return data


def _unit_new(request: HttpRequest, actor: Actor, which: str) -> HttpResponse:
    require_registry_write(actor)
    meta = UNITS[which]
    if request.method == "GET":
        form = dict.fromkeys(_field_names(which), "")
        form["region_code"] = request.GET.get("region", "")[:18] or _own_grid(actor)
        return render(request, "registry/unit_form.html", _unit_context(actor, which, form, {}))
    form = _posted_unit(request, which)
    try:
        unit = meta["create"](actor=actor, data=_unit_data(which, form))
    except ValidationError as exc:
        context = _unit_context(actor, which, form, field_errors(exc, _field_names(which)))
        return render(request, "registry/unit_form.html", context, status=400)
    messages.success(
        request, _("已登记%(what)s“%(name)s”。") % {"what": _(meta["title"]), "name": unit.name}
    )
    return redirect(f"/registry/{which}/")


def _unit_edit(request: HttpRequest, actor: Actor, which: str, unit_id: int) -> HttpResponse:
    require_registry_write(actor)
    meta = UNITS[which]
    unit = access_unit(actor, which, unit_id)
    if request.method == "GET":
        form = {name: getattr(unit, name) or "" for name in _field_names(which)}
        if which == "routes":
            form["geometry"] = geometry_text(unit.geometry)
        form["version"] = str(unit.version)
        context = _unit_context(actor, which, form, {}, unit)
        return render(request, "registry/unit_form.html", context)
    form = _posted_unit(request, which)
    status = 400
    try:
        updated = meta["update"](
            actor=actor,
            version=posted_version(request.POST),
            data=_unit_data(which, form),
            **{meta["argument"]: unit},
        )
    except ValidationError as exc:
        errors = field_errors(exc, _field_names(which))
    except ConflictError as exc:
        status, errors = 409, {"all": [str(exc)]}
    else:
        _saved(request, updated.version != unit.version, _("已保存修改。"))
        return redirect(f"/registry/{which}/")
    context = _unit_context(actor, which, form, errors, unit)
    context["conflict"] = status == 409
    return render(request, "registry/unit_form.html", context, status=status)


def _new_view(which: str):
    @require_http_methods(["GET", "POST"])
    @registry_page
    def view(request: HttpRequest, actor: Actor) -> HttpResponse:
        return _unit_new(request, actor, which)

    view.__doc__ = f"新增{UNITS[which]['title']} (`services.{which[:-1]}_create`)."
    return view


def _edit_view(which: str):
    @require_http_methods(["GET", "POST"])
    @registry_page
    def view(request: HttpRequest, actor: Actor, unit_id: int) -> HttpResponse:
        return _unit_edit(request, actor, which, unit_id)

    view.__doc__ = f"修改{UNITS[which]['title']} (`services.{which[:-1]}_update`, version checked)."
    return view


organization_new, organization_edit = _new_view("organizations"), _edit_view("organizations")
place_new, place_edit = _new_view("places"), _edit_view("places")
route_new, route_edit = _new_view("routes"), _edit_view("routes")
