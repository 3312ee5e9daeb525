"""The "event" case type (网格事件, prefix SJ): the three-level loop of DESIGN §5.

report → village accepts or handles locally (or the grid worker handles it on the spot) →
escalate to the town 综治 centre → town accepts, handles, assigns down or dispatches to a
department (with 协办) → department accepts and feeds back → the grid worker verifies on
site (fail = rework) → the command unit closes → callback with satisfaction (不满意 reopens
when PINGAN_REOPEN_ON_UNSATISFIED). Side paths: return, transfer, extension, suspension,
supervision, instruction, urgent. `docs/decisions/0007-case-engine.md` has the full table.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.flow.models import Case
from pingan.flow.types import ActionSpec, CaseType, register_case_type

PENDING = "pending_accept"
HANDLING = "handling"
VERIFYING = "verifying"
PENDING_CLOSE = "pending_close"
SUSPENDED = "suspended"
CLOSED = "closed"
ARCHIVED = "archived"

STATES = {
    PENDING: _("待受理"),
    HANDLING: _("办理中"),
    VERIFYING: _("待核查"),
    PENDING_CLOSE: _("待结案"),
    SUSPENDED: _("已挂起"),
    CLOSED: _("已结案"),
    ARCHIVED: _("已回访归档"),
}
OPEN = frozenset({PENDING, HANDLING, VERIFYING, PENDING_CLOSE, SUSPENDED})
WORKING = frozenset({PENDING, HANDLING})


def _a(code, label, from_states, to_state, who, **kw) -> tuple[str, ActionSpec]:
    return code, ActionSpec(code, label, frozenset(from_states), to_state, tuple(who), **kw)


ACTIONS = dict(
    [
        _a("accept", _("受理"), {PENDING}, HANDLING, ["holder"], clock="handle"),
        _a(
            "handle_locally",
            _("自行处置"),
            WORKING,
            CLOSED,
            ["village_holder", "case_grid_worker"],
            clock="stop",
            note_required=True,
        ),
        _a("escalate", _("上报上级"), WORKING, PENDING, ["region_holder"], clock="accept"),
        _a("assign", _("交办下级"), {HANDLING}, PENDING, ["region_holder"], clock="accept"),
        _a("dispatch", _("派遣部门"), {HANDLING}, PENDING, ["centre_holder"], clock="accept"),
        _a("transfer", _("转办"), WORKING, PENDING, ["holder"], clock="accept", note_required=True),
        _a("add_assist", _("增加协办"), {HANDLING}, None, ["holder"]),
        _a(
            "return",
            _("回退"),
            WORKING,
            PENDING,
            ["holder"],
            note_required=True,
            needs_approval=True,
            outcomes=(PENDING, HANDLING),
        ),
        _a(
            "request_extension",
            _("申请延期"),
            {HANDLING},
            None,
            ["holder"],
            note_required=True,
            needs_approval=True,
        ),
        _a("approve_extension", _("批准延期"), {HANDLING}, None, ["approver"], clock="extend"),
        _a(
            "deny_extension",
            _("驳回延期"),
            {HANDLING},
            None,
            ["approver"],
            note_required=True,
        ),
        _a(
            "suspend",
            _("挂起"),
            WORKING,
            SUSPENDED,
            ["command"],
            clock="pause",
            note_required=True,
        ),
        _a(
            "resume",
            _("恢复办理"),
            {SUSPENDED},
            None,
            ["command"],
            clock="resume",
            outcomes=(PENDING, HANDLING),
        ),
        _a(
            "feedback",
            _("办结反馈"),
            WORKING,
            VERIFYING,
            ["holder", "assist"],
            clock="verify",
            note_required=True,
        ),
        _a("verify_pass", _("核查通过"), {VERIFYING}, PENDING_CLOSE, ["holder"], clock="stop"),
        _a(
            "verify_fail",
            _("核查不通过"),
            {VERIFYING},
            HANDLING,
            ["holder"],
            clock="handle",
            note_required=True,
        ),
        _a("close", _("结案"), {PENDING_CLOSE}, CLOSED, ["holder"], clock="stop"),
        _a("callback", _("回访"), {CLOSED}, ARCHIVED, ["command"], outcomes=(ARCHIVED, HANDLING)),
        _a(
            "reopen",
            _("重新办理"),
            {CLOSED, ARCHIVED},
            HANDLING,
            ["command_or_superior"],
            clock="handle",
            note_required=True,
        ),
        _a("supervise", _("督办"), OPEN, None, ["superior"], note_required=True),
        _a("instruct", _("批示"), OPEN, None, ["superior"], note_required=True),
        _a("mark_urgent", _("加急"), OPEN, None, ["superior"]),
    ]
)


def category_chain(case: Case) -> list[str]:
    from pingan.events.models import EventCategory

    category = (
        EventCategory.objects.select_related("parent").filter(code=case.category_code).first()
    )
    return category.chain() if category else ([case.category_code] if case.category_code else [])


def event_detail(case: Case) -> dict:
    from pingan.events.selectors import event_detail_data

    return event_detail_data(case)


EVENT = register_case_type(
    CaseType(
        code="event",
        label=_("网格事件"),
        prefix="SJ",
        states=STATES,
        initial_state=PENDING,
        final_states=frozenset({CLOSED, ARCHIVED}),
        actions=ACTIONS,
        category_chain=category_chain,
        detail=event_detail,
    )
)
