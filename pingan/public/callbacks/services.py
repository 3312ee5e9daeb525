"""Writes of the callback queue: recording a phone callback, the SMS survey link, and
revealing the reporter's number to call it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.core.phones import is_mobile
from pingan.core.reveal import reveal_field
from pingan.events.casetype import CLOSED
from pingan.flow.errors import ActionInvalid, ActionNotAllowed, CaseConflict
from pingan.flow.models import Case, Satisfaction
from pingan.flow.services import available_actions, case_act
from pingan.flow.units import actor_unit
from pingan.notify.models import Channel, Notification
from pingan.notify.services import notify_send
from pingan.public.callbacks.models import CallbackAttempt
from pingan.public.callbacks.selectors import (
    CALLBACK_ROLES,
    case_report,
    events_in_scope,
    failed_since_closure,
)
from pingan.public.portal.access import survey_url
from pingan.public.portal.selectors import open_public_actions

NOTE_MAX = 2000


def _require_callback_role(actor: Actor, what: str) -> None:
    require_write(actor)
    if actor.role in CALLBACK_ROLES:
        return
    audit_log(
        actor=actor,
        action="permission.denied",
        object_type="callbacks",
        object_id=what,
        ip=actor.ip,
        outcome="denied",
        detail={"role": actor.role or ""},
    )
    raise PermissionDenied(_("当前岗位不能办理回访。"))


def _refuse(actor: Actor, case: Case, exc: ActionNotAllowed, what: str) -> None:
    audit_log(
        actor=actor,
        action=what,
        object_type="flow.case",
        object_id=case.number,
        region_code=case.region_code,
        ip=actor.ip,
        outcome="conflict" if isinstance(exc, CaseConflict) else "denied",
        detail={"state": case.state, "allowed": exc.allowed_actions},
    )


def max_attempts() -> int:
    return settings.PINGAN_CALLBACK_MAX_ATTEMPTS


def callback_record(
    *,
    actor: Actor,
    case: Case,
    reached: bool,
    satisfaction: str = "",
    note: str = "",
    give_up: bool = False,
    now: dt.datetime | None = None,
) -> CallbackAttempt:
    """Record one phone callback of a closed event.

    Permission: a callback role (town/county operator or commander, village staff) whose
    unit may take the case's `callback` step now (the engine gives it to the command unit);
    `PermissionDenied` (audited) for other roles, `ActionNotAllowed` (audited; a stale
    `case.version` is a `CaseConflict`) when the step is not open. Reached: `satisfaction`
    (satisfied / basically_satisfied / unsatisfied) is required and becomes the case's
    `callback` step through `case_act` (不满意 reopens it when PINGAN_REOPEN_ON_UNSATISFIED).
    Not reached: no satisfaction; `give_up` (close the callback out as 无法联系) is allowed
    from the PINGAN_CALLBACK_MAX_ATTEMPTS-th failed attempt since closure on. Field errors
    raise `ActionInvalid` and nothing is saved. Side effects, one transaction: the
    `CallbackAttempt`, the case step (reached), one ``callback.attempt`` audit record.
    """
    _require_callback_role(actor, "record")
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if reached:
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = [_("请选择满意度。")]
        if give_up:
            errors["give_up"] = [_("已联系上的回访不能按无法联系结束。")]
    elif satisfaction:
        errors["satisfaction"] = [_("未联系上时不能填写满意度。")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("回访记录不能超过 2000 字。")]
    failed_before = failed_since_closure(case)
    if not reached and give_up and failed_before + 1 < max_attempts():
        errors["give_up"] = [
            _("未接通满 %(n)d 次后才能按无法联系结束回访。") % {"n": max_attempts()}
        ]
    if errors:
        raise ActionInvalid(errors)
    if "callback" not in available_actions(actor, case):
        exc = ActionNotAllowed(
            _("该案件当前不能由本岗位回访（已回访、已重新办理，或由其他单位负责回访）。"),
            available_actions(actor, case),
        )
        _refuse(actor, case, exc, "callback.attempt")
        raise exc
    now = now or timezone.now()
    try:
        with transaction.atomic():
            if reached:
                case = case_act(
                    actor=actor,
                    case=case,
                    action="callback",
                    note=note,
                    ip=actor.ip,
                    now=now,
                    satisfaction=satisfaction,
                )
            else:
                locked = Case.objects.select_for_update().get(pk=case.pk)
                if locked.version != case.version or locked.state != CLOSED:
                    raise CaseConflict(available_actions(actor, locked), locked.state)
            attempt = CallbackAttempt.objects.create(
                case=case,
                actor=actor.user,
                position=actor.position,
                unit_code=actor_unit(actor),
                reached=reached,
                satisfaction=satisfaction if reached else "",
                gave_up=give_up and not reached,
                note=note,
                at=now,
            )
            audit_log(
                actor=actor,
                action="callback.attempt",
                object_type="flow.case",
                object_id=case.number,
                region_code=case.region_code,
                ip=actor.ip,
                detail={
                    "reached": reached,
                    "satisfaction": attempt.satisfaction,
                    "gave_up": attempt.gave_up,
                    "failed_attempts": failed_before + (0 if reached else 1),
                    "reopened": bool(reached and case.state != "archived"),
                },
            )
    except ActionNotAllowed as exc:
        # The engine's own denial record was rolled back with the transaction: keep one.
        _refuse(actor, case, exc, "callback.attempt")
        raise
    return attempt


def survey_key(case: Case) -> str:
    """Idempotency key of the survey SMS: one per case and closure (a case closed again
    after a reopen may be surveyed again)."""
    closed_seq = case.actions.filter(to_state=CLOSED).aggregate(seq=Max("seq"))["seq"] or 0
    return f"callback.survey:{case.number}:{closed_seq}"


def callback_survey_send(*, actor: Actor, case: Case) -> tuple[Notification, bool]:
    """Send the reporter the SMS with the signed rating link; returns (message, sent now).

    Permission: a callback role, the case in the actor's scope (the caller fetched it with
    `access_callback_case`). The case must still await the citizen's verdict (closed, inside
    the rating window of PINGAN_PUBLIC_REOPEN_DAYS) and have a mobile number: otherwise
    `ActionInvalid` on ``survey``. Idempotent per case and closure (`survey_key`): a second
    call returns the first message with sent=False and writes nothing. Side effects: the
    notification row (delivered after commit), one ``callback.survey_sms`` audit record.
    The citizen's rating goes through `case_act_public` and takes the case off the queue.
    """
    _require_callback_role(actor, "survey")
    if not events_in_scope(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("该案件不在本岗位辖区内。"))
    key = survey_key(case)
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    report = case_report(case)
    if case.state != CLOSED or "callback" not in open_public_actions(case):
        raise ActionInvalid({"survey": [_("该案件已不在群众评价期内，请电话回访。")]})
    if report is None or not is_mobile(report.phone):
        raise ActionInvalid({"survey": [_("该案件没有可接收短信的手机号码，请电话回访。")]})
    with transaction.atomic():
        message = notify_send(
            topic="public.survey",
            key=key,
            channel=Channel.SMS,
            phone=report.phone,
            context={"number": case.number, "url": survey_url(case.number)},
            case_number=case.number,
            region_code=case.region_code,
        )
        audit_log(
            actor=actor,
            action="callback.survey_sms",
            object_type="flow.case",
            object_id=case.number,
            region_code=case.region_code,
            ip=actor.ip,
            detail={"key": key, "notification": message.pk},
        )
    return message, True


def callback_phone_reveal(*, actor: Actor, case: Case) -> str:
    """The reporter's full phone number, to call them back; audited (``sensitive.reveal``
    on the public report, reason 电话回访) whether allowed or not.

    Permission: a callback role and the case inside the actor's region scope; read-only
    and admin roles are refused by `core.reveal`. "" when the case has no public report.
    """
    _require_callback_role(actor, "reveal")
    report = case_report(case)
    if report is None:
        return ""
    # `reveal_field` files the audit record under the object's region: the case's.
    report.region_code = case.region_code
    return reveal_field(
        actor=actor,
        obj=report,
        field="phone",
        reason=_("电话回访"),
        scope_check=lambda a, r: events_in_scope(a).filter(pk=r.case_id).exists(),
    )
