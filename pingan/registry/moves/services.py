"""Moving a person to another grid, village or county (人员迁移交接).

`person_move_request` opens the hand-over: a `person_move` case (QY…) held by the receiving
unit, plus its `PersonMove` row. Until the receiver accepts, nothing about the person
changes: the sender keeps the person, the cards and the visits due. The receiver then acts
through the case engine (`case_act`: accept, return, transfer; the sender may withdraw);
the case type's handlers (`casetype.py`) call the `move_*` functions below inside the
engine's transaction, so the case step and the registry change commit or fail together.

A move to a place outside the installation (迁出本系统) has no receiving unit: it is
recorded at once, without a case, and closes the person's active cards with the reason.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.flow.services import case_open
from pingan.flow.units import actor_unit
from pingan.regions.models import LEVEL_BY_CODE_LENGTH, Region
from pingan.registry.models import Card, CardStatus, House, MoveStatus, Person, PersonMove
from pingan.registry.moves.receivers import receiving_unit
from pingan.registry.selectors import visible_houses
from pingan.registry.services.cards import card_close
from pingan.registry.services.common import (
    PERSON_LEVELS,
    ConflictError,
    require_in_scope,
    require_registry_write,
)

CASE_TYPE = "person_move"
OBJECT_TYPE = "registry.person"


class MoveOpenError(ConflictError):
    """The person already has a move waiting for acceptance (HTTP 409)."""

    def __init__(self, number: str):
        super().__init__(
            _("该人员已有待接收的迁移（%(number)s），请等接收方办理或撤回后再发起。")
            % {"number": number or "-"}
        )
        self.number = number


# --- validation ---------------------------------------------------------------------------
def _text(value: Any, field: str, limit: int, errors: dict, required: str = "") -> str:
    text = " ".join(str(value or "").split())
    if not text and required:
        errors[field] = [required]
    elif len(text) > limit:
        errors[field] = [_("不能超过 %(n)d 个字。") % {"n": limit}]
    return text


def _moved_on(value: Any, today: date, errors: dict) -> date:
    if value in (None, ""):
        return today
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            errors["moved_on"] = [_("日期格式应为 YYYY-MM-DD。")]
            return today
    if day > today:
        errors["moved_on"] = [_("迁移日期不能晚于今天。")]
    return day


def installed(code: str) -> bool:
    """True when `code` lies in a county this installation holds."""
    return len(code) >= 6 and Region.objects.filter(code=code[:6]).exists()


def _code_format(code: str, errors: dict) -> bool:
    if not code.isdigit() or len(code) not in LEVEL_BY_CODE_LENGTH:
        errors["to_region"] = [_("区划/网格编码应为 2、4、6、9、12、15 或 18 位数字。")]
        return False
    return True


def _internal_target(person: Person, code: str, errors: dict) -> Region | None:
    if not code:
        errors["to_region"] = [_("请选择迁入的村（社区）或网格。")]
        return None
    if not _code_format(code, errors):
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        if installed(code):
            errors["to_region"] = [_("区划/网格编码“%(code)s”不存在。") % {"code": code}]
        else:
            errors["to_region"] = [
                _(
                    "“%(code)s”不在本系统辖区内；迁往系统外请选择“迁出本系统”"
                    "（move_out）并填写迁往地址。"
                )
                % {"code": code}
            ]
        return None
    if region.level not in PERSON_LEVELS:
        errors["to_region"] = [_("请选择到村（社区）或网格一级。")]
        return None
    if code == person.region_code:
        errors["to_region"] = [_("迁入网格与现所属网格相同。")]
        return None
    return region


def _external_target(code: str, errors: dict) -> None:
    if code and _code_format(code, errors) and installed(code):
        errors["to_region"] = [_("该区划在本系统辖区内，请按系统内迁移办理（不选“迁出本系统”）。")]


def _house(actor: Actor, house_id: Any, code: str, errors: dict) -> House | None:
    if house_id in (None, ""):
        return None
    house = visible_houses(actor).filter(pk=house_id).first() if str(house_id).isdigit() else None
    if house is None:
        errors["to_house_id"] = [_("房屋不存在或不在您的管辖范围内。")]
    elif code and house.region_code != code:
        errors["to_house_id"] = [_("所选房屋不在迁入网格内。")]
    return house


# --- opening a move -----------------------------------------------------------------------
def person_move_request(
    *,
    actor: Actor,
    person: Person,
    to_region: str = "",
    reason: str = "",
    moved_on: date | str | None = None,
    to_address: str = "",
    to_house_id: int | None = None,
    move_out: bool = False,
    now: dt.datetime | None = None,
) -> PersonMove:
    """Hand a person over to another grid, village or county, or record a move out.

    Permission: region positions with a writing role (`require_registry_write`: leaders,
    departments and the three administrators are refused, audited); the person must be in
    the actor's region (callers fetch it with `access_person`). The target may lie anywhere
    in the installation (another town or county too) at village, grid or micro-grid level;
    an address or a house there (one the actor can see) is required.

    Internal move: opens a `person_move` case held by the receiving unit
    (`receivers.receiving_unit`) with the accept clock from the matter catalogue, and a
    pending `PersonMove`. The person's grid, house and cards do not change until the
    receiver accepts. One pending move per person: a second raises `MoveOpenError` (409).

    `move_out=True` (迁出本系统): the target code, if given, must lie outside every county of
    the installation and the destination address is required. The person's active cards are
    closed (`card_close`, reason "迁出本系统：…"), a `moved_out` PersonMove is written, no case.

    Field errors are raised together as `ValidationError`; nothing is written then.
    Audited as ``registry.person.move_request`` or ``registry.person.move_out``.
    """
    require_registry_write(actor)
    require_in_scope(actor, person, OBJECT_TYPE)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    code = str(to_region or "").strip()
    clean_reason = _text(reason, "reason", 200, errors, required=_("请填写迁移原因。"))
    address_required = _("请填写迁往地址。") if move_out else ""
    address = _text(to_address, "to_address", 200, errors, required=address_required)
    day = _moved_on(moved_on, timezone.localdate(now), errors)
    house = None
    if move_out:
        _external_target(code, errors)
        if to_house_id not in (None, ""):
            errors["to_house_id"] = [_("迁出本系统不能选择房屋。")]
    else:
        region = _internal_target(person, code, errors)
        house = _house(actor, to_house_id, region.code if region else "", errors)
        if not address and to_house_id in (None, "") and "to_address" not in errors:
            errors["to_address"] = [_("请填写迁入地址或选择迁入房屋。")]
    if errors:
        raise ValidationError(errors)
    fields = {
        "to_region": code,
        "to_address": address,
        "to_house": house,
        "reason": clean_reason,
        "moved_on": day,
    }
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            pending = _pending(locked)
            if pending is not None:
                raise MoveOpenError(pending.case.number if pending.case else "")
            if move_out:
                return _move_out(actor, locked, fields, now)
            return _open(actor, locked, fields, now)
    except IntegrityError as exc:  # a concurrent request for the same person won
        pending = _pending(person)
        if pending is None:
            raise
        raise MoveOpenError(pending.case.number if pending.case else "") from exc


def _pending(person: Person) -> PersonMove | None:
    return (
        PersonMove.objects.select_related("case")
        .filter(person=person, status=MoveStatus.PENDING)
        .first()
    )


def _open(actor: Actor, person: Person, fields: dict, now: dt.datetime) -> PersonMove:
    receiver = receiving_unit(fields["to_region"])
    unit = actor_unit(actor)
    case = case_open(
        actor=actor,
        case_type=CASE_TYPE,
        region_code=person.region_code,
        holder_code=receiver,
        title=_("人员迁移：%(name)s") % {"name": person.name},
        origin_code=unit,
        note=fields["reason"],
        payload={"person": person.pk, "from": person.region_code, "to": fields["to_region"]},
        now=now,
    )
    move = PersonMove.objects.create(
        case=case,
        person=person,
        status=MoveStatus.PENDING,
        from_region=person.region_code,
        receiver_code=receiver,
        requested_by=actor.user,
        requested_unit=unit,
        requested_at=now,
        **fields,
    )
    audit_log(
        actor=actor,
        action="registry.person.move_request",
        object_type=OBJECT_TYPE,
        object_id=str(person.pk),
        region_code=person.region_code,
        ip=actor.ip,
        detail={
            "number": case.number,
            "from": person.region_code,
            "to": fields["to_region"],
            "receiver": receiver,
        },
    )
    return move


def _move_out(actor: Actor, person: Person, fields: dict, now: dt.datetime) -> PersonMove:
    reason = (_("迁出本系统：%(place)s") % {"place": fields["to_address"]})[:200]
    cards = list(Card.objects.filter(person=person, status=CardStatus.ACTIVE).order_by("id"))
    for card in cards:
        card_close(actor=actor, card=card, reason=reason)
    unit = actor_unit(actor)
    move = PersonMove.objects.create(
        case=None,
        person=person,
        status=MoveStatus.MOVED_OUT,
        from_region=person.region_code,
        requested_by=actor.user,
        requested_unit=unit,
        requested_at=now,
        decided_by=actor.user,
        decided_unit=unit,
        decided_at=now,
        cards_moved=len(cards),
        **fields,
    )
    audit_log(
        actor=actor,
        action="registry.person.move_out",
        object_type=OBJECT_TYPE,
        object_id=str(person.pk),
        region_code=person.region_code,
        ip=actor.ip,
        detail={"move": move.pk, "to": fields["to_region"], "cards_closed": len(cards)},
    )
    return move


# --- steps taken through the case engine (called inside `case_act`'s transaction) ---------
def locked_move(case) -> PersonMove:
    """The pending move of a `person_move` case, locked with its person."""
    move = PersonMove.objects.select_for_update().get(case=case)
    move.person = Person.objects.select_for_update().get(pk=move.person_id)
    return move


def move_accept(*, actor: Actor, move: PersonMove, now: dt.datetime) -> int:
    """The receiver accepted: the person, their house and address, and every card (active
    and closed, so the record stays whole in one scope) move to the target region.

    Active cards get the accepting user as responsible (责任人) when a grid worker of the
    new grid accepts, else none until the receiving unit assigns one; helpers, the visit
    schedule and past visits are kept. Returns the number of cards moved. Audited as
    ``registry.person.move``. Permission was checked by the engine (the holder accepts).
    """
    person = move.person
    target = move.to_region
    house = move.to_house
    previous = person.region_code
    person.region_code = target
    person.house = house
    person.address = move.to_address or (house.address if house else person.address)
    person.version += 1
    person.save()
    grid_worker = actor.has_role(Role.GRID_WORKER) and actor_unit(actor) == target[:15]
    responsible = actor.user if grid_worker else None
    cards = Card.objects.filter(person=person)
    moved = cards.update(region_code=target, version=F("version") + 1)
    cards.filter(status=CardStatus.ACTIVE).update(responsible=responsible)
    _decide(move, MoveStatus.ACCEPTED, actor, now, "")
    move.cards_moved = moved
    move.save()
    audit_log(
        actor=actor,
        action="registry.person.move",
        object_type=OBJECT_TYPE,
        object_id=str(person.pk),
        region_code=target,
        ip=actor.ip,
        detail={
            "number": move.case.number,
            "from": previous,
            "to": target,
            "cards": moved,
            "responsible": responsible.pk if responsible else None,
        },
    )
    return moved


def move_finish(
    *, actor: Actor, move: PersonMove, status: str, note: str, now: dt.datetime
) -> None:
    """Returned by the receiver or withdrawn by the sender: nothing about the person moves;
    the sender keeps them. The case step is the audit record."""
    _decide(move, status, actor, now, note)
    move.save()


def move_retarget(*, move: PersonMove, to_region: str, receiver: str) -> None:
    """Transferred by the receiver to a sibling grid/village: the new target receives. A
    house chosen in the old target no longer fits and is dropped; the address stays."""
    move.to_region = to_region
    move.receiver_code = receiver
    if move.to_house is not None and move.to_house.region_code != to_region:
        move.to_house = None
    move.save()


def _decide(move: PersonMove, status: str, actor: Actor, now: dt.datetime, note: str) -> None:
    move.status = status
    move.decided_by = actor.user
    move.decided_unit = actor_unit(actor)
    move.decided_at = now
    move.decision_note = note
