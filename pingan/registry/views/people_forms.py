"""新增人员 / 修改人员 and the house picker. Thin: the registry services validate, check the
scope and the version, and audit; these views carry the form both ways."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pingan.accounts.scope import Actor
from pingan.core.masking import mask_id_number, mask_phone
from pingan.registry.form_fields import code_choices, posted_version
from pingan.registry.form_selectors import filing_regions, house_choice, house_choices
from pingan.registry.models import Person
from pingan.registry.page_selectors import region_names
from pingan.registry.selectors import access_person
from pingan.registry.services import (
    ConflictError,
    DuplicatePersonError,
    person_create,
    person_update,
    require_registry_write,
)
from pingan.registry.views.common import field_errors, registry_page, shell_context

FIELDS = ("name", "id_number", "phone", "address", "ethnicity", "region_code", "house_id")
ERROR_FIELDS = (*FIELDS, "sex", "birth_date")


def _form_context(actor: Actor, form: dict, errors: dict, *, person: Person | None = None) -> dict:
    region = person.region_code if person else form.get("region_code", "")
    houses = house_choices(actor, region)
    chosen = house_choice(actor, form.get("house_id"))
    if chosen is not None and chosen not in houses:
        houses.insert(0, chosen)
    context = {
        **shell_context(actor, "people"),
        "form": form,
        "errors": errors,
        "regions": filing_regions(actor),
        "ethnicities": code_choices(["ethnicity"], {"ethnicity": [form.get("ethnicity", "")]})[
            "ethnicity"
        ],
        "houses": houses,
        "house_region": region,
        "person": person,
    }
    if person is not None:
        context.update(
            region_name=region_names([person.region_code]).get(person.region_code, ""),
            masked_id=mask_id_number(person.id_number),
            masked_phone=mask_phone(person.phone),
        )
    return context


def _new_initial(actor: Actor, request: HttpRequest) -> dict:
    """A new person's form: the grid from `?region=`, or the house's from `?house=` (新增住户),
    or the actor's own grid when their position is one."""
    form = dict.fromkeys(FIELDS, "")
    house = house_choice(actor, request.GET.get("house"))
    if house is not None:
        form.update(house_id=str(house.pk), region_code=house.region_code, address=house.address)
    else:
        form["region_code"] = request.GET.get("region", "")[:18]
    if not form["region_code"]:
        own = [r for r in filing_regions(actor) if r["selectable"]]
        if len(own) == 1:
            form["region_code"] = own[0]["code"]
    return form


@require_http_methods(["GET", "POST"])
@registry_page
def person_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    """新增人员 (`services.person_create`: writers only, grid in scope, ID number checked,
    audited). Field errors come back next to the fields (400); a registered ID number links
    to that person when the actor may see them."""
    require_registry_write(actor)
    if request.method == "GET":
        form = _new_initial(actor, request)
        return render(request, "registry/person_form.html", _form_context(actor, form, {}))
    form = {key: request.POST.get(key, "") for key in FIELDS}
    existing = None
    try:
        person = person_create(
            actor=actor,
            name=form["name"],
            id_number=form["id_number"],
            region_code=form["region_code"],
            phone=form["phone"],
            address=form["address"],
            ethnicity=form["ethnicity"],
            house_id=form["house_id"] or None,
        )
    except DuplicatePersonError as exc:
        errors, existing = field_errors(exc, ERROR_FIELDS), exc.existing
    except ValidationError as exc:
        errors = field_errors(exc, ERROR_FIELDS)
    else:
        messages.success(request, _("已登记人员“%(name)s”。") % {"name": person.name})
        return redirect(f"/registry/people/{person.pk}/")
    context = _form_context(actor, form, errors)
    context["existing"] = existing
    return render(request, "registry/person_form.html", context, status=400)


def _edit_changes(post) -> dict:
    """What the correction form changes: the ID number and phone only when typed (the form
    never shows them in full), the phone cleared when asked."""
    changes = {key: post.get(key, "") for key in ("name", "address", "ethnicity", "house_id")}
    changes["house_id"] = changes["house_id"] or None
    if post.get("id_number", "").strip():
        changes["id_number"] = post["id_number"]
    if post.get("phone", "").strip():
        changes["phone"] = post["phone"]
    elif post.get("clear_phone") == "1":
        changes["phone"] = ""
    return changes


@require_http_methods(["GET", "POST"])
@registry_page
def person_edit(request: HttpRequest, actor: Actor, person_id: int) -> HttpResponse:
    """修改人员 (`services.person_update`): name, ID number, phone, address, ethnicity,
    house; the grid changes only by a move (人员迁移). A stale version is refused (409)
    and nothing changes."""
    require_registry_write(actor)
    person = access_person(actor, person_id)
    if request.method == "GET":
        form = {
            "name": person.name,
            "address": person.address,
            "ethnicity": person.ethnicity,
            "house_id": str(person.house_id or ""),
            "version": str(person.version),
        }
        context = _form_context(actor, form, {}, person=person)
        return render(request, "registry/person_form.html", context)
    form = {key: request.POST.get(key, "") for key in (*FIELDS, "version", "clear_phone")}
    status, existing = 400, None
    try:
        updated = person_update(
            actor=actor,
            person=person,
            version=posted_version(request.POST),
            changes=_edit_changes(request.POST),
        )
    except DuplicatePersonError as exc:
        errors, existing = field_errors(exc, ERROR_FIELDS), exc.existing
    except ValidationError as exc:
        errors = field_errors(exc, ERROR_FIELDS)
    except ConflictError as exc:
        status, errors = 409, {"all": [str(exc)]}
    else:
        if updated.version != person.version:
            messages.success(request, _("人员信息已修改。"))
        else:
            messages.info(request, _("没有需要保存的修改。"))
        return redirect(f"/registry/people/{person.pk}/")
    context = _form_context(actor, form, errors, person=person)
    context.update(existing=existing, conflict=status == 409)
    return render(request, "registry/person_form.html", context, status=status)


@require_GET
@registry_page
def house_options(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The house picker's options for one grid (htmx): houses whose address contains
    `house_q`, the chosen one kept."""
    region = request.GET.get("region_code", "")[:18]
    houses = house_choices(actor, region, request.GET.get("house_q", ""))
    chosen = house_choice(actor, request.GET.get("house_id"))
    if chosen is not None and chosen.region_code == region and chosen not in houses:
        houses.insert(0, chosen)
    context = {"houses": houses, "selected": str(chosen.pk) if chosen else "", "region": region}
    return render(request, "registry/_house_options.html", context)
