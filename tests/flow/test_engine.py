"""Case engine: permissions, state checks, history, concurrency, audit."""

import pytest
from django.core.exceptions import PermissionDenied

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.flow.errors import ActionInvalid, ActionNotAllowed, CaseConflict
from pingan.flow.models import Case, CaseAction
from pingan.flow.services import available_actions, case_act
from tests.factories import make_actor
from tests.flow.factories import G1, TOWN, VILLAGE, act, report

pytestmark = pytest.mark.django_db


def snapshot(case):
    row = Case.objects.get(pk=case.pk)
    fields = ("state", "holder_code", "version", "due_at", "warn_at", "command_code")
    return {f: getattr(row, f) for f in fields}, case.actions.count()


def test_report_opens_case_with_number_history_and_accept_clock(world):
    case = report(world.grid_worker)
    assert case.number.startswith("SJ990101") and len(case.number) == 21
    assert (case.state, case.holder_code, case.region_code, case.origin_code) == (
        "pending_accept",
        VILLAGE,
        G1,
        G1,
    )
    assert case.clock_kind == "accept" and case.due_at > case.warn_at > case.created_at
    (first,) = case.actions.all()
    assert (first.seq, first.action, first.to_holder, first.unit_code) == (1, "report", VILLAGE, G1)
    audit = AuditRecord.objects.filter(action="case.report", object_id=case.number)
    assert audit.count() == 1


def test_available_actions_per_actor(world):
    w = world
    case = report(w.grid_worker)
    assert available_actions(w.village, case) == [
        "accept",
        "handle_locally",
        "escalate",
        "transfer",
    ]
    assert available_actions(w.grid_worker, case) == ["handle_locally"]
    assert available_actions(w.grid_worker2, case) == []
    # The town centre is above the village: it may supervise, instruct, mark urgent.
    assert available_actions(w.town, case) == ["supervise", "instruct", "mark_urgent"]
    case = act(w.village, case, "accept")
    assert available_actions(w.town, case) == ["supervise", "instruct", "mark_urgent"]
    assert available_actions(w.county, case) == ["supervise", "instruct", "mark_urgent"]
    assert available_actions(w.town2, case) == []
    assert available_actions(w.leader, case) == []
    assert available_actions(w.police, case) == []


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("grid_worker2", "handle_locally"),
        ("town", "accept"),
        ("town2", "supervise"),
        ("police", "accept"),
        ("county", "close"),
        ("village", "verify_pass"),
        ("village", "no_such_action"),
    ],
)
def test_denied_actions_change_nothing_and_are_audited(world, who, action):
    case = report(world.grid_worker)
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed) as exc:
        case_act(actor=getattr(world, who), case=case, action=action, note="x", level="red")
    assert snapshot(case) == before
    assert exc.value.allowed_actions == available_actions(getattr(world, who), case)
    denied = AuditRecord.objects.filter(object_id=case.number, outcome="denied")
    assert denied.count() == 1


def test_read_only_leader_cannot_act(world):
    case = report(world.grid_worker)
    before = snapshot(case)
    with pytest.raises(PermissionDenied):
        case_act(actor=world.leader, case=case, action="supervise", note="x", level="red")
    assert snapshot(case) == before


def test_action_not_allowed_in_state_lists_allowed(world):
    case = report(world.grid_worker)
    with pytest.raises(ActionNotAllowed) as exc:
        act(world.village, case, "close")
    assert exc.value.allowed_actions == ["accept", "handle_locally", "escalate", "transfer"]
    assert "待受理" in exc.value.message


def test_invalid_parameters_write_nothing(world):
    w = world
    case = act(w.village, report(w.grid_worker), "escalate")
    case = act(w.town, case, "accept")
    before = snapshot(case)
    with pytest.raises(ActionInvalid) as exc:
        act(w.town, case, "dispatch", department="990101001-nope")
    assert exc.value.errors == {"department": ["部门 990101001-nope 不存在或已停用。"]}
    with pytest.raises(ActionInvalid) as exc:
        act(w.town, case, "dispatch", department=w.zhujian_code)
    assert exc.value.errors == {"department": ["只能派遣给本级或下级辖区内的职能部门。"]}
    with pytest.raises(ActionInvalid) as exc:
        act(w.town, case, "assign", unit="990101002001")
    assert exc.value.errors == {"unit": ["只能交办给本单位下级的区划或网格。"]}
    with pytest.raises(ActionInvalid) as exc:
        act(w.town, case, "dispatch", department=w.police_code, assist=[w.police_code])
    assert exc.value.errors == {"assist": ["主办部门不能同时作为协办单位。"]}
    with pytest.raises(ActionInvalid) as exc:
        act(w.town, case, "suspend", note="")
    assert exc.value.errors == {"note": ["请填写意见或原因。"]}
    assert snapshot(case) == before
    assert case.assists.count() == 0


def test_stale_case_object_gets_conflict(world):
    w = world
    case = act(w.village, report(w.grid_worker), "escalate")
    case = act(w.town, case, "accept")
    # Two people open the same case (same version)…
    seen_by_a = Case.objects.get(pk=case.pk)
    seen_by_b = Case.objects.get(pk=case.pk)
    colleague = make_actor(Role.TOWN_OPERATOR, TOWN)
    case_act(actor=w.town, case=seen_by_a, action="dispatch", department=w.police_code)
    before = snapshot(case)
    with pytest.raises(CaseConflict) as exc:
        case_act(actor=colleague, case=seen_by_b, action="dispatch", department=w.sifa_code)
    assert exc.value.state == "pending_accept"
    assert exc.value.allowed_actions == available_actions(colleague, Case.objects.get(pk=case.pk))
    assert snapshot(case) == before
    assert AuditRecord.objects.filter(object_id=case.number, outcome="conflict").count() == 1


def test_history_rows_are_immutable(world):
    case = report(world.grid_worker)
    row = case.actions.get()
    row.note = "changed"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        CaseAction.objects.filter(case=case).update(note="changed")
    with pytest.raises(TypeError):
        CaseAction.objects.filter(case=case).delete()
    with pytest.raises(TypeError):
        row.delete()
    assert CaseAction.objects.get(pk=row.pk).note == case.actions.get().note != "changed"


def test_every_action_writes_history_and_audit_in_order(world):
    w = world
    case = report(w.grid_worker)
    for actor, action in ((w.village, "escalate"), (w.town, "accept")):
        case = act(actor, case, action)
    assert list(case.actions.values_list("seq", "action", "from_holder", "to_holder")) == [
        (1, "report", "", VILLAGE),
        (2, "escalate", VILLAGE, TOWN),
        (3, "accept", TOWN, TOWN),
    ]
    actions = list(
        AuditRecord.objects.filter(object_id=case.number)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["case.report", "case.escalate", "case.accept"]
    assert case.version == 3


def test_escalate_stops_at_county(world):
    w = world
    case = report(w.grid_worker)
    case = act(w.village, case, "escalate")
    case = act(w.town, case, "escalate")
    assert case.holder_code == "990101"
    assert "escalate" not in available_actions(w.county, case)
