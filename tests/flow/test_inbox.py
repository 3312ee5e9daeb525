"""The unified inbox and case visibility per role and scope."""

import pytest
from django.http import Http404

from pingan.audit.models import AuditRecord
from pingan.flow.selectors import access_case, inbox, inbox_counts, visible_cases
from pingan.flow.services import case_act
from tests.flow.factories import IN_G3, act, at, report

pytestmark = pytest.mark.django_db


def numbers(qs):
    return sorted(c.number for c in qs)


@pytest.fixture
def cases(world):
    """a: at the town, dispatched to police with sifa assisting; b: pending at village;
    c: in the neighbour town; d: closed."""
    w = world
    a = act(w.village, report(w.grid_worker), "escalate")
    a = act(w.town, a, "accept")
    a = act(w.town, a, "dispatch", department=w.police_code, assist=[w.sifa_code])
    b = report(w.grid_worker)
    c = report(w.town2, point=IN_G3)
    d = act(w.grid_worker, report(w.grid_worker), "handle_locally", note="已处置")
    return a, b, c, d


def test_visibility_by_scope(world, cases):
    a, b, c, d = cases
    w = world
    assert numbers(visible_cases(w.county)) == numbers([a, b, c, d])
    assert numbers(visible_cases(w.leader)) == numbers([a, b, c, d])
    assert numbers(visible_cases(w.town)) == numbers([a, b, d])
    assert numbers(visible_cases(w.town2)) == numbers([c])
    assert numbers(visible_cases(w.village)) == numbers([a, b, d])
    assert numbers(visible_cases(w.grid_worker)) == numbers([a, b, d])
    assert numbers(visible_cases(w.grid_worker2)) == []
    # Departments: only what they hold, held or assist.
    assert numbers(visible_cases(w.police)) == numbers([a])
    assert numbers(visible_cases(w.sifa)) == numbers([a])
    assert numbers(visible_cases(w.zhujian)) == []


def test_department_keeps_seeing_a_case_it_held(world, cases):
    a = cases[0]
    a = act(world.police, a, "return", note="不归我们管")
    assert numbers(visible_cases(world.police)) == [a.number]
    assert numbers(inbox(world.police, "todo")) == []
    assert numbers(inbox(world.police, "done")) == [a.number]


def test_inbox_boxes(world, cases):
    a, b, c, d = cases
    w = world
    assert numbers(inbox(w.police, "todo")) == [a.number]
    assert numbers(inbox(w.police, "awaiting_accept")) == [a.number]
    assert numbers(inbox(w.sifa, "assisting")) == [a.number]
    assert numbers(inbox(w.sifa, "todo")) == []
    assert numbers(inbox(w.village, "todo")) == [b.number]
    assert numbers(inbox(w.village, "done")) == [a.number]
    assert numbers(inbox(w.town, "done")) == [a.number]
    assert numbers(inbox(w.town, "todo")) == []
    assert numbers(inbox(w.town2, "todo")) == []  # c waits at its village
    assert numbers(inbox(w.town2, "all")) == [c.number]
    assert numbers(inbox(w.grid_worker, "done")) == [d.number]
    case_act(actor=w.county, case=a, action="supervise", level="red", note="限期办结")
    assert numbers(inbox(w.county, "supervised")) == [a.number]
    assert numbers(inbox(w.town, "supervised")) == [a.number]
    assert numbers(inbox(w.town2, "supervised")) == []
    counts = inbox_counts(w.police)
    assert counts == {
        "todo": 1,
        "awaiting_accept": 1,
        "overdue": 0,
        "supervised": 1,
        "assisting": 0,
        "done": 0,
        "all": 1,
    }


def test_overdue_box(world, cases):
    from pingan.flow.deadlines import scan_deadlines

    a, b, c, _ = cases
    scan_deadlines(now=at(2099, 1, 1, 0, 0))
    assert numbers(inbox(world.town, "overdue")) == numbers([a, b])
    assert numbers(inbox(world.county, "overdue")) == numbers([a, b, c])


def test_todo_is_ordered_by_due_point(world):
    first = report(world.grid_worker, urgency="low")
    second = report(world.grid_worker, urgency="high")  # accept within 1 hour
    assert [c.number for c in inbox(world.village, "todo")] == [second.number, first.number]


def test_access_case_hides_out_of_scope_and_missing_alike(world, cases):
    c = cases[2]
    with pytest.raises(Http404):
        access_case(world.town, c.number)
    with pytest.raises(Http404):
        access_case(world.town, "SJ99010120260101999999")
    assert access_case(world.town2, c.number) == c
    denied = AuditRecord.objects.filter(action="scope.denied", object_type="flow.case")
    assert denied.count() == 1


def test_admin_roles_see_no_cases(world, cases):
    from pingan.accounts.roles import Role
    from tests.factories import make_actor

    assert visible_cases(make_actor(Role.AUDITOR, "990101")).count() == 0
    assert visible_cases(make_actor(Role.SYSTEM_ADMIN, "990101")).count() == 0


def test_transfer_to_a_neighbour_town_makes_it_visible_there(world):
    w = world
    case = act(w.village, report(w.grid_worker), "escalate")
    case = act(w.town, case, "transfer", unit="990101002", note="属于邻镇管辖")
    assert case.holder_code == "990101002"
    assert numbers(inbox(w.town2, "awaiting_accept")) == [case.number]
    assert access_case(w.town2, case.number) == case
    case = act(w.town2, case, "accept")
    assert case.command_code == "990101002"


def test_town_sees_cases_held_by_its_departments(world):
    w = world
    # An event in the neighbour town, sent by the county to this town's police station.
    case = report(w.town2, point=IN_G3, unit="990101")
    case = act(w.county, case, "accept")
    assert numbers(inbox(w.town, "all")) == []
    case = act(w.county, case, "dispatch", department=w.police_code)
    assert numbers(inbox(w.town, "all")) == [case.number]
    assert numbers(inbox(w.town2, "all")) == [case.number]


def test_cases_without_a_clock_come_last_in_todo(world):
    w = world
    done = act(w.town, act(w.village, report(w.grid_worker), "escalate"), "accept")
    done = act(w.town, done, "feedback", note="已处理")
    done = act(w.grid_worker, done, "verify_pass")  # pending_close at the town: no clock
    waiting = act(w.village, report(w.grid_worker), "escalate")
    assert done.due_at is None and waiting.due_at is not None
    assert [c.number for c in inbox(w.town, "todo")] == [waiting.number, done.number]
