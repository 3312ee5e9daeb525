"""Demo events and disputes: three months of a working county's 网格事件 and 矛盾纠纷,
in every state of the loop.

Each event is a *script* planned from the seed: a report by a real demo account (a grid
worker in their grid, or a town operator taking a hotline/citizen report) and the steps
that followed, each by the demo account whose unit may take it (village staff, town and
county operators, department and station handlers, the grid worker verifying on site), at
times spread over the last 90 days. Side paths are mixed in: supervision (normal / yellow /
red cards), extension requests (approved or denied), suspension (resumed or not), a
department returning a dispatch, failed verification and rework, unsatisfied callbacks
that reopen. Steps that would fall after "now" have not happened yet, so recent events are
still open; some old ones stall, and their clocks run past warn and due.

How it is written (time travel): the scripts are played by `eventsim.CaseSim`, a mirror of
`flow.services.case_open`/`case_act` with explicit timestamps, and the resulting rows (Case,
EventDetail, CaseAction history, Supervision, ClockAlert of a deadline scan at build time)
are bulk-inserted. Going through the services costs an audit record and several queries
per step (minutes for 3,000 events); `tests/demo/test_events.py` plays every path through
the real services (`eventreplay`) with the same timestamps and checks both give the same
rows. One
`demo.events` audit record states what was generated. Disputes (case type "dispute", same
states and actions) get their `DisputeDetail` and parties, mediation attempts, agreements,
司法确认 and the reminders the hourly scan would have made (`disputeplan`, `disputesim`,
mirroring `pingan.events.disputes`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from pingan.audit.services import audit_log
from pingan.demo.disputesim import DISPUTE_STEPS, DisputeSim
from pingan.demo.eventplan import (
    DEMO_ROOT,
    DISPUTE,
    EVENT,
    DemoUnits,
    Script,
    Step,
    category_names,
    load_units,
    plan_scripts,
)
from pingan.demo.eventsim import CaseSim
from pingan.demo.layout import COUNTY
from pingan.events.models import (
    AgreementReminder,
    DisputeDetail,
    DisputeParty,
    EventCategory,
    EventDetail,
    MediationAgreement,
    MediationAttempt,
)
from pingan.flow import clocks
from pingan.flow.models import (
    Case,
    CaseAction,
    CaseNumberCounter,
    ClockAlert,
    Supervision,
)
from pingan.flow.types import get_case_type
from pingan.public.models import PublicReport

EVENTS_BY_SIZE = {"small": 3_000, "county": 20_000}
DEFAULT_EVENTS = 150  # other sizes (the tests' tiny county)
DISPUTES_BY_SIZE = {"small": 300, "county": 2_000}
DEFAULT_DISPUTES = 40
BATCH = 1000


# --- playing scripts -----------------------------------------------------------------------
def step_params(step: Step, case: Case, at: dt.datetime) -> dict[str, Any]:
    """The action parameters of a step; an extension asks for N days past the current due."""
    params = dict(step.params)
    if "extend_days" in params:
        days = params.pop("extend_days")
        base = max(case.due_at, at)
        params["due_at"] = (base + dt.timedelta(days=days)).replace(microsecond=0)
    return params


def _title(script: Script, names: dict[str, str]) -> str:
    if script.case_type == DISPUTE:
        return script.description[:100]
    return f"{names[script.category]}：{script.description[:60]}"


def _report_payload(script: Script) -> dict:
    if script.case_type == DISPUTE:
        return {"scale": script.scale, "parties_count": len(script.parties)}
    return {"outside_grid": False, "reporter_kind": script.reporter_kind}


def _detail_rows(script: Script, case: Case, reporter_id: int) -> list:
    """The module's rows for the case: EventDetail, or DisputeDetail with its parties."""
    if script.case_type == DISPUTE:
        detail = DisputeDetail(
            case=case,
            category_id=script.category,
            scale=script.scale,
            summary=script.description,
            occurred_on=timezone.localdate(script.reported_at),
            address=script.address,
            lng=script.lng,
            lat=script.lat,
            region_code=script.grid,
            grid_code=script.grid,
            parties_count=len(script.parties),
            people_involved=script.people,
            amount_involved=None,
            reporter_id=reporter_id,
            created_at=script.reported_at,
        )
        parties = [DisputeParty(case=case, name=n, role=r) for n, r in script.parties]
        return [detail, *parties]
    return [_detail(script, case, reporter_id)]


