"""Scoped reads of person moves and the 漏管 (unmanaged) flag.

- A region position sees the moves that leave or enter its region (`from_region` or
  `to_region` under its prefix); leaders read the same. Departments and the three
  administrators see none (moves are not opened by any gate).
- The receiver sees a pending move (and the person's name, sex, birth year, masked ID number
  and the kinds of their active cards, through the case detail) but not the person record
  itself until it accepts: the person stays in the sender's scope until then.
- 漏管: a person nobody is working for. Either their pending move has passed its accept
  deadline, or their region no longer exists, or it has nobody acting for it (no active grid
  worker on their grid, or village staff on their village). People who moved out of the
  installation and have no active card are not counted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pingan.accounts.models import Position
from pingan.accounts.roles import ADMIN_ROLES, Role
from pingan.accounts.scope import Actor
from pingan.core.masking import mask_id_number
from pingan.flow.models import Case
from pingan.flow.units import unit_names
from pingan.regions.models import Region
from pingan.registry.kinds import CardKind
from pingan.registry.models import Card, CardStatus, MoveStatus, Person, PersonMove
from pingan.registry.moves.receivers import staffed_units
from pingan.registry.selectors import visible_people

REASONS = {
    "move_overdue": gettext_lazy("迁移超期未接收"),
    "region_missing": gettext_lazy("所属网格已不存在"),
    "no_worker": gettext_lazy("所属网格无网格员（村/社区无工作人员）"),
}


def _reads_moves(actor: Actor) -> bool:
    return not (actor.position is None or actor.role in ADMIN_ROLES or actor.is_department)


def visible_moves(actor: Actor) -> QuerySet[PersonMove]:
    """Moves leaving or entering the actor's region (region positions only)."""
    if not _reads_moves(actor):
        return PersonMove.objects.none()
    prefix = actor.scope_code or ""
    return PersonMove.objects.filter(
        Q(from_region__startswith=prefix) | Q(to_region__startswith=prefix)
    )


