"""Recording mediation on a dispute's case page: an attempt, the agreement, 司法确认.

Thin views over `pingan.events.disputes` (the same services as the disputes API). htmx
posts get the refreshed 纠纷信息 card with the status panel and the timeline swapped out of
band (each step bumps the case version, so the action forms must be redrawn too).
200 done; 400 Chinese field errors next to the fields, nothing saved; 409 the actor may not
record this now (message, nothing changed); 403 read-only roles (audited); 404 a case out
of scope or not a dispute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pingan.accounts.scope import Actor, require_write
from pingan.command.views import _is_htmx, _page_context, _work_context, command_page
from pingan.events.dispute_casetype import CASE_TYPE
from pingan.events.disputes import agreement_confirm, agreement_record, mediation_record
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.selectors import access_case

# The posted fields each step's form has (and whose errors it shows next to the field).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "mediation": ("mediated_on", "method", "organisation", "mediator", "result", "notes"),
    "agreement": ("agreed_on", "content", "confirmed"),
    "agreement_confirm": (),
}
SERVICES: dict[str, Callable[..., Any]] = {
    "mediation": mediation_record,
    "agreement": agreement_record,
    "agreement_confirm": agreement_confirm,
}


def _step_params(step: str, data: QueryDict) -> dict[str, Any]:
    params: dict[str, Any] = {name: data.get(name, "") for name in STEP_FIELDS[step]}
    if "confirmed" in params:
        params["confirmed"] = bool(params["confirmed"])  # a checkbox: present means ticked
    return params


def _done_message(step: str, row: Any) -> str:
    if step == "mediation":
        return _("调解记录已登记。")
    if step == "agreement":
        return _("调解协议已登记，司法确认申请截止 %(date)s。") % {
            "date": row.judicial_confirmation_deadline.isoformat()
        }
    return _("已登记司法确认。")


def _invalid_message(step: str, errors: dict[str, list[str]]) -> str:
    message = _("请修改标出的内容后重试。")
    # A message for a field the form does not have still has to reach the operator.
    other = [m for field, msgs in errors.items() if field not in STEP_FIELDS[step] for m in msgs]
    return " ".join([message, *other]) if other else message


@require_POST
@command_page
def dispute_step_view(request: HttpRequest, actor: Actor, number: str, step: str) -> HttpResponse:
    """Record one mediation step (`mediation_record`, `agreement_record`,
    `agreement_confirm`) and return the refreshed dispute card."""
    case = access_case(actor, number)
    if case.case_type != CASE_TYPE:
        raise Http404(_("该案件不是矛盾纠纷。"))
    require_write(actor)
    params = _step_params(step, request.POST)
    status, kind, errors = 200, "ok", {}
    try:
        row = SERVICES[step](actor=actor, case=case, **params)
        message = _done_message(step, row)
    except ActionInvalid as exc:
        status, kind, errors = 400, "error", exc.errors
        message = _invalid_message(step, errors)
    except ActionNotAllowed as exc:
        status, kind, message = 409, "error", exc.message
    htmx = _is_htmx(request)
    if not htmx and status == 200:
        # Without JavaScript the form posts normally: back to the case page (no re-post on F5).
        return redirect(f"/command/cases/{case.number}/")
    case = access_case(actor, number)  # fresh: the step bumped the version
    context = {
        **(_work_context(actor, case) if htmx else _page_context(actor, case)),
        "dispute_message": message,
        "dispute_message_kind": kind,
        "dispute_errors": {step: errors},
        # Keep what was typed when it has to be corrected.
        "dispute_values": {step: params} if errors else {},
        "dispute_open": step if errors else "",
    }
    template = "command/_dispute_work.html" if htmx else "command/case.html"
    return render(request, template, context, status=status)
