"""Scoped reads of cases: visibility, the unified inbox, one case, its timeline.

Visibility (DESIGN §4.2): a region position sees cases whose `region_code` lies in its
region, cases held by units inside its region (departments included: their codes start
with their region's code) and cases its own unit reported; a department position sees the
cases its department holds, held, or assists. The three administrators see none. Leaders
read like region positions. "Not found" and "not yours" are the same 404 (`access_case`).
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from pingan.accounts.roles import ADMIN_ROLES, Role
from pingan.accounts.scope import Actor, get_in_scope_or_404, scope_by_region
from pingan.flow.models import Case, CaseAction, CaseAssist, Supervision
from pingan.flow.types import case_types
from pingan.flow.units import actor_unit

INBOXES = ("todo", "awaiting_accept", "overdue", "supervised", "assisting", "done", "all")


def _final_states() -> set[str]:
    states: set[str] = set()
    for case_type in case_types():
        states |= set(case_type.final_states)
    return states


def visible_cases(actor: Actor) -> QuerySet[Case]:
    """Every case the actor may read."""
    position = actor.position
    if position is None:
        return Case.objects.none()
    unit = actor_unit(actor)
    if position.role == Role.DEPARTMENT_HANDLER:
        held = CaseAction.objects.filter(to_holder=unit).values("case_id")
        assisted = CaseAssist.objects.filter(unit_code=unit).values("case_id")
        return Case.objects.filter(Q(holder_code=unit) | Q(id__in=held) | Q(id__in=assisted))
    if position.role in ADMIN_ROLES:
        # 三员 administer the system; they do not read case files.
        return Case.objects.none()
    in_region = scope_by_region(actor, Case.objects.all())
    # Plus cases held by units inside the scope wherever they happened (a case transferred
    # in from a neighbour, a county department's case) and the unit's own reports.
    held = scope_by_region(actor, Case.objects.all(), field="holder_code")
    return in_region | held | Case.objects.filter(origin_code=unit)


def inbox(actor: Actor, box: str = "todo") -> QuerySet[Case]:
    """Cases in one inbox box for the actor, ordered for work (earliest due first).

    - todo: open cases the actor's unit holds, or whose extension request it must decide
    - awaiting_accept: held by the unit and waiting for acceptance (待受理/待签收)
    - overdue / supervised: open visible cases past their due point / under 督办
    - assisting: cases where the unit is a 协办 unit that has not fed back yet
    - done: cases the unit acted on and no longer holds (已办)
    - all: every visible case
    """
    if box not in INBOXES:
        raise ValueError(box)
    unit = actor_unit(actor)
    cases = visible_cases(actor)
    final = _final_states()
    if box == "all":
        return cases.order_by("-created_at", "-id")
    if box == "todo":
        mine = Q(holder_code=unit) & ~Q(state__in=final)
        qs = cases.filter(mine | Q(pending_approver_code=unit))
    elif box == "awaiting_accept":
        qs = cases.filter(holder_code=unit, state="pending_accept")
    elif box == "overdue":
        qs = cases.filter(is_overdue=True).exclude(state__in=final)
    elif box == "supervised":
        qs = cases.exclude(supervision_level="").exclude(state__in=final)
    elif box == "assisting":
        open_assists = CaseAssist.objects.filter(unit_code=unit, done_at__isnull=True)
        qs = cases.filter(id__in=open_assists.values("case_id"))
    else:  # done
        acted = CaseAction.objects.filter(unit_code=unit).exclude(action="report")
        qs = cases.filter(id__in=acted.values("case_id")).exclude(
            Q(holder_code=unit) & ~Q(state__in=final)
        )
        return qs.order_by("-updated_at", "-id")
    if box == "supervised":
        return qs.order_by("-updated_at", "-id")
    # Earliest due first; cases without a running clock last on every backend.
    return qs.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-id")


def inbox_counts(actor: Actor) -> dict[str, int]:
    return {box: inbox(actor, box).count() for box in INBOXES}


def access_case(actor: Actor, number: str) -> Case:
    """The case with `number` if the actor may read it, else Http404 (same as missing).

    An existing case outside the actor's view is audited as ``scope.denied``.
    """
    return get_in_scope_or_404(actor, visible_cases(actor), object_type="flow.case", number=number)


def case_timeline(case: Case) -> list[CaseAction]:
    return list(case.actions.select_related("actor").order_by("seq"))


def case_assists(case: Case) -> list[CaseAssist]:
    return list(case.assists.order_by("id"))


def case_supervisions(case: Case) -> list[Supervision]:
    return list(case.supervisions.order_by("created_at", "id"))
