"""The shared action library: what each action code does to a case.

Each handler has `guard(ctx)` (extra conditions beyond state and actor, e.g. "a previous
holder exists") and `apply(ctx)`, which validates parameters (raising `ActionInvalid` before
any write), may change fields of the locked case, and returns an `Outcome` (new state, new
holder, clock effect, history payload). `services.case_act` runs them inside its transaction.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from pingan.flow import clocks, params
from pingan.flow.context import (
    Ctx,
    Outcome,
    add_assists,
    check_assist_units,
    check_region_target,
    last_feedback_unit,
    open_assists,
    previous_holder,
    set_command_on_accept,
    verifier_unit,
)
from pingan.flow.models import (
    SUPERVISION_RANK,
    Case,
    HolderKind,
    Satisfaction,
    Supervision,
    SupervisionLevel,
)
from pingan.flow.units import (
    actor_unit,
    acts_for,
    is_above,
    parent_command_unit,
    unit_region,
)
from pingan.regions.models import Department, Region

DEFAULT_SUPERVISION_POINTS = {"normal": 0, "yellow": 5, "red": 10}
DEFAULT_SUPERVISION_RESPONSE_HOURS = {"normal": 48, "yellow": 24, "red": 8}


# --- handlers -----------------------------------------------------------------------------
class Handler:
    def guard(self, ctx: Ctx) -> bool:
        return True

    def apply(self, ctx: Ctx) -> Outcome:
        return Outcome()


class Accept(Handler):
    def apply(self, ctx):
        ctx.case.is_returned = False
        set_command_on_accept(ctx.case)
        return Outcome()


class HandleLocally(Handler):
    def apply(self, ctx):
        case = ctx.case
        case.command_code = case.command_code or case.holder_code
        case.closed_at = ctx.now
        for assist in open_assists(case):
            clocks.clock_stop(assist)
            assist.save()
        return Outcome(payload={"result": ctx.note})


class Escalate(Handler):
    def guard(self, ctx):
        parent = parent_command_unit(ctx.case.holder_code)
        return bool(parent) and Region.objects.filter(code=parent).exists()

    def apply(self, ctx):
        return Outcome(to_holder=parent_command_unit(ctx.case.holder_code))


class Assign(Handler):
    def apply(self, ctx):
        code = params.unit_code(ctx.params, "unit")
        check_region_target(code, "unit")
        if not is_above(ctx.case.holder_code, code):
            raise params.fail("unit", _("只能交办给本单位下级的区划或网格。"))
        return Outcome(to_holder=code, payload={"unit": code})


class Dispatch(Handler):
    def apply(self, ctx):
        code = params.unit_code(ctx.params, "department")
        department = Department.objects.filter(code=code, active=True).first()
        if department is None:
            raise params.fail("department", _("部门 %(code)s 不存在或已停用。") % {"code": code})
        if not department.region_id.startswith(ctx.case.holder_code):
            raise params.fail("department", _("只能派遣给本级或下级辖区内的职能部门。"))
        assists = params.unit_codes(ctx.params, "assist")
        if code in assists:
            raise params.fail("assist", _("主办部门不能同时作为协办单位。"))
        # Assists are checked against the command unit, i.e. after this dispatch.
        check_assist_units(ctx, assists, "assist")
        out = Outcome(to_holder=code, payload={"department": code, "assist": assists})
        if assists:
            out.after.append(add_assists(ctx, assists))
        return out


class Transfer(Handler):
    def apply(self, ctx):
        case = ctx.case
        code = params.unit_code(ctx.params, "unit")
        if code == case.holder_code:
            raise params.fail("unit", _("不能转办给本单位。"))
        if case.holder_kind == HolderKind.REGION:
            check_region_target(code, "unit")
            if len(code) != len(case.holder_code) or code[:-3] != case.holder_code[:-3]:
                raise params.fail("unit", _("只能转办给同一上级下的同级单位。"))
        else:
            target = Department.objects.filter(code=code, active=True).first()
            if target is None or target.region_id != unit_region(case.holder_code):
                raise params.fail("unit", _("只能转办给同级的其他职能部门。"))
        return Outcome(to_holder=code, payload={"unit": code})


class AddAssist(Handler):
    def apply(self, ctx):
        codes = params.unit_codes(ctx.params, "units")
        if not codes:
            raise params.fail("units", _("请选择协办单位。"))
        check_assist_units(ctx, codes, "units")
        return Outcome(payload={"units": codes}, after=[add_assists(ctx, codes)])


class Return(Handler):
    def guard(self, ctx):
        return bool(previous_holder(ctx.case))

    def apply(self, ctx):
        case = ctx.case
        target = previous_holder(case)
        downwards = case.holder_kind == HolderKind.REGION and is_above(case.holder_code, target)
        if downwards:
            # An order to the lower unit: it must handle the case itself.
            return Outcome(
                to_state="handling",
                to_holder=target,
                clock="handle",
                payload={"direction": "down", "unit": target},
            )
        # Upwards (or back to the sender): waits for the upper unit, whose acceptance is the
        # approval; it may instead send the case back down with a reason.
        case.is_returned = True
        return Outcome(
            to_state="pending_accept",
            to_holder=target,
            clock="accept",
            payload={"direction": "up", "unit": target, "needs_approval": True},
        )


class RequestExtension(Handler):
    def guard(self, ctx):
        case = ctx.case
        return not case.pending_extension and case.due_at is not None and not case.clock_paused_at

    def apply(self, ctx):
        case = ctx.case
        due = params.aware_datetime(ctx.params, "due_at")
        if due <= case.due_at or due <= ctx.now:
            raise params.fail("due_at", _("申请的期限必须晚于当前期限。"))
        if due - case.due_at > dt.timedelta(days=180):
            raise params.fail("due_at", _("一次延期不能超过 180 天。"))
        holder = case.holder_code
        approver = case.command_code if case.command_code and case.command_code != holder else ""
        approver = approver or parent_command_unit(holder) or holder
        case.pending_extension = {
            "due_at": due.isoformat(),
            "requested_by": holder,
            "user_id": ctx.actor.user.pk,
            "reason": ctx.note,
            "seq": ctx.seq,
        }
        case.pending_approver_code = approver
        return Outcome(payload={"due_at": due.isoformat(), "approver": approver})


class ApproveExtension(Handler):
    def guard(self, ctx):
        return bool(ctx.case.pending_extension)

    def apply(self, ctx):
        case = ctx.case
        due = dt.datetime.fromisoformat(case.pending_extension["due_at"])
        previous = case.due_at
        clocks.clock_extend(case, now=ctx.now, due_at=due)
        case.pending_extension, case.pending_approver_code = None, ""
        return Outcome(payload={"due_at": due.isoformat(), "previous_due_at": previous.isoformat()})


class DenyExtension(Handler):
    def guard(self, ctx):
        return bool(ctx.case.pending_extension)

    def apply(self, ctx):
        case = ctx.case
        requested = case.pending_extension["due_at"]
        case.pending_extension, case.pending_approver_code = None, ""
        return Outcome(payload={"due_at": requested})


class Suspend(Handler):
    def guard(self, ctx):
        return not ctx.case.pending_extension

    def apply(self, ctx):
        case = ctx.case
        case.suspended_from_state = case.state
        for assist in open_assists(case):
            clocks.clock_pause(assist, now=ctx.now)
            assist.save()
        return Outcome()


class Resume(Handler):
    def apply(self, ctx):
        case = ctx.case
        to_state = case.suspended_from_state or "handling"
        case.suspended_from_state = ""
        for assist in open_assists(case):
            clocks.clock_resume(assist, now=ctx.now)
            assist.save()
        return Outcome(to_state=to_state)


class Feedback(Handler):
    def guard(self, ctx):
        if acts_for(ctx.actor, ctx.case.holder_code):
            return ctx.case.state == "handling" and not ctx.case.pending_extension
        return True  # a 协办 unit (the rule checked it has an open assist)

    def apply(self, ctx):
        case = ctx.case
        if not acts_for(ctx.actor, case.holder_code):
            unit = actor_unit(ctx.actor)
            assist = open_assists(case).get(unit_code=unit)
            assist.done_at, assist.note = ctx.now, ctx.note
            clocks.clock_stop(assist)
            assist.save()
            return Outcome(to_state=case.state, clock="keep", payload={"assist": unit})
        verifier = verifier_unit(case, case.holder_code)
        return Outcome(to_holder=verifier, payload={"result": ctx.note, "verifier": verifier})


class VerifyPass(Handler):
    def apply(self, ctx):
        case = ctx.case
        return Outcome(to_holder=case.command_code or last_feedback_unit(case))


class VerifyFail(Handler):
    def apply(self, ctx):
        case = ctx.case
        case.rework_count += 1
        return Outcome(to_holder=last_feedback_unit(case), payload={"rework": case.rework_count})


class Close(Handler):
    def apply(self, ctx):
        case = ctx.case
        case.closed_at = ctx.now
        for assist in open_assists(case):
            clocks.clock_stop(assist)
            assist.save()
        return Outcome()


def _reopen(case: Case, now: dt.datetime) -> Outcome:
    case.reopen_count += 1
    case.closed_at = None
    return Outcome(to_state="handling", to_holder=case.command_code, clock="handle")


class Callback(Handler):
    def apply(self, ctx):
        case = ctx.case
        satisfaction = params.choice(ctx.params, "satisfaction", Satisfaction)
        case.satisfaction = satisfaction
        reopen = satisfaction == Satisfaction.UNSATISFIED and getattr(
            settings, "PINGAN_REOPEN_ON_UNSATISFIED", True
        )
        if reopen:
            out = _reopen(case, ctx.now)
            out.payload = {"satisfaction": satisfaction, "reopened": True}
            return out
        return Outcome(payload={"satisfaction": satisfaction, "reopened": False})


class Reopen(Handler):
    def apply(self, ctx):
        ctx.case.satisfaction = ""
        return _reopen(ctx.case, ctx.now)


class Supervise(Handler):
    def apply(self, ctx):
        case = ctx.case
        level = params.choice(ctx.params, "level", SupervisionLevel)
        points = getattr(settings, "PINGAN_SUPERVISION_POINTS", DEFAULT_SUPERVISION_POINTS)[level]
        hours = getattr(
            settings, "PINGAN_SUPERVISION_RESPONSE_HOURS", DEFAULT_SUPERVISION_RESPONSE_HOURS
        )[level]
        due = ctx.now + dt.timedelta(hours=hours)
        if SUPERVISION_RANK[level] > SUPERVISION_RANK[case.supervision_level]:
            case.supervision_level = level

        def create() -> None:
            Supervision.objects.create(
                case=case,
                level=level,
                penalty_points=points,
                target_code=case.holder_code,
                issuer_code=actor_unit(ctx.actor),
                issued_by=ctx.actor.user,
                note=ctx.note,
                response_due_at=due,
                action_seq=ctx.seq,
                created_at=ctx.now,
            )

        payload = {"level": level, "penalty_points": points, "response_due_at": due.isoformat()}
        return Outcome(payload=payload, after=[create])


class Instruct(Handler):
    pass


class MarkUrgent(Handler):
    def apply(self, ctx):
        urgent = params.boolean(ctx.params, "urgent", default=True)
        if urgent == ctx.case.is_urgent:
            raise params.fail("urgent", _("案件已是该加急状态。"))
        ctx.case.is_urgent = urgent
        return Outcome(payload={"urgent": urgent})


HANDLERS: dict[str, Handler] = {
    "accept": Accept(),
    "handle_locally": HandleLocally(),
    "escalate": Escalate(),
    "assign": Assign(),
    "dispatch": Dispatch(),
    "transfer": Transfer(),
    "add_assist": AddAssist(),
    "return": Return(),
    "request_extension": RequestExtension(),
    "approve_extension": ApproveExtension(),
    "deny_extension": DenyExtension(),
    "suspend": Suspend(),
    "resume": Resume(),
    "feedback": Feedback(),
    "verify_pass": VerifyPass(),
    "verify_fail": VerifyFail(),
    "close": Close(),
    "callback": Callback(),
    "reopen": Reopen(),
    "supervise": Supervise(),
    "instruct": Instruct(),
    "mark_urgent": MarkUrgent(),
}


def handler_for(case_type, code: str) -> Handler:
    """The case type's own handler for `code` when it declares one, else the shared one."""
    return case_type.handlers.get(code) or HANDLERS[code]


__all__ = ["HANDLERS", "Handler", "handler_for"]
