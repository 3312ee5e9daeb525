"""列管 (open a card of a kind with its kind's fields), 修改 and 注销 a card. Thin: the card
services validate the attributes against the kind's field list, check scope, version and
role, and audit; these views build the kind's form from `kinds.py` and carry it both ways.

Correcting a card whose page hides or masks attributes first asks for a reason and reveals
them through the audited reveal (`reveal.card_reveal`), since the form shows every value.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pingan.accounts.scope import Actor
from pingan.registry.form_fields import (
    attribute_error_keys,
    attribute_fields,
    code_choices,
    posted_attributes,
    posted_version,
)
from pingan.registry.form_selectors import active_kinds, staff_choices
from pingan.registry.kinds import SPECS, CardKind, KindSpec
from pingan.registry.models import Card, CardStatus, Person
from pingan.registry.present import labels_for_display
from pingan.registry.reveal import card_reveal
from pingan.registry.selectors import access_card, access_person
from pingan.registry.services import (
    ConflictError,
    card_close,
    card_open,
    card_update,
    require_registry_write,
)
from pingan.registry.views.cards import hidden_attributes
from pingan.registry.views.common import field_errors, registry_page, shell_context

TOP_FIELDS = ("kind", "risk_level", "attention", "opened_on", "responsible_id", "helper_ids")
CLOSE_FIELDS = ("reason", "closed_on")


def _kind_choices(person: Person) -> list[dict]:
    """Every kind, by group, marked when the person already has an active card of it."""
    taken = active_kinds(person)
    return [
        {
            "kind": spec.kind,
            "label": spec.label,
            "group": spec.group_label,
            "taken": spec.kind in taken,
            "sensitive": spec.sensitive,
        }
        for spec in SPECS.values()
    ]


def _form_context(
    actor: Actor,
    spec: KindSpec,
    person: Person,
    form: dict,
    attributes: dict,
    errors: dict,
    *,
    card: Card | None = None,
) -> dict:
    keep = [int(i) for i in [form.get("responsible_id"), *form.get("helper_ids", [])] if i]
    return {
        **shell_context(actor, "people"),
        "spec": spec,
        "person": person,
        "card": card,
        "form": form,
        "errors": errors,
        "fields": attribute_fields(spec, attributes, errors),
        "attention_options": code_choices(["attention"], {"attention": [form["attention"]]})[
            "attention"
        ],
        "risk_options": spec.risk_choices,
        "staff": staff_choices(actor, person.region_code, keep),
    }


def _posted_top(request: HttpRequest) -> dict:
    return {
        "risk_level": request.POST.get("risk_level", ""),
        "attention": request.POST.get("attention", ""),
        "opened_on": request.POST.get("opened_on", ""),
        "responsible_id": request.POST.get("responsible_id", ""),
        "helper_ids": [i for i in request.POST.getlist("helper_ids") if i],
    }


@require_http_methods(["GET", "POST"])
@registry_page
def card_new(request: HttpRequest, actor: Actor, person_id: int) -> HttpResponse:
    """列管: choose a kind (`?kind=`), then its form: the kind's attributes, its risk scale,
    attention, opening date, responsible person and helpers (`services.card_open`: writers
    in scope, one active card per kind, audited). Errors come back next to the fields."""
    require_registry_write(actor)
    person = access_person(actor, person_id)
    kind = (request.POST.get("kind") or request.GET.get("kind") or "")[:32]
    spec = SPECS.get(kind)
    if spec is None:
        context = {
            **shell_context(actor, "people"),
            "person": person,
            "kinds": _kind_choices(person),
        }
        return render(request, "registry/card_kind.html", context)
    if request.method == "GET":
        form = {
            "kind": kind,
            "risk_level": "",
            "attention": "",
            "opened_on": timezone.localdate().isoformat(),
            "responsible_id": str(actor.user.pk),
            "helper_ids": [],
        }
        context = _form_context(actor, spec, person, form, {}, {})
        return render(request, "registry/card_form.html", context)
    form = {"kind": kind, **_posted_top(request)}
    attributes = posted_attributes(spec, request.POST)
    try:
        card = card_open(
            actor=actor,
            person=person,
            kind=kind,
            attributes=attributes,
            risk_level=form["risk_level"] or None,
            attention=form["attention"],
            opened_on=form["opened_on"] or None,
            responsible_id=form["responsible_id"] or None,
            helper_ids=form["helper_ids"],
        )
    except ValidationError as exc:
        errors = field_errors(exc, (*TOP_FIELDS, *attribute_error_keys(spec)))
        context = _form_context(actor, spec, person, form, attributes, errors)
        return render(request, "registry/card_form.html", context, status=400)
    messages.success(request, _("已列管为“%(kind)s”。") % {"kind": spec.label})
    return redirect(f"/registry/cards/{card.pk}/")


def _card_form(card: Card) -> dict:
    return {
        "kind": card.kind,
        "attention": card.attention,
        "responsible_id": str(card.responsible_id or ""),
        "helper_ids": [str(pk) for pk in card.helpers.values_list("pk", flat=True)],
        "version": str(card.version),
    }


def _reveal_step(request, actor, card, *, reason="", errors=None, status=200) -> HttpResponse:
    context = {
        **shell_context(actor, "people"),
        "card": card,
        "spec": SPECS[card.kind],
        "person": card.person,
        "reason": reason,
        "errors": errors or {},
    }
    return render(request, "registry/card_reveal_step.html", context, status=status)


@require_http_methods(["GET", "POST"])
@registry_page
def card_edit(request: HttpRequest, actor: Actor, card_id: int) -> HttpResponse:
    """修改类型卡 (`services.card_update`: the full attribute set, attention, responsible
    person, helpers; the risk level follows visits). When the card page hides or masks
    attributes, the form opens only after an audited reveal with a reason. A stale version
    is refused (409), nothing changes."""
    require_registry_write(actor)
    card = access_card(actor, card_id)
    spec = SPECS[card.kind]
    if card.status != CardStatus.ACTIVE:
        messages.error(request, _("已注销的信息不能修改。"))
        return redirect(f"/registry/cards/{card.pk}/")
    step = request.POST.get("step", "")
    hidden = hidden_attributes(actor, card)
    if request.method == "GET" and hidden:
        return _reveal_step(request, actor, card)
    if request.method == "GET" or step == "reveal":
        if step == "reveal":
            reason = request.POST.get("reason", "")
            try:
                card_reveal(
                    actor=actor,
                    card=card,
                    fields=hidden,
                    reason=reason,
                    labels=labels_for_display(),
                )
            except ValidationError as exc:
                errors = field_errors(exc, ("reason",))
                return _reveal_step(request, actor, card, reason=reason, errors=errors, status=400)
        context = _form_context(
            actor, spec, card.person, _card_form(card), card.attribute_values(), {}, card=card
        )
        return render(request, "registry/card_form.html", context)
    form = {**_posted_top(request), "kind": card.kind, "version": request.POST.get("version", "")}
    attributes = posted_attributes(spec, request.POST)
    current_helpers = set(card.helpers.values_list("pk", flat=True))
    helpers = form["helper_ids"]
    unchanged_helpers = {str(pk) for pk in current_helpers} == set(helpers)
    status = 400
    try:
        updated = card_update(
            actor=actor,
            card=card,
            version=posted_version(request.POST),
            attributes=attributes,
            attention=form["attention"],
            responsible_id=form["responsible_id"] or None,
            helper_ids=None if unchanged_helpers else helpers,
        )
    except ValidationError as exc:
        errors = field_errors(exc, (*TOP_FIELDS, "status", *attribute_error_keys(spec)))
    except ConflictError as exc:
        status, errors = 409, {"all": [str(exc)]}
    else:
        if updated.version != card.version:
            messages.success(request, _("类型信息已修改。"))
        else:
            messages.info(request, _("没有需要保存的修改。"))
        return redirect(f"/registry/cards/{card.pk}/")
    context = _form_context(actor, spec, card.person, form, attributes, errors, card=card)
    context["conflict"] = status == 409
    return render(request, "registry/card_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@registry_page
def card_close_view(request: HttpRequest, actor: Actor, card_id: int) -> HttpResponse:
    """注销类型卡 (`services.card_close`: reason required, date between the opening date and
    today; visits stop; audited)."""
    require_registry_write(actor)
    card = access_card(actor, card_id)
    form = {"reason": "", "closed_on": timezone.localdate().isoformat()}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in CLOSE_FIELDS}
        try:
            card_close(
                actor=actor, card=card, reason=form["reason"], closed_on=form["closed_on"] or None
            )
        except ValidationError as exc:
            errors, status = field_errors(exc, CLOSE_FIELDS), 400
        else:
            messages.success(request, _("“%(kind)s”已注销。") % {"kind": CardKind(card.kind).label})
            return redirect(f"/registry/cards/{card.pk}/")
    context = {
        **shell_context(actor, "people"),
        "card": card,
        "spec": SPECS[card.kind],
        "person": card.person,
        "form": form,
        "errors": errors,
    }
    return render(request, "registry/card_close.html", context, status=status)
