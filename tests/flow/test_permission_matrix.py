"""Who may take each action, for every actor of the test county (allowed and denied)."""

import datetime as dt

import pytest

from pingan.flow.services import available_actions
from tests.flow.factories import act, report

pytestmark = pytest.mark.django_db

ACTORS = (
    "grid_worker",
    "grid_worker2",
    "village",
    "town",
    "town2",
    "county",
    "commander",
    "leader",
    "police",
    "sifa",
    "zhujian",
    "huanbao",
)
SUPERIORS_OF_VILLAGE = {"town", "county", "commander"}
SUPERIORS_OF_TOWN = {"county", "commander"}


def pending_at_village(w):
    return report(w.grid_worker)


def handling_at_town(w):
    return act(w.town, act(w.village, report(w.grid_worker), "escalate"), "accept")


def pending_at_police(w):
    return act(
        w.town, handling_at_town(w), "dispatch", department=w.police_code, assist=[w.sifa_code]
    )


def handling_at_police(w):
    return act(w.police, pending_at_police(w), "accept")


def later(case, days=3):
    return (case.due_at + dt.timedelta(days=days)).isoformat()


def extension_requested_by_police(w):
    case = handling_at_police(w)
    return act(w.police, case, "request_extension", note="需鉴定", due_at=later(case))


def verifying_at_grid(w):
    return act(w.police, handling_at_police(w), "feedback", note="已处理")


def pending_close_at_town(w):
    return act(w.grid_worker, verifying_at_grid(w), "verify_pass")


def closed_by_town(w):
    return act(w.town, pending_close_at_town(w), "close")


def suspended_by_town(w):
    return act(w.town, handling_at_police(w), "suspend", note="等待判决")


def extension_requested_at_county(w):
    case = act(w.town, handling_at_town(w), "escalate")
    case = act(w.county, case, "accept")
    return act(w.county, case, "request_extension", note="需协调", due_at=later(case))


# (scenario, {action: actors allowed}) — every other actor must be refused.
MATRIX = [
    (
        pending_at_village,
        {
            "accept": {"village"},
            "handle_locally": {"village", "grid_worker"},
            "escalate": {"village"},
            "transfer": {"village"},
            "return": set(),
            "feedback": set(),
            "close": set(),
            "supervise": SUPERIORS_OF_VILLAGE,
            "instruct": SUPERIORS_OF_VILLAGE,
            "mark_urgent": SUPERIORS_OF_VILLAGE,
        },
    ),
    (
        handling_at_town,
        {
            "accept": set(),
            "escalate": {"town"},
            "assign": {"town"},
            "dispatch": {"town"},
            "transfer": {"town"},
            "add_assist": {"town"},
            "return": {"town"},
            "request_extension": {"town"},
            "suspend": {"town"},
            "feedback": {"town"},
            "handle_locally": set(),
            "supervise": SUPERIORS_OF_TOWN,
        },
    ),
    (
        pending_at_police,
        {
            "accept": {"police"},
            "transfer": {"police"},
            "return": {"police"},
            "feedback": {"sifa"},  # the 协办 unit reports its part; the main unit must accept first
            "dispatch": set(),
            "suspend": {"town"},
            "supervise": {"town", "county", "commander"},
        },
    ),
    (
        extension_requested_by_police,
        {
            "approve_extension": {"town"},
            "deny_extension": {"town"},
            "request_extension": set(),
            "feedback": {"sifa"},
        },
    ),
    (
        verifying_at_grid,
        {
            "verify_pass": {"grid_worker"},
            "verify_fail": {"grid_worker"},
            "close": set(),
            "supervise": SUPERIORS_OF_VILLAGE,
        },
    ),
    (pending_close_at_town, {"close": {"town"}, "callback": set()}),
    (
        closed_by_town,
        {
            "callback": {"town"},
            "reopen": {"town", "county", "commander"},
            "supervise": set(),
            "close": set(),
        },
    ),
    (suspended_by_town, {"resume": {"town"}, "feedback": set(), "suspend": set()}),
    (
        extension_requested_at_county,
        {
            # The county operator asked; only the commander decides, never on their own request.
            "approve_extension": {"commander"},
            "deny_extension": {"commander"},
        },
    ),
]


@pytest.mark.parametrize(("scenario", "expected"), MATRIX, ids=[m[0].__name__ for m in MATRIX])
def test_permission_matrix(world, scenario, expected):
    case = scenario(world)
    allowed = {name: set(available_actions(getattr(world, name), case)) for name in ACTORS}
    for action, who in expected.items():
        got = {name for name in ACTORS if action in allowed[name]}
        assert got == who, f"{scenario.__name__}: {action}"
    assert allowed["leader"] == set()
