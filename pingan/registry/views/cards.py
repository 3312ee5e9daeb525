"""Card pages: one card with its visits and the visit form, the card reveal, overdue lists."""

from __future__ import annotations

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
from pingan.registry.codes import code_labels
from pingan.registry.filters import parse_filters
from pingan.registry.kinds import SPECS
from pingan.registry.models import Card, CardStatus
from pingan.registry.page_selectors import (
    OVERDUE_GROUPINGS,
    default_grouping,
    may_write,
    overdue_list,
    overdue_summary,
    page_kinds,
    region_names,
    region_options,
    responsible_name,
    reveal_refusal,
)
from pingan.registry.present import (
    card_attribute_names,
    card_data,
    labels_for_display,
    person_base,
    visit_data,
)
from pingan.registry.reveal import card_reveal
from pingan.registry.rules import interval_for
from pingan.registry.selectors import access_card, card_visits
from pingan.registry.services import visit_record
from pingan.registry.views.common import (
    denied,
    field_errors,
    is_htmx,
    page_of,
    registry_page,
    shell_context,
)

VISIT_FIELDS = ("method", "visited_at", "place", "notes", "risk_level")
# Translated where shown (`_(GROUPING_LABELS[g])`); gettext_noop lets makemessages find them.
GROUPING_LABELS = {
    "town": gettext_noop("按乡镇（街道）"),
    "village": gettext_noop("按村（社区）"),
    "grid": gettext_noop("按网格"),
    "responsible": gettext_noop("按责任人"),
}


def hidden_attributes(actor: Actor, card: Card) -> list[str]:
    """Attributes of the card that the page shows masked or not at all but the actor's
    position could reveal (region positions: all; departments: their gate's)."""
    spec = SPECS[card.kind]
    values = card.attribute_values()
    shown, _complete = card_attribute_names(actor, card)
    if actor.is_department:
        revealable = set(gates.gated_fields(actor, card.kind))
    else:
        revealable = set(spec.names)
    hidden = []
    for field in spec.fields:
        if field.name not in values or field.name not in revealable:
            continue
        if (shown is not None and field.name not in shown) or field.mask:
            hidden.append(field.name)
    return hidden


def _risk_choices(card: Card) -> list[dict]:
    """The kind's levels, each with the visit interval its rule gives (for the form hint)."""
    spec = SPECS[card.kind]
    return [
        {"level": level, "label": label, "days": interval_for(card.kind, level)}
        for level, label in spec.risk_choices
    ]


def _card_context(request: HttpRequest, actor: Actor, card: Card) -> dict:
    labels = labels_for_display()
    data = card_data(actor, card, labels)
    page = page_of(request, card_visits(actor, card))
    spec = SPECS[card.kind]
    can_visit = may_write(actor) and card.status == CardStatus.ACTIVE
    now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    return {
        **shell_context(actor, "people"),
        "card": data,
        "card_id": card.pk,
        "spec": spec,
        "person": person_base(actor, card.person, labels),
        "region_name": region_names([card.region_code]).get(card.region_code, ""),
        "page": page,
        "visits": [{**visit_data(actor, v, labels), "at": v.visited_at} for v in page.object_list],
        "shows_notes": not actor.is_department and not actor.is_read_only,
        "can_visit": can_visit,
        "methods": list(
            code_labels(["visit_method"], active_only=True).get("visit_method", {}).items()
        )
        if can_visit
        else [],
        "risk_choices": _risk_choices(card) if can_visit else [],
        "interval": interval_for(card.kind, None) if spec.risk_levels is None else None,
        "visit_form": {
            "visited_at": now.isoformat(timespec="minutes"),
            "risk_level": "" if card.risk_level is None else str(card.risk_level),
        },
        "visit_errors": {},
        "reveal_refusal": reveal_refusal(actor),
        "hidden_attributes": hidden_attributes(actor, card),
        "reveal_url": f"/registry/cards/{card.pk}/reveal/",
    }


@require_GET
@registry_page
def card_page(request: HttpRequest, actor: Actor, card_id: int) -> HttpResponse:
    """One card: gated fields only, visit history (paged), the visit form for writers."""
    card = access_card(actor, card_id)
    return render(request, "registry/card.html", _card_context(request, actor, card))