def _detail(script: Script, case: Case, reporter_id: int) -> EventDetail:
    return EventDetail(
        case=case,
        category_id=script.category,
        description=script.description,
        address=script.address,
        lng=script.lng,
        lat=script.lat,
        grid_code=script.grid,
        outside_grid=False,
        reporter_kind=script.reporter_kind,
        reporter_id=reporter_id,
        idempotency_key="",
        created_at=script.reported_at,
    )


def _limit_cache(case_type: str = "event"):
    """The matter-catalogue limit per (category, urgency, clock kind), cached.

    Events look up the category and its ancestors; other case types (disputes) use the
    engine's default chain, the category alone.
    """
    chains: dict[str, list[str]] = {}
    if case_type == "event":
        chains = {c.code: c.chain() for c in EventCategory.objects.select_related("parent")}
    cache: dict[tuple[str, str, str], Any] = {}

    def limit(category: str, urgency: str, kind: str):
        key = (category, urgency, kind)
        if key not in cache:
            chain = chains.get(category, [category] if category else [])
            cache[key] = clocks.limit_for(case_type, chain, urgency, kind)
        return cache[key]

    return limit


def simulate(script: Script, units: DemoUnits, now: dt.datetime, number: str, limit, names):
    """Play one script in memory; returns the `CaseSim` (`DisputeSim` for a dispute) with the
    rows to insert."""
    is_dispute = script.case_type == DISPUTE
    sim = (DisputeSim if is_dispute else CaseSim)(get_case_type(script.case_type), limit)
    reporter = units.positions[script.reporter_unit]
    case = Case(
        number=number,
        title=_title(script, names),
        category_code=script.category,
        urgency=script.urgency,
        region_code=script.grid,
        holder_code=script.holder,
        origin_code=script.reporter_unit,
    )
    sim.open(
        case=case,
        position=reporter,
        note=script.description,
        payload=_report_payload(script),
        now=script.reported_at,
    )
    for step in script.steps:
        position = units.positions[step.unit]
        if is_dispute:
            sim.remind_before(step.at)
        if step.action in DISPUTE_STEPS:
            sim.step(position, step.action, step.at, step.note, **step.params)
            continue
        sim.act(position, step.action, step.at, step.note, **step_params(step, sim.case, step.at))
    if is_dispute:
        sim.remind_before(now, inclusive=True)
    sim.scan(now)
    return sim


def event_count(size: str) -> int:
    return EVENTS_BY_SIZE.get(size, DEFAULT_EVENTS)


def dispute_count(size: str) -> int:
    return DISPUTES_BY_SIZE.get(size, DEFAULT_DISPUTES)


