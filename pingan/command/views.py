"""Command-centre pages (/command/…). Thin: reads from `selectors`, writes via `case_act`.

htmx requests (header ``HX-Request``) get fragments: the filtered list, or the case's work
area after an action. Refusals come back as 409 (not allowed now / conflict) or 400 (field
errors) with the fragment, which `command.js` lets htmx swap in.
"""

from __future__ import annotations

import functools

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts.roles import ADMIN_ROLES
from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.command import selectors
from pingan.command.dispute_panel import dispute_context
from pingan.command.exports import cases_export
from pingan.command.filters import BOXES, parse_filters, parse_supervision_filters, state_labels
from pingan.command.panel import PARAM_FIELDS, action_forms, action_params
from pingan.core.http import INTEGER_MAX, parse_int
from pingan.events.models import ReporterKind
from pingan.events.selectors import event_detail_data
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case, SupervisionLevel
from pingan.flow.selectors import access_case, case_assists, case_supervisions, case_timeline
from pingan.flow.services import case_act
from pingan.flow.timeline import case_timeline_entries
from pingan.flow.types import get_case_type
from pingan.flow.units import unit_names
from pingan.web.context import request_actor

PAGE_SIZE = 50
BOX_LABELS = {
    "todo": gettext_lazy("待办"),
    "awaiting_accept": gettext_lazy("待受理"),
    "overdue": gettext_lazy("超期"),
    "supervised": gettext_lazy("督办"),
    "assisting": gettext_lazy("协办"),
    "done": gettext_lazy("已办"),
    "all": gettext_lazy("全部"),
}
LIGHT_LABELS = selectors.LIGHT_LABELS


def command_page(view):
    """Signed in with a working or leading position (not one of the three administrators,
    who do not read case files); otherwise 403, audited."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        actor = request_actor(request)
        if actor.position is None or actor.role in ADMIN_ROLES:
            audit_log(
                actor=actor,
                action="permission.denied",
                object_type="page",
                object_id="command",
                ip=actor.ip,
                outcome="denied",
                detail={"role": actor.role or ""},
            )
            raise PermissionDenied(_("当前岗位不能使用指挥中心。"))
        return view(request, actor, *args, **kwargs)

    return wrapper


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page_number(request: HttpRequest) -> str:
    return request.GET.get("page", "1")


# --- inbox ------------------------------------------------------------------------------
@require_GET
@command_page
def inbox_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The unified inbox with tabs, filters and paging; htmx gets the results fragment."""
    filters = parse_filters(actor, request.GET)
    page = Paginator(selectors.filtered_cases(actor, filters), PAGE_SIZE).get_page(
        _page_number(request)
    )
    counts = selectors.box_counts(actor, filters)
    context = {
        "nav_active": "command",
        "filters": filters,
        "tabs": [(box, BOX_LABELS[box], counts[box]) for box in BOXES],
        "box_label": BOX_LABELS[filters.box],
        "page": page,
        "rows": selectors.case_rows(list(page.object_list)),
        "light_labels": LIGHT_LABELS,
        "query": filters.query(),
        "filter_query": filters.query(with_box=False),
    }
    if _is_htmx(request):
        return render(request, "command/_results.html", context)
    context.update(_filter_options(actor))
    return render(request, "command/inbox.html", context)


def _filter_options(actor: Actor) -> dict:
    return {
        "region_options": selectors.region_options(actor),
        "category_options": selectors.category_options(),
        "state_options": list(state_labels().items()),
    }