def move_list(
    actor: Actor,
    *,
    status: str = "",
    direction: str = "",
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[PersonMove]:
    """Visible moves, newest first, optionally by status, direction ("in": entering the
    actor's region, "out": leaving it) and overdue (pending past the accept deadline)."""
    moves = visible_moves(actor)
    prefix = actor.scope_code or ""
    if status:
        moves = moves.filter(status=status)
    if direction == "in":
        moves = moves.filter(to_region__startswith=prefix)
    elif direction == "out":
        moves = moves.filter(from_region__startswith=prefix)
    if overdue:
        moves = moves.filter(status=MoveStatus.PENDING).filter(_overdue_q(now, "case__"))
    return moves.select_related("case", "person").order_by("-requested_at", "-id")


def _overdue_q(now: dt.datetime | None, prefix: str = "") -> Q:
    now = now or timezone.now()
    return Q(**{f"{prefix}is_overdue": True}) | Q(**{f"{prefix}due_at__lte": now})


def person_open_move(person: Person) -> PersonMove | None:
    """The person's pending move, if any (for other registry code, e.g. merging people,
    which must not remove a person while a hand-over is open)."""
    return (
        PersonMove.objects.select_related("case")
        .filter(person=person, status=MoveStatus.PENDING)
        .first()
    )


# --- 漏管 ---------------------------------------------------------------------------------
def _staffed(field: str):
    workers = Position.objects.filter(
        active=True,
        user__is_active=True,
        role__in=[Role.GRID_WORKER, Role.VILLAGE_STAFF],
    )
    here = workers.filter(region_id=OuterRef(field))
    # A micro-grid is looked after by its grid's worker too.
    grid = workers.filter(role=Role.GRID_WORKER, region_id=Substr(OuterRef(field), 1, 15))
    return Exists(here), Exists(grid)


def people_unmanaged(actor: Actor, *, now: dt.datetime | None = None) -> QuerySet[Person]:
    """People in the actor's scope flagged 漏管 (module docstring), annotated with the
    booleans `move_overdue`, `region_exists`, `worker_here`, `worker_grid`; ordered by
    region and name. Departments and administrators get none."""
    if not _reads_moves(actor):
        return Person.objects.none()
    overdue = PersonMove.objects.filter(person=OuterRef("pk"), status=MoveStatus.PENDING).filter(
        _overdue_q(now, "case__")
    )
    moved_out = PersonMove.objects.filter(person=OuterRef("pk"), status=MoveStatus.MOVED_OUT)
    active = Card.objects.filter(person=OuterRef("pk"), status=CardStatus.ACTIVE)
    here, grid = _staffed("region_code")
    people = visible_people(actor).annotate(
        move_overdue=Exists(overdue),
        region_exists=Exists(Region.objects.filter(code=OuterRef("region_code"))),
        worker_here=here,
        worker_grid=grid,
        moved_out=Exists(moved_out),
        has_active=Exists(active),
    )
    flagged = (
        Q(move_overdue=True)
        | Q(region_exists=False)
        | (Q(worker_here=False) & Q(worker_grid=False))
    )
    gone = Q(moved_out=True) & Q(has_active=False)
    return people.filter(flagged).exclude(gone).order_by("region_code", "name_pinyin", "id")


def unmanaged_reasons(person: Person) -> list[str]:
    """Reason codes of an annotated `people_unmanaged` row."""
    reasons = []
    if person.move_overdue:
        reasons.append("move_overdue")
    if not person.region_exists:
        reasons.append("region_missing")
    elif not (person.worker_here or person.worker_grid):
        reasons.append("no_worker")
    return reasons


def _person_reasons(person: Person, move: PersonMove | None, now: dt.datetime) -> list[str]:
    reasons = []
    case = move.case if move else None
    if case is not None and (case.is_overdue or (case.due_at is not None and case.due_at <= now)):
        reasons.append("move_overdue")
    code = person.region_code
    if not Region.objects.filter(code=code).exists():
        reasons.append("region_missing")
        return reasons
    staffed = staffed_units([code, code[:15]])
    if code not in staffed and code[:15] not in staffed:
        reasons.append("no_worker")
    return reasons


def person_move_flags(
    actor: Actor, person: Person, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Move and 漏管 fields for one person's detail (region positions; {} for departments):
    `move_pending`, `move` (the pending move or None), `moved_out`, `unmanaged`,
    `unmanaged_reasons` (codes, see REASONS)."""
    if not _reads_moves(actor):
        return {}
    now = now or timezone.now()
    move = person_open_move(person)
    moves = PersonMove.objects.filter(person=person)
    latest = moves.exclude(status=MoveStatus.PENDING).order_by("-decided_at", "-id").first()
    moved_out = latest is not None and latest.status == MoveStatus.MOVED_OUT
    has_active = Card.objects.filter(person=person, status=CardStatus.ACTIVE).exists()
    reasons = [] if moved_out and not has_active else _person_reasons(person, move, now)
    return {
        "move_pending": move is not None,
        "move": move_data(move, unit_names([move.from_region, move.to_region])) if move else None,
        "moved_out": moved_out,
        "unmanaged": bool(reasons),
        "unmanaged_reasons": reasons,
    }


# --- presentation -------------------------------------------------------------------------
def move_data(move: PersonMove, names: dict[str, str], now: dt.datetime | None = None) -> dict:
    """One move as plain data (no personal fields beyond the person's id)."""
    case = move.case
    now = now or timezone.now()
    overdue = (
        move.status == MoveStatus.PENDING
        and case is not None
        and (case.is_overdue or (case.due_at is not None and case.due_at <= now))
    )
    return {
        "id": move.pk,
        "number": case.number if case else None,
        "status": move.status,
        "status_label": str(MoveStatus(move.status).label),
        "person_id": move.person_id,
        "from_region": move.from_region,
        "from_region_name": names.get(move.from_region, move.from_region),
        "to_region": move.to_region,
        "to_region_name": names.get(move.to_region, move.to_region),
        "receiver": move.receiver_code,
        "receiver_name": names.get(move.receiver_code, move.receiver_code),
        "to_address": move.to_address,
        "to_house_id": move.to_house_id,
        "reason": move.reason,
        "moved_on": move.moved_on.isoformat(),
        "requested_unit": move.requested_unit,
        "requested_at": move.requested_at.isoformat(),
        "due_at": case.due_at.isoformat() if case and case.due_at else None,
        "overdue": overdue,
        "decided_unit": move.decided_unit,
        "decided_at": move.decided_at.isoformat() if move.decided_at else None,
        "decision_note": move.decision_note,
        "cards_moved": move.cards_moved,
    }


def move_names(moves: list[PersonMove]) -> dict[str, str]:
    """Unit names for a page of moves (one or two queries)."""
    codes = set()
    for move in moves:
        codes |= {move.from_region, move.to_region, move.receiver_code}
    return unit_names(codes)


def move_person_brief(person: Person) -> dict:
    """What the case detail shows of the moved person to everyone who sees the case (the
    receiver included): name, sex, birth year, masked ID number, kinds of active cards."""
    kinds = (
        Card.objects.filter(person=person, status=CardStatus.ACTIVE)
        .order_by("kind")
        .values_list("kind", flat=True)
    )
    return {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "birth_year": person.birth_date.year if person.birth_date else None,
        "id_number": mask_id_number(person.id_number),
        "card_kinds": [{"kind": k, "kind_label": str(CardKind(k).label)} for k in kinds],
    }


def move_case_detail(case: Case) -> dict:
    """The typed detail of a `person_move` case (`CaseType.detail`)."""
    move = PersonMove.objects.select_related("case", "person").filter(case=case).first()
    if move is None:
        return {}
    names = unit_names([move.from_region, move.to_region, move.receiver_code])
    data = move_data(move, names)
    data["person"] = move_person_brief(move.person)
    return data
