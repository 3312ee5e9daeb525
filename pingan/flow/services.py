"""Writes to cases: opening a case and taking an action on it.

`case_act` is the only way a case changes after it is opened. In one transaction it locks
the case row (SELECT … FOR UPDATE), checks the version the actor saw, checks that the action
is available to this actor in the current state, applies it, appends the immutable history
row, moves the clock and writes the audit record. Two people acting at once: the second
waits for the lock, then sees a newer version and gets `CaseConflict`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.flow import clocks, hooks
from pingan.flow.actions import handler_for
from pingan.flow.catalogue import cached_limit_for
from pingan.flow.context import DEFAULT_LIMITS, Ctx, start_clock
from pingan.flow.errors import ActionInvalid, ActionNotAllowed, CaseConflict
from pingan.flow.models import Case, CaseAction, CaseActionKey, Supervision, Urgency
from pingan.flow.numbering import next_case_number
from pingan.flow.rules import satisfies
from pingan.flow.types import get_case_type
from pingan.flow.units import actor_unit, acts_for, unit_kind

NON_RESPONSE_ACTIONS = frozenset({"supervise", "instruct", "mark_urgent"})
# Same rule as the event report's key (`events.services.KEY_PATTERN`).
ACTION_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# What a citizen may do on their own case through a public channel (`case_act_public`).
PUBLIC_ACTIONS = ("callback", "reopen")
PUBLIC_ROLE = "citizen"


def available_actions(actor: Actor, case: Case) -> list[str]:
    """Action codes this actor may take on `case` now, in the case type's declared order."""
    if actor.position is None or actor.is_read_only:
        return []
    case_type = get_case_type(case.case_type)
    allowed = []
    for code, spec in case_type.actions.items():
        if case.state not in spec.from_states or not satisfies(actor, case, spec.who):
            continue
        ctx = Ctx(actor, case, case_type, spec, timezone.now(), {}, "", 0)
        if handler_for(case_type, code).guard(ctx):
            allowed.append(code)
    return allowed


def case_open(
    *,
    actor: Actor,
    case_type: str,
    region_code: str,
    holder_code: str,
    title: str,
    category_code: str = "",
    urgency: str = Urgency.LOW,
    origin_code: str = "",
    note: str = "",
    payload: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
    category_chain: list[str] | None = None,
) -> Case:
    """Create a case in its initial state with its number, `report` history row and clock.

    Called by a module's own report service inside its transaction; that service checks
    permission, writes its detail row and the audit record (this function does not audit,
    so one report is one audit record). `category_chain` (the category and its ancestors,
    finest first) saves the case type's own lookup when the caller already knows it.
    """
    ctype = get_case_type(case_type)
    now = now or timezone.now()
    case = Case(
        number=next_case_number(ctype.prefix, region_code[:6], now),
        case_type=case_type,
        state=ctype.initial_state,
        title=title[:200],
        category_code=category_code,
        urgency=urgency,
        region_code=region_code,
        holder_kind=unit_kind(holder_code),
        holder_code=holder_code,
        origin_code=origin_code,
        reporter=actor.user,
        created_at=now,
        updated_at=now,
    )
    # As `context.start_clock`, but from the per-process catalogue cache (hot path).
    chain = ctype.category_chain(case) if category_chain is None else category_chain
    limit = cached_limit_for(case_type, chain, urgency, "accept")
    amount, unit = limit or DEFAULT_LIMITS["accept"]
    clocks.clock_start(case, kind="accept", start=now, amount=Decimal(amount), unit=unit)
    case.save(force_insert=True)
    CaseAction.objects.create(
        case=case,
        seq=1,
        action="report",
        actor=actor.user,
        position=actor.position,
        unit_code=actor_unit(actor),
        role=actor.role or "",
        from_state="",
        to_state=case.state,
        from_holder="",
        to_holder=holder_code,
        note=note,
        payload=payload or {},
        created_at=now,
    )
    transaction.on_commit(lambda: hooks.step_committed(case.pk, 1))
    return case


