"""People pages: the searchable list, one person, the audited reveal, the export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts import gates
from pingan.accounts.scope import Actor
from pingan.registry.exporting import export_people
from pingan.registry.filters import parse_filters
from pingan.registry.kinds import SPECS
from pingan.registry.models import Person
from pingan.registry.page_selectors import (
    page_kinds,
    people_list,
    person_house,
    person_visits,
    region_names,
    region_options,
    reveal_refusal,
)
from pingan.registry.present import (
    card_data,
    labels_for_display,
    person_detail_data,
    person_list_item,
    visit_data,
)
from pingan.registry.reveal import PERSON_FIELDS, person_reveal
from pingan.registry.selectors import access_person, person_detail, visible_cards
from pingan.registry.views.common import (
    denied,
    download,
    field_errors,
    first_errors,
    is_htmx,
    page_of,
    registry_page,
    shell_context,
)

# Translated where shown; gettext_noop lets makemessages find them.
PERSON_FIELD_LABELS = {"id_number": gettext_noop("公民身份号码"), "phone": gettext_noop("联系电话")}
ALL_LEVELS = range(6)


def risk_options(kind: str) -> list[tuple[int, str]]:
    """Levels for the risk filter: the kind's own scale, or 0–5 when no kind is chosen."""
    spec = SPECS.get(kind)
    if spec is not None:
        return [(level, f"{level}（{label}）") for level, label in spec.risk_choices]
    return [(level, _("%(n)d 级") % {"n": level}) for level in ALL_LEVELS]


@require_GET
@registry_page
def people_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """人员: search box (the API's query language), region/kind/level filters, paged, masked."""
    kinds = page_kinds(actor)
    filters = parse_filters(actor, request.GET, kinds=[k for k, _label in kinds])
    try:
        people = people_list(
            actor, q=filters.q, region=filters.region, kind=filters.kind, risk=filters.risk
        )
        page = page_of(request, people)
        rows = list(page.object_list)
    except ValidationError as exc:
        filters.errors["q"] = " ".join(first_errors(exc))
        page = page_of(request, Person.objects.none())
        rows = []
    labels = labels_for_display()
    items = [person_list_item(actor, p, labels) for p in rows]
    names = region_names(item.get("region_code", "") for item in items)
    context = {
        **shell_context(actor, "people"),
        "filters": filters,
        "query": filters.query(),
        "page": page,
        "items": [(item, names.get(item.get("region_code", ""), "")) for item in items],
        "shows_phone": bool(items) and "phone" in items[0],
    }
    context.update(kind_options=kinds, risk_options=risk_options(filters.kind))
    if is_htmx(request):
        # The level list follows the chosen kind: swapped in out of band.
        return render(request, "registry/_people_results.html", {**context, "oob": True})
    context["region_options"] = region_options(actor)
    return render(request, "registry/people.html", context)


def _revealable_person_fields(actor: Actor, person: Person) -> list[str]:
    """Of the ID number and phone, those the actor's position could reveal."""
    present = [f for f in PERSON_FIELDS if getattr(person, f)]
    if not actor.is_department:
        return present
    kinds = set(visible_cards(actor).filter(person=person).values_list("kind", flat=True))
    opened = {f for kind in kinds for f in gates.gated_fields(actor, kind)}
    return [f for f in present if f in opened]


def _person_context(actor: Actor, person_id: int) -> dict:
    person = person_detail(actor, person_id)
    labels = labels_for_display()
    data = person_detail_data(actor, person, labels)
    cards = [card_data(actor, c, labels) for c in person.visible_cards]
    kind_labels = {c["id"]: c["kind_label"] for c in cards}
    visits = [
        {
            **visit_data(actor, v, labels),
            "at": v.visited_at,
            "card_id": v.card_id,
            "kind_label": kind_labels[v.card_id],
        }
        for v in person_visits(actor, person)
    ]
    names = region_names([person.region_code, *(c["region_code"] for c in cards)])
    fields = _revealable_person_fields(actor, person)
    return {
        **shell_context(actor, "people"),
        "person": data,
        "person_id": person.pk,
        "region_name": names.get(person.region_code, ""),
        "cards": [(c, names.get(c["region_code"], "")) for c in cards],
        "visits": visits,
        "house": person_house(actor, person),
        "reveal_refusal": reveal_refusal(actor),
        "reveal_fields": [(f, _(PERSON_FIELD_LABELS[f])) for f in fields],
        "reveal_url": f"/registry/people/{person.pk}/reveal/",
    }


@require_GET
@registry_page
def person_page(request: HttpRequest, actor: Actor, person_id: int) -> HttpResponse:
    """One person: base fields (masked), visible cards, latest visits, house, reveal."""
    return render(request, "registry/person.html", _person_context(actor, person_id))


@require_POST
@registry_page
def person_reveal_view(request: HttpRequest, actor: Actor, person_id: int) -> HttpResponse:
    """Full ID number / phone (`reveal.person_reveal`: permission, reason, one audit record
    per field, refusals audited too). htmx gets the reveal panel; 400 field errors, 403
    refusal with its reason."""
    person = access_person(actor, person_id)
    fields = request.POST.getlist("fields")
    reason = request.POST.get("reason", "")
    status, values, errors, refusal = 200, {}, {}, ""
    try:
        values = person_reveal(actor=actor, person=person, fields=fields, reason=reason)
    except ValidationError as exc:
        status, errors = 400, field_errors(exc, ("fields", "reason"))
    except PermissionDenied as exc:
        status, refusal = 403, str(exc)
    panel = {
        "reveal_url": f"/registry/people/{person.pk}/reveal/",
        "revealed": [(_(PERSON_FIELD_LABELS[f]), v) for f, v in values.items()],
        "reveal_errors": errors,
        "reveal_denied": refusal,
        "reason": reason,
    }
    if is_htmx(request):
        again = _revealable_person_fields(actor, person) if errors else []
        context = {**panel, "reveal_fields": [(f, _(PERSON_FIELD_LABELS[f])) for f in again]}
        return render(request, "registry/_reveal.html", context, status=status)
    if refusal:
        return denied(request, refusal)
    context = {**_person_context(actor, person.pk), **panel}
    return render(request, "registry/person.html", context, status=status)


@require_POST
@registry_page
def people_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The people (of one kind) in the chosen region as .xlsx, masked unless a reason is
    given for a full export (`exporting.export_people`: roles, gates, audit)."""
    kind = request.POST.get("kind", "").strip()[:32]
    region = request.POST.get("region", "").strip()[:18]
    try:
        content, _count = export_people(
            actor=actor,
            kind=kind,
            region=region,
            reveal=request.POST.get("reveal") == "1",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in first_errors(exc):
            messages.error(request, message)
        back = urlencode({k: v for k, v in (("kind", kind), ("region", region)) if v})
        return redirect(f"/registry/?{back}" if back else "/registry/")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return download(content, f"人员信息导出-{stamp}.xlsx")