@require_POST
@registry_page
def visit_create(request: HttpRequest, actor: Actor, card_id: int) -> HttpResponse:
    """Record a visit (`services.visit_record`: writers in scope, audited) and go back to
    the card with its new next-visit date; field errors come back on the form (400)."""
    card = access_card(actor, card_id)
    form = {key: request.POST.get(key, "") for key in VISIT_FIELDS}
    try:
        visit = visit_record(
            actor=actor,
            card=card,
            method=form["method"],
            visited_at=form["visited_at"] or None,
            place=form["place"],
            notes=form["notes"],
            risk_level=form["risk_level"] or None,
        )
    except ValidationError as exc:
        context = _card_context(request, actor, card)
        context.update(visit_form=form, visit_errors=field_errors(exc, VISIT_FIELDS))
        return render(request, "registry/card.html", context, status=400)
    if visit.next_visit_on:
        card.refresh_from_db()
        messages.success(
            request,
            _("走访已登记。下次走访日期：%(date)s。")
            % {"date": (card.next_visit_on or visit.next_visit_on).isoformat()},
        )
    else:
        messages.success(request, _("走访已登记。该类人员没有定期走访安排。"))
    return redirect(f"/registry/cards/{card.pk}/")


@require_POST
@registry_page
def card_reveal_view(request: HttpRequest, actor: Actor, card_id: int) -> HttpResponse:
    """The attributes the page hides or masks, in full, as far as the actor may reveal them
    (`reveal.card_reveal`: reason required, one audit record per field, refusals
    audited)."""
    card = access_card(actor, card_id)
    reason = request.POST.get("reason", "")
    status, rows, errors, refusal = 200, [], {}, ""
    hidden = hidden_attributes(actor, card)
    try:
        if not hidden:
            raise ValidationError({"fields": [_("该类型卡没有需要查看的完整信息。")]})
        rows = card_reveal(
            actor=actor, card=card, fields=hidden, reason=reason, labels=labels_for_display()
        )
    except ValidationError as exc:
        status, errors = 400, field_errors(exc, ("reason",))
    except PermissionDenied as exc:
        status, refusal = 403, str(exc)
    panel = {
        "reveal_url": f"/registry/cards/{card.pk}/reveal/",
        "revealed": [(row["label"], row["display"]) for row in rows],
        "reveal_errors": errors,
        "reveal_denied": refusal,
        "reason": reason,
        "reveal_all": True,
    }
    if is_htmx(request):
        return render(request, "registry/_reveal.html", panel, status=status)
    if refusal:
        return denied(request, refusal)
    context = {**_card_context(request, actor, card), **panel}
    return render(request, "registry/card.html", context, status=status)


@require_GET
@registry_page
def overdue_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """逾期未走访: counts by town / village / grid / responsible person, and the cards."""
    kinds = page_kinds(actor)
    filters = parse_filters(actor, request.GET, kinds=[k for k, _label in kinds])
    # Who is responsible for a card is not a gated field: departments group by region only.
    groupings = [g for g in OVERDUE_GROUPINGS if g != "responsible" or not actor.is_department]
    if actor.is_department:
        filters.responsible = None
    by = request.GET.get("by", "")
    if by not in groupings:
        by = default_grouping(actor)
        if by not in groupings:
            by = groupings[-1]
    today = timezone.localdate()
    cards = overdue_list(
        actor,
        region=filters.region,
        kind=filters.kind,
        responsible=filters.responsible,
        today=today,
    )
    summary = overdue_summary(cards, by)
    for row in summary:  # each row drills down one level (a person row: their cards)
        if by == "responsible":
            row["query"] = filters.query(by=by, responsible=row["key"]) if row["key"] else ""
        else:
            deeper = groupings[min(groupings.index(by) + 1, len(groupings) - 1)]
            row["query"] = filters.query(by=deeper, region=row["key"])
    page = page_of(request, cards)
    rows = list(page.object_list)
    names = region_names(c.region_code for c in rows)
    labels = labels_for_display()
    items = []
    for card in rows:
        data = card_data(actor, card, labels)
        items.append(
            {
                "card": data,
                "person": card.person,
                "region_name": names.get(card.region_code, ""),
                "days": (today - card.next_visit_on).days,
                "responsible": (card.responsible.full_name or card.responsible.username)
                if card.responsible and not actor.is_department
                else "",
            }
        )
    context = {
        **shell_context(actor, "overdue"),
        "filters": filters,
        "query": filters.query(by=by),
        "by": by,
        "groupings": [(g, _(GROUPING_LABELS[g])) for g in groupings],
        "shows_responsible": not actor.is_department,
        "summary": summary,
        "page": page,
        "items": items,
        "responsible_name": responsible_name(actor, filters.responsible),
        "kind_options": kinds,
        "region_options": region_options(actor),
        "total": page.paginator.count,
    }
    return render(request, "registry/overdue.html", context)