def case_act(
    *,
    actor: Actor,
    case: Case,
    action: str,
    note: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
    **params: Any,
) -> Case:
    """Take `action` on `case` as `actor`; returns the updated case.

    Permission: the action must be available to the actor in the case's current state
    (`available_actions`): usually the actor works in the holding unit; supervise, instruct
    and mark_urgent need a higher-level centre; read-only roles get `PermissionDenied`
    (audited by `require_write`). A refused action raises `ActionNotAllowed` and is audited
    with outcome "denied" ("conflict" for a stale version).
    `case` is the instance the actor saw: if its `version` is stale the action fails with
    `CaseConflict`. Invalid parameters raise `ActionInvalid` (field → messages) and nothing
    is written. Side effects: one `CaseAction` row, clock changes, 协办/督办 rows, one audit
    record, all in one transaction.
    """
    require_write(actor)
    return _act_audited(actor, case, action, note, ip, now, params, key="")


def case_act_keyed(
    *,
    actor: Actor,
    case: Case,
    action: str,
    idempotency_key: str,
    note: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
    **params: Any,
) -> tuple[Case, bool]:
    """`case_act` that may safely be sent twice; returns (case, replayed).

    For clients that queue actions offline and resend when a response was lost. Permission,
    checks and side effects as `case_act`, plus one `CaseActionKey` (user, key → case, seq,
    action) written in the same transaction as the history row. When this user has already
    used the key for the same case and action, nothing is written and the case as it is now
    comes back with replayed=True (no version check: the resend carries the old version).
    The same key on another case or another action, or a key that is not 1–64 letters,
    digits or ``_.:-``, raises `ActionInvalid` on ``idempotency_key``.
    """
    require_write(actor)
    key = (idempotency_key or "").strip()
    if not ACTION_KEY_PATTERN.match(key):
        raise ActionInvalid({"idempotency_key": [_("幂等键应为 1–64 位字母、数字或 _.:- 。")]})
    replay = _replay(actor, case, action, key)
    if replay is not None:
        return replay, True
    try:
        return _act_audited(actor, case, action, note, ip, now, params, key=key), False
    except (ActionNotAllowed, IntegrityError):
        # A resend that raced the first request waits for its lock, then finds a newer
        # version (or, without a version check, the unique key): it is a replay after all.
        replay = _replay(actor, case, action, key)
        if replay is None:
            raise
        return replay, True


def _replay(actor: Actor, case: Case, action: str, key: str) -> Case | None:
    used = CaseActionKey.objects.filter(user=actor.user, key=key).first()
    if used is None:
        return None
    if used.case_id != case.pk or used.action != action:
        raise ActionInvalid(
            {"idempotency_key": [_("该幂等键已用于其他案件或操作，请换一个新的键。")]}
        )
    return Case.objects.get(pk=case.pk)


def _act_audited(actor, case, action, note, ip, now, params, *, key: str) -> Case:
    try:
        return _act(actor, case, action, (note or "").strip(), ip or actor.ip, now, params, key=key)
    except ActionNotAllowed as exc:
        # Audited outside the rolled-back transaction so the denial is kept.
        audit_log(
            actor=actor,
            action=f"case.{action}"[:64],
            object_type="flow.case",
            object_id=case.number,
            region_code=case.region_code,
            ip=ip or actor.ip,
            outcome="conflict" if isinstance(exc, CaseConflict) else "denied",
            detail={"state": case.state, "allowed": exc.allowed_actions},
        )
        raise


def case_act_public(
    *,
    case: Case,
    action: str,
    channel: str,
    note: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
    **params: Any,
) -> Case:
    """A citizen's own step on the case they reported, through a public channel (the
    portal, an SMS survey link, the hotline callback): `callback` (rating) or `reopen`.

    Permission is the caller's: it has proven the citizen owns the case (query code or
    one-time code). The action must be one of PUBLIC_ACTIONS and open in the case's current
    state, else `ActionNotAllowed`. The history row has no user and role "citizen", with the
    channel in its payload; the audit record names `public:<channel>`. Version-checked like
    `case_act`.
    """
    return _act(None, case, action, (note or "").strip(), ip, now, params, channel=channel)


