"""Demo events: every state, overdue and supervised cases, consistent history, determinism,
and the bulk mirror writing exactly what the real services write."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db.models import Count

from pingan.audit.models import AuditRecord
from pingan.demo import events as demo_events
from pingan.demo.builder import build_demo
from pingan.events.casetype import STATES
from pingan.events.models import DisputeDetail, DisputeParty, EventDetail
from pingan.flow.models import SUPERVISION_RANK, Case, CaseAction, ClockAlert, Supervision
from tests.demo.factories import TINY

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.UTC)
OPEN = {"pending_accept", "handling", "verifying", "pending_close", "suspended"}


@pytest.fixture
def county(tmp_path):
    """The tiny demo county with its own events replaced by 600 events at a fixed time."""
    build_demo(spec=TINY, seed=7, home=tmp_path)
    demo_events.reset_demo_events()
    demo_events.build_demo_events(seed=7, size="tiny", count=600, disputes=120, now=NOW)


def dump() -> list:
    """Every demo event row in a comparable form (no surrogate ids)."""
    cases = []
    for case in Case.objects.order_by("number").prefetch_related("actions", "supervisions"):
        row = _fields(case, ("id",))
        row["actions"] = [_fields(a, ("id", "case")) for a in case.actions.order_by("seq")]
        row["cards"] = [_fields(s, ("id", "case")) for s in case.supervisions.order_by("id")]
        row["alerts"] = [
            _fields(a, ("id", "case")) for a in case.alerts.order_by("level", "clock_seq")
        ]
        detail = case.event if case.case_type == "event" else case.dispute
        row["detail"] = _fields(detail, ("case",))
        row["parties"] = [_fields(p, ("id", "case")) for p in case.dispute_parties.order_by("id")]
        cases.append(row)
    return cases


def _fields(obj, skip: tuple[str, ...]) -> dict:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in skip and f.attname not in skip
    }


def test_default_sizes_generate_enough_events():
    assert demo_events.event_count("small") == 3000
    assert demo_events.event_count("county") == 20000
    assert demo_events.dispute_count("small") == 300
    assert demo_events.dispute_count("county") == 2000


def test_every_state_with_overdue_and_supervised_cases(county):
    states = Counter(Case.objects.filter(case_type="event").values_list("state", flat=True))
    assert sum(states.values()) == 600 == EventDetail.objects.count()
    assert set(states) == set(STATES)
    disputes = Counter(Case.objects.filter(case_type="dispute").values_list("state", flat=True))
    assert sum(disputes.values()) == 120 == DisputeDetail.objects.count()
    assert {"pending_accept", "handling", "archived"} <= set(disputes)
    assert DisputeParty.objects.count() >= 240  # two to four parties each
    assert not Case.objects.filter(case_type="dispute").exclude(number__startswith="JF").exists()
    # Most old events are finished; a working county still has a queue.
    assert states["archived"] > sum(states[s] for s in OPEN) > 60
    overdue = Case.objects.filter(is_overdue=True)
    assert overdue.exists()
    assert all(c.state in OPEN and c.due_at <= NOW for c in overdue)
    assert Case.objects.filter(is_warned=True, is_overdue=False).exists()
    assert {"normal", "yellow", "red"} <= set(Supervision.objects.values_list("level", flat=True))
    assert Case.objects.filter(supervision_level="red", state__in=OPEN).exists()
    # Side paths really happened.
    actions = set(CaseAction.objects.values_list("action", flat=True))
    assert {
        "return",
        "request_extension",
        "approve_extension",
        "deny_extension",
        "suspend",
        "resume",
        "verify_fail",
        "handle_locally",
        "dispatch",
        "escalate",
    } <= actions
    callbacks = set(
        CaseAction.objects.filter(action="callback").values_list("payload__satisfaction", flat=True)
    )
    assert {"satisfied", "unsatisfied"} <= callbacks
    assert Case.objects.filter(reopen_count__gt=0, state="archived").exists()
    # One alert per flag set by the scan, for the current clock.
    assert ClockAlert.objects.filter(level="due").count() == overdue.count()
    # Within the window, in the past.
    first = Case.objects.order_by("created_at").first().created_at
    assert NOW - dt.timedelta(days=91) < first
    assert not CaseAction.objects.filter(created_at__gt=NOW).exists()


def test_one_audit_record_for_the_events(county):
    records = AuditRecord.objects.filter(action="demo.events").order_by("-id")
    assert records.count() == 2  # the tiny build's own events, then the 600
    detail = records.first().detail
    assert (detail["events"], detail["disputes"]) == (600, 120)
    assert detail["states"] == dict(
        sorted(Counter(Case.objects.values_list("state", flat=True)).items())
    )
    assert not AuditRecord.objects.filter(action__startswith="case.").exists()


def test_history_is_consistent_with_state(county):
    cases = Case.objects.annotate(n=Count("actions")).prefetch_related("actions", "supervisions")
    for case in cases:
        history = sorted(case.actions.all(), key=lambda a: a.seq)
        assert [a.seq for a in history] == list(range(1, case.n + 1))
        assert history[0].action == "report" and history[0].from_state == ""
        for before, after in itertools.pairwise(history):
            assert after.from_state == before.to_state, case.number
            assert after.from_holder == before.to_holder, case.number
            assert after.created_at > before.created_at
        last = history[-1]
        assert (last.to_state, last.to_holder) == (case.state, case.holder_code)
        assert case.version == case.n and case.updated_at == last.created_at
        assert (case.closed_at is not None) == (case.state in {"closed", "archived"})
        # No clock waits on the command unit's closing (verify_pass stops it).
        assert bool(case.clock_kind) == (case.state in OPEN - {"pending_close"})
        assert (case.clock_paused_at is not None) == (case.state == "suspended")
        cards = list(case.supervisions.all())
        top = max((SUPERVISION_RANK[c.level] for c in cards), default=0)
        assert SUPERVISION_RANK[case.supervision_level] == top
        for card in cards:
            assert history[card.action_seq - 1].action == "supervise"
            if card.responded_at:
                assert history[card.response_seq - 1].from_holder == card.target_code


def test_same_seed_same_events_other_seed_other_events(tmp_path):
    build_demo(spec=TINY, seed=7, home=tmp_path)
    demo_events.reset_demo_events()
    demo_events.build_demo_events(seed=7, size="tiny", count=200, disputes=30, now=NOW)
    first = dump()
    demo_events.reset_demo_events()
    assert not Case.objects.exists()
    demo_events.build_demo_events(seed=7, size="tiny", count=200, disputes=30, now=NOW)
    assert dump() == first
    demo_events.reset_demo_events()
    demo_events.build_demo_events(seed=8, size="tiny", count=200, disputes=30, now=NOW)
    assert dump() != first


def test_rebuilding_the_demo_replaces_its_events(tmp_path):
    expected = {"events": demo_events.DEFAULT_EVENTS, "disputes": demo_events.DEFAULT_DISPUTES}
    for _ in range(2):
        result = build_demo(spec=TINY, seed=7, home=tmp_path)
        assert {k: result.counts[k] for k in expected} == expected
        assert Case.objects.filter(case_type="event").count() == expected["events"]
        assert Case.objects.filter(case_type="dispute").count() == expected["disputes"]


def _covering_scripts(scripts) -> list:
    """A few scripts that together use every path and every action code."""
    chosen, seen = [], set()
    for script in scripts:
        features = {script.path} | {s.action for s in script.steps}
        features |= {f"{s.action}:{s.params.get('satisfaction', '')}" for s in script.steps}
        if not features <= seen:
            chosen.append(script)
            seen |= features
    return chosen


def test_bulk_rows_equal_service_rows(tmp_path):
    build_demo(spec=TINY, seed=7, home=tmp_path)
    demo_events.reset_demo_events()
    units = demo_events.load_units()
    scripts = demo_events.plan_scripts(7, 400, NOW, units)
    chosen = _covering_scripts(scripts)
    chosen += _covering_scripts(demo_events.plan_scripts(7, 100, NOW, units, "dispute"))[:6]
    used = {s.action for script in chosen for s in script.steps}
    assert {"return", "approve_extension", "deny_extension", "suspend", "resume"} <= used
    assert {"verify_fail", "supervise", "callback", "handle_locally", "dispatch"} <= used
    for script in chosen:
        names = demo_events.category_names(script.case_type)
        limit = demo_events._limit_cache(script.case_type)
        served = demo_events.play_with_services(script, units, NOW)
        sim = demo_events.simulate(script, units, NOW, served.number, limit, names)
        skip = ("id", "case")
        assert _fields(sim.case, ("id",)) == _fields(served, ("id",)), script.path
        assert [_fields(a, skip) for a in sim.actions] == [
            _fields(a, skip) for a in served.actions.order_by("seq")
        ]
        assert [_fields(s, skip) for s in sim.supervisions] == [
            _fields(s, skip) for s in served.supervisions.order_by("id")
        ]
        assert sorted((_fields(a, skip) for a in sim.alerts), key=repr) == sorted(
            (_fields(a, skip) for a in served.alerts.all()), key=repr
        )
