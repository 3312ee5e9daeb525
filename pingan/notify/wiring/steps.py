"""Messages caused by one committed case step (the flow step listener's task).

* `case.new` — the step handed the case to another unit (report, escalate, assign, dispatch,
  transfer, return, feedback to the verifier, reopen …): that unit's working members, except
  the person who acted. Skipped when the case has already left that unit again.
* `case.supervised` — a 督办 card: the supervised unit.
* `case.reporter_step` — a public-visible step on a case a staff member reported: the
  reporter, unless they took the step themselves.
* a merge — see `merges.py`.

Keys: `<topic>:<case number>:<seq>` (+ channel and user, see `notify_user`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from pingan.flow.models import Case, CaseAction, ClockKind, Supervision, SupervisionLevel
from pingan.flow.public_text import PUBLIC_STEPS, step_text
from pingan.flow.types import get_case_type
from pingan.flow.units import unit_names
from pingan.notify.models import Notification
from pingan.notify.services import notify_user
from pingan.notify.wiring.common import UnitMembers, case_link, local_time, tell_unit
from pingan.notify.wiring.merges import notify_merge

# The reporter's own report needs no message.
REPORTER_SILENT = frozenset({"report"})


def _action_label(case: Case, action: str) -> str:
    if action == "report":
        return _("上报")
    spec = get_case_type(case.case_type).actions.get(action)
    return str(spec.label) if spec else action


def _deadline(case: Case) -> str:
    if not case.clock_kind or case.due_at is None or case.clock_paused_at is not None:
        return ""
    return _("，%(clock)s至 %(due)s") % {
        "clock": ClockKind(case.clock_kind).label,
        "due": local_time(case.due_at),
    }


def _new_holder(case: Case, row: CaseAction, members: UnitMembers) -> list[Notification]:
    if case.holder_code != row.to_holder:
        return []
    context = {
        "number": case.number,
        "title": case.title,
        "step": _action_label(case, row.action),
        "state": get_case_type(case.case_type).state_label(row.to_state),
        "deadline": _deadline(case),
    }
    return tell_unit(
        members,
        row.to_holder,
        topic="case.new",
        key=f"case.new:{case.number}:{row.seq}",
        context=context,
        case=case,
        exclude_user_id=row.actor_id,
    )


def _supervised(case: Case, row: CaseAction, members: UnitMembers) -> list[Notification]:
    card = Supervision.objects.filter(case=case, action_seq=row.seq).first()
    if card is None:
        return []
    names = unit_names({card.issuer_code})
    context = {
        "number": case.number,
        "title": case.title,
        "level": SupervisionLevel(card.level).label,
        "issuer": names.get(card.issuer_code, ""),
        "note": card.note,
        "respond_by": local_time(card.response_due_at),
    }
    return tell_unit(
        members,
        card.target_code,
        topic="case.supervised",
        key=f"case.supervised:{case.number}:{row.seq}",
        context=context,
        case=case,
    )


def _reporter_step(case: Case, row: CaseAction) -> list[Notification]:
    reporter = case.reporter
    if reporter is None or row.actor_id == reporter.pk:
        return []
    names = unit_names({code for code in (row.unit_code, row.to_holder) if code})
    return notify_user(
        user=reporter,
        topic="case.reporter_step",
        key=f"case.reporter_step:{case.number}:{row.seq}",
        context={"number": case.number, "title": case.title, "step": step_text(row, names)},
        link=case_link(case.number),
        case_number=case.number,
        region_code=case.region_code,
    )


def notify_case_step(case_id: int, seq: int) -> list[Notification]:
    """Every staff message one committed step causes (idempotent); returns the messages."""
    row = (
        CaseAction.objects.select_related("case", "case__reporter")
        .filter(case_id=case_id, seq=seq)
        .first()
    )
    if row is None:
        return []
    case, members = row.case, UnitMembers()
    sent: list[Notification] = []
    if row.to_holder and row.to_holder != row.from_holder:
        sent += _new_holder(case, row, members)
    if row.action == "supervise":
        sent += _supervised(case, row, members)
    if row.action in PUBLIC_STEPS and row.action not in REPORTER_SILENT:
        sent += _reporter_step(case, row)
    if row.action == "merge":
        sent += notify_merge(case)
    return sent
