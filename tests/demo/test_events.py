"""Demo events: every state, overdue and supervised cases, consistent history, determinism,
and the bulk mirror writing exactly what the real services write."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.demo import events as demo_events
from pingan.demo.builder import build_demo
from pingan.demo.disputeplan import RESOLVED, UNRESOLVED
from pingan.demo.disputesim import reminder_scan_at
from pingan.demo.eventreplay import play_with_services
from pingan.events.casetype import STATES
from pingan.events.disputes import CONFIRMATION_DAYS, dispute_detail_data
from pingan.events.models import (
    AgreementReminder,
    DisputeDetail,
    DisputeParty,
    EventDetail,
    MediationAgreement,
    MediationAttempt,
)
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
        attempts = list(case.mediations.order_by("id"))
        row["actions"] = _actions(case.actions.order_by("seq"), [a.pk for a in attempts])
        row["mediations"] = [_fields(a, ("id", "case")) for a in attempts]
        agreement = MediationAgreement.objects.filter(case=case).first()
        row["agreement"] = _fields(agreement, ("case",)) if agreement else None
        row["reminders"] = [
            _fields(r, ("id", "agreement"))
            for r in AgreementReminder.objects.filter(agreement__case=case).order_by("id")
        ]
        row["cards"] = [_fields(s, ("id", "case")) for s in case.supervisions.order_by("id")]
        row["alerts"] = [
            _fields(a, ("id", "case")) for a in case.alerts.order_by("level", "clock_seq")
        ]
        detail = case.event if case.case_type == "event" else case.dispute
        row["detail"] = _fields(detail, ("case",))
        row["parties"] = [_fields(p, ("id", "case")) for p in case.dispute_parties.order_by("id")]
        cases.append(row)
    return cases


def _actions(rows, attempt_ids: list) -> list[dict]:
    """History rows as dicts; a mediation row's payload names its attempt by position (the
    database id differs between the bulk insert and the services)."""
    result = []
    for row in rows:
        data = _fields(row, ("id", "case"))
        if "mediation" in data["payload"]:
            position = attempt_ids.index(data["payload"]["mediation"])
            data["payload"] = {**data["payload"], "mediation": f"#{position}"}
        result.append(data)
    return result


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


def test_disputes_have_mediation_consistent_with_their_state(county):
    today = timezone.localdate(NOW)
    attempts_open, reminded_in_window = Counter(), 0
    for case in Case.objects.filter(case_type="dispute").prefetch_related("actions"):
        history = sorted(case.actions.all(), key=lambda a: a.seq)
        attempts = list(case.mediations.order_by("created_at", "id"))
        rows = [a for a in history if a.action == "mediation"]
        assert [r.payload["mediation"] for r in rows] == [a.pk for a in attempts]
        assert [(r.created_at, r.payload["result"]) for r in rows] == [
            (a.created_at, a.result) for a in attempts
        ]
        assert all(a.mediated_on == timezone.localdate(a.created_at) for a in attempts)
        office = [r for r in history if r.action in ("mediation", "agreement", "agreement_confirm")]
        assert all(9 <= timezone.localtime(r.created_at).hour < 17 for r in office)
        results = [a.result for a in attempts]
        assert results.count("failure") <= 2
        # Failures come first; at most one success (or partial success), last.
        assert results[:-1] == ["failure"] * (len(results) - 1)
        agreement = MediationAgreement.objects.filter(case=case).first()
        handled = [a for a in history if a.action in ("feedback", "handle_locally")]
        if agreement is not None:
            assert results[-1] in ("success", "partial")
            row = next(a for a in history if a.action == "agreement")
            assert row.created_at > rows[-1].created_at
            assert agreement.agreed_on == timezone.localdate(row.created_at)
            assert agreement.judicial_confirmation_deadline == agreement.agreed_on + dt.timedelta(
                days=CONFIRMATION_DAYS
            )
            confirm = [a for a in history if a.action == "agreement_confirm"]
            assert agreement.confirmed == bool(confirm)
        if handled:
            # The handler fed back after mediating: resolved exactly when there is an agreement.
            assert handled[0].note == (RESOLVED if agreement else UNRESOLVED)
            assert attempts and attempts[-1].created_at < handled[0].created_at
        if case.state in ("closed", "archived"):
            assert handled and (agreement is not None or set(results) == {"failure"})
        elif case.state == "handling" and not handled:
            attempts_open[len(attempts)] += 1
        for reminder in AgreementReminder.objects.filter(agreement__case=case):
            deadline = agreement.judicial_confirmation_deadline
            assert reminder.deadline == deadline
            scan = timezone.localtime(reminder.created_at)
            assert (scan.date(), scan.time()) == (deadline - dt.timedelta(days=7), dt.time(0, 7))
            confirm = [a for a in history if a.action == "agreement_confirm"]
            assert not confirm or confirm[0].created_at > reminder.created_at
            reminded_in_window += deadline >= today
        if agreement and not agreement.confirmed:
            due = agreement.judicial_confirmation_deadline - dt.timedelta(days=7)
            assert AgreementReminder.objects.filter(agreement=agreement).exists() == (due <= today)
    # Disputes being handled have had 0, 1 or 2 attempts so far; some reminders are for
    # windows still open, some agreements are confirmed, some attempts failed.
    assert {0, 1, 2} <= set(attempts_open)
    assert reminded_in_window >= 1
    assert MediationAgreement.objects.filter(confirmed=True).exists()
    assert {"success", "failure", "partial"} == set(
        MediationAttempt.objects.values_list("result", flat=True)
    )
    assert not MediationAttempt.objects.filter(case__case_type="event").exists()
    detail = dispute_detail_data(MediationAgreement.objects.first().case)
    assert detail["agreement"] is not None and detail["mediations"][-1]["result"] in (
        "success",
        "partial",
    )


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


def _covering_scripts(scripts, now=NOW) -> list:
    """A few scripts that together use every path and every action code (and, for disputes,
    every mediation result and a reminder with and without a later 司法确认)."""
    chosen, seen = [], set()
    for script in scripts:
        features = {script.path} | {s.action for s in script.steps}
        features |= {f"{s.action}:{s.params.get('satisfaction', '')}" for s in script.steps}
        features |= {f"result:{s.params['result']}" for s in script.steps if "result" in s.params}
        agreed = next((s.at for s in script.steps if s.action == "agreement"), None)
        if agreed is not None and reminder_scan_at(timezone.localdate(agreed)) <= now:
            scan = reminder_scan_at(timezone.localdate(agreed))
            confirmed = [s.at for s in script.steps if s.action == "agreement_confirm"]
            if not confirmed or confirmed[0] > scan:
                features.add("reminder" + (":confirmed" if confirmed else ""))
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
    disputes = _covering_scripts(demo_events.plan_scripts(7, 200, NOW, units, "dispute"))
    chosen += disputes
    used = {s.action for script in chosen for s in script.steps}
    assert {"return", "approve_extension", "deny_extension", "suspend", "resume"} <= used
    assert {"verify_fail", "supervise", "callback", "handle_locally", "dispatch"} <= used
    assert {"mediation", "agreement", "agreement_confirm"} <= used
    results = {s.params.get("result") for script in disputes for s in script.steps}
    assert {"success", "failure", "partial"} <= results
    reminded = 0
    for script in chosen:
        names = demo_events.category_names(script.case_type)
        limit = demo_events._limit_cache(script.case_type)
        served = play_with_services(script, units, NOW)
        sim = demo_events.simulate(script, units, NOW, served.number, limit, names)
        skip = ("id", "case")
        assert _fields(sim.case, ("id",)) == _fields(served, ("id",)), script.path
        sim_attempts = [attempt for attempt, _row in getattr(sim, "mediations", [])]
        for index, (attempt, row) in enumerate(getattr(sim, "mediations", [])):
            attempt.pk = row.payload["mediation"] = index  # stand-ins for the database ids
        served_attempts = list(served.mediations.order_by("id"))
        assert _actions(sim.actions, list(range(len(sim_attempts)))) == _actions(
            served.actions.order_by("seq"), [a.pk for a in served_attempts]
        )
        assert [_fields(a, skip) for a in sim_attempts] == [
            _fields(a, skip) for a in served_attempts
        ]
        agreement = MediationAgreement.objects.filter(case=served).first()
        sim_agreement = getattr(sim, "agreement", None)
        assert (_fields(sim_agreement, ("case",)) if sim_agreement else None) == (
            _fields(agreement, ("case",)) if agreement else None
        )
        reminders = AgreementReminder.objects.filter(agreement__case=served).order_by("id")
        assert [_fields(r, ("id", "agreement")) for r in getattr(sim, "reminders", [])] == [
            _fields(r, ("id", "agreement")) for r in reminders
        ]
        reminded += len(reminders)
        assert [_fields(s, skip) for s in sim.supervisions] == [
            _fields(s, skip) for s in served.supervisions.order_by("id")
        ]
        assert sorted((_fields(a, skip) for a in sim.alerts), key=repr) == sorted(
            (_fields(a, skip) for a in served.alerts.all()), key=repr
        )
    assert reminded >= 2  # one later confirmed, one not