def reset_demo_events() -> int:
    """Delete every case in the demo county with its history (before the demo is rebuilt).

    History rows are immutable through the ORM; the demo is the one place that removes
    them, with a raw delete limited to cases under the demo region 99.
    """
    cases = Case.objects.filter(region_code__startswith=DEMO_ROOT)
    # Their citizen side first (it protects the cases).
    PublicReport.objects.filter(case__region_code__startswith=DEMO_ROOT).delete()
    CaseAction.objects.filter(case__region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    deleted = cases.count()
    cases.delete()
    CaseNumberCounter.objects.filter(county_code__startswith=DEMO_ROOT).delete()
    return deleted


def build_demo_events(
    *,
    seed: int,
    size: str,
    count: int | None = None,
    disputes: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Generate the demo events and disputes (inside the demo build's transaction).

    Runs as the system (the installer's command): no permission check, one `demo.events`
    audit record with the counts by state. Returns {"events": n, "disputes": m}.
    """
    now = (now or timezone.now()).replace(microsecond=0)
    wanted = {
        EVENT: event_count(size) if count is None else count,
        DISPUTE: dispute_count(size) if disputes is None else disputes,
    }
    units = load_units()
    if not any(t.worker_grid for t in units.towns):
        return {"events": 0, "disputes": 0}
    sims = []
    for case_type, n in wanted.items():
        if n <= 0:
            continue
        prefix = get_case_type(case_type).prefix
        names, limit = category_names(case_type), _limit_cache(case_type)
        per_day: Counter = Counter()
        for script in plan_scripts(seed, n, now, units, case_type):
            day = timezone.localdate(script.reported_at)
            per_day[day] += 1
            number = f"{prefix}{COUNTY[0]}{day:%Y%m%d}{per_day[day]:05d}"
            sims.append((script, simulate(script, units, now, number, limit, names)))
        CaseNumberCounter.objects.bulk_create(
            CaseNumberCounter(prefix=prefix, county_code=COUNTY[0], day=day, last=last)
            for day, last in sorted(per_day.items())
        )
    _insert(sims, units)
    result = {
        "events": sum(1 for script, _ in sims if script.case_type == EVENT),
        "disputes": sum(1 for script, _ in sims if script.case_type == DISPUTE),
    }
    audit_log(
        actor=None,
        username="pingan demo",
        action="demo.events",
        object_type="flow.case",
        object_id=COUNTY[0],
        region_code=COUNTY[0],
        detail={
            "seed": seed,
            **result,
            "states": dict(sorted(Counter(sim.case.state for _, sim in sims).items())),
            "paths": dict(sorted(Counter(script.path for script, _ in sims).items())),
            "overdue": sum(1 for _, sim in sims if sim.case.is_overdue),
            "supervised": sum(1 for _, sim in sims if sim.case.supervision_level),
            **_mediation_counts(sims),
        },
    )
    return result


def _mediation_counts(sims: list) -> dict[str, int]:
    disputes = [sim for _, sim in sims if isinstance(sim, DisputeSim)]
    return {
        "mediations": sum(len(sim.mediations) for sim in disputes),
        "agreements": sum(1 for sim in disputes if sim.agreement is not None),
        "confirmed": sum(1 for sim in disputes if sim.agreement and sim.agreement.confirmed),
        "reminders": sum(len(sim.reminders) for sim in disputes),
    }


def _insert(sims: list, units: DemoUnits) -> None:
    cases = [sim.case for _, sim in sims]
    Case.objects.bulk_create(cases, batch_size=BATCH)
    if any(case.pk is None for case in cases):  # backends that do not return ids
        ids = dict(
            Case.objects.filter(number__in=[c.number for c in cases]).values_list("number", "id")
        )
        for case in cases:
            case.pk = ids[case.number]
    details: dict[type, list] = {}
    actions, cards, alerts = [], [], []
    for script, sim in sims:
        reporter = units.positions[script.reporter_unit]
        for row in _detail_rows(script, sim.case, reporter.user_id):
            details.setdefault(type(row), []).append(row)
        for rows, out in ((sim.actions, actions), (sim.supervisions, cards), (sim.alerts, alerts)):
            for row in rows:
                row.case = sim.case
                out.append(row)
    for model, rows in details.items():
        model.objects.bulk_create(rows, batch_size=BATCH)
    disputes = [sim for _, sim in sims if isinstance(sim, DisputeSim)]
    _insert_mediations(disputes)  # before the history: its payloads name the attempts
    CaseAction.objects.bulk_create(actions, batch_size=BATCH)
    Supervision.objects.bulk_create(cards, batch_size=BATCH)
    ClockAlert.objects.bulk_create(alerts, batch_size=BATCH)
    agreements, reminders = [], []
    for sim in disputes:
        if sim.agreement is not None:
            sim.agreement.case = sim.case
            agreements.append(sim.agreement)
        for reminder in sim.reminders:
            reminder.agreement = sim.agreement
            reminders.append(reminder)
    MediationAgreement.objects.bulk_create(agreements, batch_size=BATCH)
    AgreementReminder.objects.bulk_create(reminders, batch_size=BATCH)


def _insert_mediations(disputes: list[DisputeSim]) -> None:
    """Insert the mediation attempts and put their ids into the history payloads."""
    attempts = []
    for sim in disputes:
        for attempt, _row in sim.mediations:
            attempt.case = sim.case
            attempts.append(attempt)
    MediationAttempt.objects.bulk_create(attempts, batch_size=BATCH)
    if any(attempt.pk is None for attempt in attempts):  # backends that do not return ids
        ids: dict[int, list[int]] = {}
        rows = MediationAttempt.objects.filter(case__in=[sim.case for sim in disputes])
        for case_id, pk in rows.order_by("id").values_list("case_id", "id"):
            ids.setdefault(case_id, []).append(pk)
        for sim in disputes:
            for (attempt, _row), pk in zip(sim.mediations, ids.get(sim.case.pk, []), strict=True):
                attempt.pk = pk
    for sim in disputes:
        for attempt, row in sim.mediations:
            row.payload["mediation"] = attempt.pk


__all__ = [
    "build_demo_events",
    "category_names",
    "dispute_count",
    "event_count",
    "load_units",
    "plan_scripts",
    "reset_demo_events",
    "simulate",
]