@require_GET
@command_page
def export_xlsx(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The current filtered list as an Excel file (audited ``cases.export``)."""
    filters = parse_filters(actor, request.GET)
    content, _rows = cases_export(actor=actor, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="cases-{filters.box}-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- case detail and actions ------------------------------------------------------------
def _timeline_rows(case: Case, history: list, names: dict[str, str]) -> list[dict]:
    """The timeline entries (`flow.timeline`) with the unit names the template shows."""
    return [
        {
            "entry": entry,
            "unit": names.get(entry.unit_code, entry.unit_code),
            "to_holder": names.get(entry.to_holder, entry.to_holder),
        }
        for entry in case_timeline_entries(case, history, names)
    ]


def _work_context(actor: Actor, case: Case) -> dict:
    """Everything the work area (state, clocks, actions, assists, supervision, timeline) shows,
    and a dispute's card (its record forms depend on the state too)."""
    timeline = case_timeline(case)
    assists = case_assists(case)
    supervisions = case_supervisions(case)
    codes = {case.holder_code, case.command_code, case.origin_code, case.pending_approver_code}
    for row in timeline:
        codes |= {row.unit_code, row.to_holder, row.from_holder}
    codes |= {a.unit_code for a in assists}
    for s in supervisions:
        codes |= {s.target_code, s.issuer_code}
    names = unit_names(codes)
    case_type = get_case_type(case.case_type)
    light = selectors.light(case)
    return {
        "case": case,
        "names": names,
        "state_label": case_type.state_label(case.state),
        "light": light,
        "light_label": LIGHT_LABELS[light],
        "holder_name": names.get(case.holder_code, case.holder_code),
        "command_name": names.get(case.command_code, case.command_code),
        "approver_name": names.get(case.pending_approver_code, case.pending_approver_code),
        "forms": action_forms(actor, case),
        "read_only": actor.is_read_only,
        "timeline": _timeline_rows(case, timeline, names),
        "assists": [(a, names.get(a.unit_code, a.unit_code)) for a in assists],
        "supervisions": [
            (s, names.get(s.target_code, s.target_code), names.get(s.issuer_code, s.issuer_code))
            for s in supervisions
        ],
        **dispute_context(actor, case),
    }


@require_GET
@command_page
def case_page(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """One case: event details, clocks, the actions the actor may take now, the timeline."""
    case = access_case(actor, number)
    return render(request, "command/case.html", _page_context(actor, case))


def _page_context(actor: Actor, case: Case) -> dict:
    detail = event_detail_data(case)
    if detail:
        detail["reporter_kind_label"] = ReporterKind(detail["reporter_kind"]).label
        detail["grid_name"] = unit_names([detail["grid_code"]]).get(
            detail["grid_code"], detail["grid_code"]
        )
    return {
        "nav_active": "command",
        "detail": detail,
        "origin_name": unit_names([case.origin_code]).get(case.origin_code, case.origin_code),
        **_work_context(actor, case),
    }


@require_POST
@command_page
def case_act_view(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """Take one action (`case_act`) and return the refreshed work area.

    200 done; 409 not allowed now or someone else acted first (message, nothing changed);
    400 field errors shown next to the form; 403 for read-only roles (audited).
    """
    case = access_case(actor, number)
    require_write(actor)
    action = request.POST.get("action", "").strip()[:32]
    seen = parse_int(request.POST.get("version"), INTEGER_MAX)
    if seen is not None:
        # The version the operator saw when the panel was drawn: stale → conflict.
        case.version = seen
    status, message, errors, message_kind = 200, "", {}, "ok"
    try:
        case = case_act(
            actor=actor,
            case=case,
            action=action,
            note=request.POST.get("note", ""),
            ip=actor.ip,
            **action_params(action, request.POST),
        )
        label = get_case_type(case.case_type).actions[action].label
        message = _("“%(label)s”已完成。") % {"label": label}
    except ActionInvalid as exc:
        status, errors, message_kind = 400, exc.errors, "error"
        message = _("请修改标出的内容后重试。")
        shown = {"note", *PARAM_FIELDS.get(action, ())}
        # A message for a field the form does not have still has to reach the operator.
        other = [m for field, msgs in errors.items() if field not in shown for m in msgs]
        if other:
            message = " ".join([message, *other])
        case = access_case(actor, number)
    except ActionNotAllowed as exc:
        status, message_kind = 409, "error"
        case = access_case(actor, number)
        labels = get_case_type(case.case_type).actions
        allowed = "、".join(str(labels[c].label) for c in exc.allowed_actions if c in labels)
        if allowed:
            hint = _("当前可执行：%(actions)s。") % {"actions": allowed}
        else:
            hint = _("当前没有可执行的操作。")
        message = f"{exc.message} {hint}"
    if not _is_htmx(request) and status == 200:
        # Without JavaScript the form posts normally: back to the case page (no re-post on F5).
        return redirect(f"/command/cases/{case.number}/")
    htmx = _is_htmx(request)
    context = {
        **(_work_context(actor, case) if htmx else _page_context(actor, case)),
        "message": message,
        "message_kind": message_kind,
        "open_action": action if errors else "",
    }
    for form in context["forms"]:
        if form.code == action:
            form.errors = errors
    template = "command/_work.html" if htmx else "command/case.html"
    return render(request, template, context, status=status)


# --- map --------------------------------------------------------------------------------
@require_GET
@command_page
def map_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Leaflet map of open events in scope, coloured by lateness, over the grid outlines."""
    filters = parse_filters(actor, request.GET, default_box="all")
    context = {
        "nav_active": "command",
        "filters": filters,
        "filter_query": filters.query(with_box=False),
        "grid_region": filters.region or (actor.scope_code or ""),
        "map_tile_url": settings.PINGAN_MAP_TILE_URL,
        "map_tile_attribution": settings.PINGAN_MAP_TILE_ATTRIBUTION,
        "cap": selectors.MAP_POINT_CAP,
        **_filter_options(actor),
    }
    return render(request, "command/map.html", context)


@require_GET
@command_page
def map_events(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GeoJSON points of open events in scope (filters as on the inbox), newest first."""
    filters = parse_filters(actor, request.GET, default_box="all")
    rows = selectors.open_map_cases(actor, filters)
    truncated = len(rows) > selectors.MAP_POINT_CAP
    rows = rows[: selectors.MAP_POINT_CAP]
    labels = state_labels()
    now = timezone.now()
    features = []
    for r in rows:
        light = selectors.clock_light(
            due_at=r["due_at"],
            warn_at=r["warn_at"],
            is_warned=r["is_warned"],
            is_overdue=r["is_overdue"],
            paused_at=r["clock_paused_at"],
            now=now,
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["event__lng"], r["event__lat"]]},
                "properties": {
                    "number": r["number"],
                    "title": r["title"],
                    "state": r["state"],
                    "state_label": labels.get(r["state"], r["state"]),
                    "light": light,
                    "due_at": timezone.localtime(r["due_at"]).isoformat() if r["due_at"] else None,
                    "url": f"/command/cases/{r['number']}/",
                },
            }
        )
    data = {
        "type": "FeatureCollection",
        "features": features,
        "count": len(features),
        "truncated": truncated,
        "errors": filters.errors,
    }
    response = HttpResponse(orjson.dumps(data), content_type="application/geo+json")
    response["Cache-Control"] = "private, no-store"
    return response


# --- supervision board ------------------------------------------------------------------
@require_GET
@command_page
def supervision_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """督办 cards on cases in scope: level, case, unit, response deadline, answered or not."""
    filters = parse_supervision_filters(actor, request.GET)
    page = Paginator(selectors.supervision_cards(actor, filters), PAGE_SIZE).get_page(
        _page_number(request)
    )
    cards = list(page.object_list)
    names = unit_names({c.target_code for c in cards} | {c.issuer_code for c in cards})
    now = timezone.now()
    context = {
        "nav_active": "command",
        "filters": filters,
        "query": filters.query(),
        "page": page,
        "cards": [
            {
                "card": c,
                "target": names.get(c.target_code, c.target_code),
                "issuer": names.get(c.issuer_code, c.issuer_code),
                "late": c.responded_at is None and c.response_due_at <= now,
            }
            for c in cards
        ],
        "region_options": selectors.region_options(actor),
        "level_options": SupervisionLevel.choices,
    }
    template = (
        "command/_supervision_results.html" if _is_htmx(request) else "command/supervision.html"
    )
    return render(request, template, context)
