"""The action panel of the case page: one form per action in `available_actions`.

The panel never decides what is allowed: it lists exactly `available_actions(actor, case)`
and adds, per action, the pickers its parameters need. Posted values are turned back into
`case_act` parameters by `action_params`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.command import selectors
from pingan.flow import clocks
from pingan.flow.context import DEFAULT_LIMITS, start_clock
from pingan.flow.models import Case, LimitUnit, Satisfaction, SupervisionLevel
from pingan.flow.services import available_actions
from pingan.flow.types import get_case_type

# Which POST fields each action takes (lists end in "[]" in the form, not here).
PARAM_FIELDS: dict[str, tuple[str, ...]] = {
    "assign": ("unit",),
    "transfer": ("unit",),
    "dispatch": ("department", "assist"),
    "add_assist": ("units",),
    "request_extension": ("due_at",),
    "callback": ("satisfaction",),
    "supervise": ("level",),
    "mark_urgent": ("urgent",),
}
LIST_FIELDS = frozenset({"assist", "units"})
# Actions whose button is styled as a warning (they send the case away or stop it).
CAUTION = frozenset({"return", "suspend", "verify_fail", "deny_extension", "reopen"})


@dataclass
class ActionForm:
    code: str
    label: str
    note_required: bool
    needs_approval: bool
    caution: bool
    options: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class DuePreview:
    accept_due: dt.datetime
    handle_due: dt.datetime
    accept_limit: str
    handle_limit: str


def _limit_text(case: Case, kind: str) -> str:
    case_type = get_case_type(case.case_type)
    limit = clocks.limit_for(case.case_type, case_type.category_chain(case), case.urgency, kind)
    amount, unit = limit or DEFAULT_LIMITS[kind]
    amount = Decimal(amount).normalize()
    return f"{amount:f} {LimitUnit(unit).label}"


def dispatch_preview(case: Case, now: dt.datetime | None = None) -> DuePreview:
    """Deadlines a dispatch now would set, from the matter catalogue: the department's
    acceptance deadline, and its handling deadline if it accepted at once."""
    now = now or timezone.now()
    case_type = get_case_type(case.case_type)
    accept = SimpleNamespace(clock_seq=0)
    start_clock(case_type, case, accept, "accept", now)
    handle = SimpleNamespace(clock_seq=0)
    start_clock(case_type, case, handle, "handle", now)
    return DuePreview(
        accept_due=accept.due_at,
        handle_due=handle.due_at,
        accept_limit=_limit_text(case, "accept"),
        handle_limit=_limit_text(case, "handle"),
    )


def action_forms(actor: Actor, case: Case) -> list[ActionForm]:
    """One form per action the actor may take now, with the options each needs."""
    case_type = get_case_type(case.case_type)
    forms = []
    for code in available_actions(actor, case):
        spec = case_type.actions[code]
        options: dict[str, Any] = {}
        if code == "assign":
            options["units"] = [
                (r.code, r.name) for r in selectors.lower_unit_options(case.holder_code)
            ]
        elif code == "transfer":
            options["units"] = selectors.sibling_unit_options(case.holder_code)
        elif code == "dispatch":
            departments = selectors.department_options(actor, case.holder_code)
            options["departments"] = [(d.code, f"{d.region.name} · {d.name}") for d in departments]
            options["preview"] = dispatch_preview(case)
        elif code == "add_assist":
            command = case.command_code or case.holder_code
            departments = selectors.department_options(actor, command)
            options["departments"] = [
                (d.code, f"{d.region.name} · {d.name}")
                for d in departments
                if d.code != case.holder_code
            ]
        elif code == "request_extension" and case.due_at:
            local = timezone.localtime(case.due_at) + dt.timedelta(days=3)
            options["suggested"] = local.strftime("%Y-%m-%dT%H:%M")
        elif code == "callback":
            options["choices"] = Satisfaction.choices
        elif code == "supervise":
            options["choices"] = SupervisionLevel.choices
        elif code == "mark_urgent":
            options["urgent"] = not case.is_urgent
        forms.append(
            ActionForm(
                code=code,
                label=str(spec.label)
                if code != "mark_urgent" or not case.is_urgent
                else _("取消加急"),
                note_required=spec.note_required,
                needs_approval=spec.needs_approval,
                caution=code in CAUTION,
                options=options,
            )
        )
    return forms


def action_params(action: str, data: QueryDict) -> dict[str, Any]:
    """`case_act` keyword parameters for `action` from posted form data."""
    params: dict[str, Any] = {}
    for name in PARAM_FIELDS.get(action, ()):
        if name in LIST_FIELDS:
            values = [v for v in data.getlist(name) if v]
            if values:
                params[name] = values
        elif data.get(name, "") != "":
            params[name] = data.get(name)
    return params