def public_actions(case: Case) -> list[str]:
    """The PUBLIC_ACTIONS open on `case` now."""
    case_type = get_case_type(case.case_type)
    allowed = []
    for code in PUBLIC_ACTIONS:
        spec = case_type.actions.get(code)
        if spec is None or case.state not in spec.from_states:
            continue
        ctx = Ctx(None, case, case_type, spec, timezone.now(), {}, "", 0)
        if handler_for(case_type, code).guard(ctx):
            allowed.append(code)
    return allowed


def _act(
    actor: Actor | None,
    case: Case,
    action: str,
    note: str,
    ip: str | None,
    now: dt.datetime | None,
    params: dict[str, Any],
    channel: str = "",
    key: str = "",
) -> Case:
    case_type = get_case_type(case.case_type)
    spec = case_type.actions.get(action)

    def allowed_now(current: Case) -> list[str]:
        return public_actions(current) if actor is None else available_actions(actor, current)

    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.version != case.version:
            raise CaseConflict(allowed_now(locked), locked.state)
        allowed = allowed_now(locked)
        if spec is None or action not in allowed:
            raise ActionNotAllowed(
                _("当前状态（%(state)s）下不能执行该操作。")
                % {"state": case_type.state_label(locked.state)},
                allowed,
            )
        if spec.note_required and not note:
            raise ActionInvalid({"note": [_("请填写意见或原因。")]})
        if len(note) > 2000:
            raise ActionInvalid({"note": [_("意见不能超过 2000 字。")]})
        now = now or timezone.now()
        seq = locked.actions.count() + 1
        ctx = Ctx(actor, locked, case_type, spec, now, params, note, seq)
        responding = (
            actor is not None
            and acts_for(actor, locked.holder_code)
            and action not in NON_RESPONSE_ACTIONS
        )
        from_state, from_holder = locked.state, locked.holder_code
        outcome = handler_for(case_type, action).apply(ctx)
        _apply_outcome(ctx, outcome)
        if channel:
            outcome.payload = {**outcome.payload, "channel": channel}
        history = CaseAction.objects.create(
            case=locked,
            seq=seq,
            action=action,
            actor=actor.user if actor else None,
            position=actor.position if actor else None,
            unit_code=actor_unit(actor) if actor else "",
            role=(actor.role or "") if actor else PUBLIC_ROLE,
            from_state=from_state,
            to_state=locked.state,
            from_holder=from_holder,
            to_holder=locked.holder_code,
            note=note,
            payload=outcome.payload,
            created_at=now,
        )
        if key:
            CaseActionKey.objects.create(
                user=actor.user, key=key, case=locked, seq=seq, action=action, created_at=now
            )
        for step in outcome.after:
            step()
        case_pk = locked.pk
        transaction.on_commit(lambda: hooks.step_committed(case_pk, seq))
        if responding:
            Supervision.objects.filter(
                case=locked, target_code=from_holder, responded_at__isnull=True
            ).update(responded_at=now, response_seq=seq)
        audit_log(
            actor=actor,
            username="" if actor else f"public:{channel}",
            action=f"case.{action}",
            object_type="flow.case",
            object_id=locked.number,
            region_code=locked.region_code,
            ip=ip,
            detail={
                "seq": history.seq,
                "from_state": from_state,
                "to_state": locked.state,
                "from_holder": from_holder,
                "to_holder": locked.holder_code,
                **outcome.payload,
            },
        )
    return locked


def _apply_outcome(ctx: Ctx, outcome) -> None:
    case, spec = ctx.case, ctx.spec
    to_state = outcome.to_state or spec.to_state
    if to_state:
        case.state = to_state
    if outcome.to_holder and outcome.to_holder != case.holder_code:
        case.holder_code = outcome.to_holder
        case.holder_kind = unit_kind(outcome.to_holder)
    effect = outcome.clock or spec.clock
    if effect in ("accept", "handle", "verify"):
        start_clock(ctx.case_type, case, case, effect, ctx.now)
    elif effect == "stop":
        clocks.clock_stop(case)
    elif effect == "pause":
        clocks.clock_pause(case, now=ctx.now)
    elif effect == "resume":
        clocks.clock_resume(case, now=ctx.now)
    case.version += 1
    case.updated_at = ctx.now
    case.save()
