"""The "person_move" case type (人员迁移交接, prefix QY): a person handed to another unit.

report (the sender, `services.person_move_request`) → 待接收 at the receiving unit with the
accept clock (matter catalogue, default 5 working days) → the receiver accepts (the person
and their cards move, in the same transaction) or returns it with a reason (nothing moves);
it may transfer the move to a sibling grid/village that is the right one; the sender may
withdraw it while it waits; a town/county centre above the receiver may supervise.

| Action | From | To | Who | Clock |
|---|---|---|---|---|
| accept 接收 | 待接收 | 已接收 | holder (receiving unit) | stop |
| return 退回 | 待接收 | 已退回 | holder, with reason | stop |
| transfer 转交 | 待接收 | 待接收 at the new receiver | holder, with reason | accept |
| close 撤回 | 待接收 | 已撤回 | origin (sending unit), with reason | stop |
| supervise 督办 | 待接收 | — | town/county centre above the holder | — |

The holder stays the receiving unit after the move is decided, so the receiver keeps the
case in its 已办 box; the sender sees it through its region (the case sits in the person's
old grid) and as its reporter.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.flow import params
from pingan.flow.actions import Handler
from pingan.flow.context import Ctx, Outcome
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case
from pingan.flow.types import ActionSpec, CaseType, register_case_type
from pingan.regions.models import Region
from pingan.registry.models import MoveStatus
from pingan.registry.moves.receivers import receiving_unit
from pingan.registry.moves.services import locked_move, move_accept, move_finish, move_retarget
from pingan.registry.services.common import PERSON_LEVELS

CASE_TYPE = "person_move"
PENDING = "pending_accept"
ACCEPTED = "move_accepted"
RETURNED = "move_returned"
WITHDRAWN = "move_withdrawn"

STATES = {
    PENDING: gettext_lazy("待接收"),
    ACCEPTED: gettext_lazy("已接收"),
    RETURNED: gettext_lazy("已退回"),
    WITHDRAWN: gettext_lazy("已撤回"),
}


def _a(code, label, to_state, who, **kw) -> tuple[str, ActionSpec]:
    return code, ActionSpec(code, label, frozenset({PENDING}), to_state, tuple(who), **kw)


ACTIONS = dict(
    [
        _a("accept", gettext_lazy("接收"), ACCEPTED, ["holder"], clock="stop"),
        _a("return", gettext_lazy("退回"), RETURNED, ["holder"], clock="stop", note_required=True),
        _a(
            "transfer",
            gettext_lazy("转交"),
            PENDING,
            ["holder"],
            clock="accept",
            note_required=True,
        ),
        _a("close", gettext_lazy("撤回"), WITHDRAWN, ["origin"], clock="stop", note_required=True),
        _a("supervise", gettext_lazy("督办"), None, ["superior"], note_required=True),
    ]
)


# --- handlers (run inside `case_act`'s transaction) -----------------------------------------
class AcceptMove(Handler):
    def apply(self, ctx: Ctx) -> Outcome:
        move = locked_move(ctx.case)
        if not Region.objects.filter(code=move.to_region).exists():
            raise ActionInvalid({"to_region": [_("迁入网格已不存在，请退回发起单位。")]})
        ctx.case.closed_at = ctx.now
        payload = {"person": move.person_id, "from": move.from_region, "to": move.to_region}
        return Outcome(
            payload=payload,
            after=[lambda: move_accept(actor=ctx.actor, move=move, now=ctx.now)],
        )


class FinishMove(Handler):
    """Return (receiver) or withdraw (sender): the move ends, nothing about the person moves."""

    def __init__(self, status: str):
        self.status = status

    def apply(self, ctx: Ctx) -> Outcome:
        move = locked_move(ctx.case)
        ctx.case.closed_at = ctx.now

        def finish() -> None:
            move_finish(actor=ctx.actor, move=move, status=self.status, note=ctx.note, now=ctx.now)

        return Outcome(payload={"person": move.person_id}, after=[finish])


class TransferMove(Handler):
    """Hand the move to a sibling grid or village (same level, same parent) as the new target."""

    def apply(self, ctx: Ctx) -> Outcome:
        move = locked_move(ctx.case)
        code = params.unit_code(ctx.params, "unit")
        current = move.to_region
        region = Region.objects.filter(code=code).first() if code.isdigit() else None
        if region is None or region.level not in PERSON_LEVELS:
            raise params.fail("unit", _("请选择迁入的村（社区）或网格。"))
        if code == current:
            raise params.fail("unit", _("该网格已是迁入网格。"))
        if len(code) != len(current) or code[:-3] != current[:-3]:
            raise params.fail("unit", _("只能转交给同一上级下的同级村（社区）或网格。"))
        if code == move.from_region:
            raise params.fail("unit", _("不能转交回迁出网格，请退回。"))
        receiver = receiving_unit(code)
        return Outcome(
            to_holder=receiver,
            payload={"unit": code, "receiver": receiver},
            after=[lambda: move_retarget(move=move, to_region=code, receiver=receiver)],
        )


def move_detail(case: Case) -> dict:
    from pingan.registry.moves.selectors import move_case_detail

    return move_case_detail(case)


PERSON_MOVE = register_case_type(
    CaseType(
        code=CASE_TYPE,
        label=gettext_lazy("人员迁移"),
        prefix="QY",
        states=STATES,
        initial_state=PENDING,
        final_states=frozenset({ACCEPTED, RETURNED, WITHDRAWN}),
        actions=ACTIONS,
        detail=move_detail,
        handlers={
            "accept": AcceptMove(),
            "return": FinishMove(MoveStatus.RETURNED),
            "close": FinishMove(MoveStatus.WITHDRAWN),
            "transfer": TransferMove(),
        },
    )
)
