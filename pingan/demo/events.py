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
the real services with the same timestamps and checks both give the same rows. One
`demo.events` audit record states what was generated. Disputes (case type "dispute", same
states and actions) get their `DisputeDetail` and parties; mediation records are not
generated.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from pingan.accounts.models import Position
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.demo.eventsim import CaseSim
from pingan.demo.layout import COUNTY
from pingan.events.models import EventCategory, EventDetail
from pingan.flow import clocks
from pingan.flow.models import (
    Case,
    CaseAction,
    CaseNumberCounter,
    ClockAlert,
    Supervision,
)
from pingan.flow.types import get_case_type
from pingan.flow.units import roles_for_unit
from pingan.regions.models import Region, RegionLevel

EVENTS_BY_SIZE = {"small": 3_000, "county": 20_000}
DEFAULT_EVENTS = 150  # other sizes (the tests' tiny county)
DISPUTES_BY_SIZE = {"small": 300, "county": 2_000}
DEFAULT_DISPUTES = 40
WINDOW_DAYS = 90
EVENT, DISPUTE = "event", "dispute"
DEMO_ROOT = "99"
BATCH = 1000

# Hours between one step and the next: (low, high), drawn uniformly.
GAPS = {
    "accept": (0.2, 6),
    "escalate": (1, 20),
    "dispatch": (0.5, 8),
    "feedback": (10, 90),
    "verify_pass": (2, 36),
    "verify_fail": (2, 36),
    "close": (1, 20),
    "callback": (20, 90),
    "handle_locally": (0.5, 40),
    "supervise": (2, 60),
    "request_extension": (6, 40),
    "approve_extension": (1, 12),
    "deny_extension": (1, 12),
    "suspend": (4, 40),
    "resume": (48, 240),
    "return": (1, 20),
}
NOTES = {
    "handle_locally": "现场协调处置完毕，当事人无异议。",
    "escalate": "超出本级处置能力，上报上级。",
    "feedback": "已按要求处置完毕，附现场照片。",
    "verify_fail": "现场核查问题仍未解决，请返工。",
    "return": "不属于本部门职责，申请退回重新派遣。",
    "request_extension": "涉及多方协调，申请延期办理。",
    "deny_extension": "期限内可以办结，不予延期。",
    "suspend": "需等待司法程序结果，暂时挂起。",
    "supervise": "请加快办理并按时反馈。",
}
PLACES = ["村委会旁", "小学门口", "农贸市场", "卫生室附近", "文化广场", "主干道边", "河堤", "集镇"]
DISPUTES = [
    "{place}两户村民因{cat}发生争执，双方各执一词，请求调解。",
    "群众反映{cat}，涉及多户家庭，矛盾有激化苗头。",
    "{place}因{cat}引发口角，网格员已现场劝解，需进一步调处。",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PROBLEMS = [
    "群众反映{cat}问题，影响周边居民生活，请尽快处理。",
    "巡查发现{cat}情况，已拍照留存，需相关单位处置。",
    "{place}出现{cat}问题，多名群众来电反映。",
    "网格内{cat}隐患，存在安全风险，建议尽快整治。",
    "{place}附近{cat}，当事双方情绪激动，需协调化解。",
]


@dataclass
class Step:
    action: str
    unit: str
    gap_hours: float
    note: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime | None = None


@dataclass
class Script:
    """One demo event: the report and the steps taken on it (already cut at "now")."""

    reporter_unit: str
    holder: str
    grid: str
    category: str
    urgency: str
    reporter_kind: str
    description: str
    address: str
    lng: float
    lat: float
    reported_at: dt.datetime
    steps: list[Step]
    path: str
    case_type: str = "event"
    scale: str = ""  # disputes: 一般 / 较大 / 重大
    parties: list[tuple[str, str]] = field(default_factory=list)  # (name, role)
    people: int = 0


@dataclass
class Town:
    code: str
    grids: list[str]
    worker_grid: str = ""
    village_staff: bool = False
    stations: list[str] = field(default_factory=list)


@dataclass
class DemoUnits:
    """The demo units that have a working account, and the position acting for each."""

    positions: dict[str, Position]
    towns: list[Town]
    departments: list[str]
    geometry: dict[str, Any]
    names: dict[str, str]


def load_units() -> DemoUnits:
    positions: dict[str, Position] = {}
    for position in (
        Position.objects.select_related("user", "region", "department")
        .filter(
            Q(region__code__startswith=DEMO_ROOT)
            | Q(department__region__code__startswith=DEMO_ROOT),
            active=True,
        )
        .order_by("id")
    ):
        unit = position.unit_code
        if position.role in roles_for_unit(unit) and unit not in positions:
            positions[unit] = position
    regions = list(
        Region.objects.filter(code__startswith=COUNTY[0])
        .filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID])
        .values_list("code", "name", "level", "geometry")
        .order_by("code")
    )
    names = {code: name for code, name, _, _ in regions}
    geometry = {code: geo for code, _, level, geo in regions if level == RegionLevel.GRID}
    towns = []
    for code, _, level, _ in regions:
        if level != RegionLevel.TOWN or code not in positions:
            continue
        grids = [g for g in geometry if g.startswith(code)]
        workers = [g for g in grids if g in positions]
        town = Town(code=code, grids=grids, worker_grid=workers[0] if workers else "")
        town.village_staff = bool(town.worker_grid) and town.worker_grid[:12] in positions
        town.stations = sorted(u for u in positions if u.startswith(code + "-"))
        if grids:
            towns.append(town)
    departments = sorted(u for u in positions if u.startswith(COUNTY[0] + "-"))
    return DemoUnits(positions, towns, departments, geometry, names)


# --- planning ------------------------------------------------------------------------------
class _Path:
    """Builds the step list of one script while tracking holder and state."""

    def __init__(self, rng: random.Random, slow: float) -> None:
        self.rng, self.slow, self.steps = rng, slow, []

    def add(self, action: str, unit: str, **params: Any) -> None:
        low, high = GAPS[action]
        gap = self.rng.uniform(low, high) * (self.slow if action != "callback" else 1)
        self.steps.append(Step(action, unit, gap, NOTES.get(action, ""), params))

    def maybe_supervise(self, superior: str, chance: float = 0.12) -> None:
        if self.rng.random() < chance:
            level = self.rng.choices(["normal", "yellow", "red"], [5, 3, 2])[0]
            self.add("supervise", superior, level=level)

    def maybe_extend(self, holder: str, approver: str, chance: float = 0.1) -> None:
        if self.rng.random() < chance:
            self.add("request_extension", holder, extend_days=self.rng.choice([2, 3, 5]))
            if self.rng.random() < 0.8:
                self.add("approve_extension", approver)
            else:
                self.add("deny_extension", approver)

    def maybe_suspend(self, command: str, chance: float = 0.05) -> bool:
        """True when the case stays suspended (the script ends here)."""
        if self.rng.random() >= chance:
            return False
        self.add("suspend", command)
        if self.rng.random() < 0.5:
            return True
        self.add("resume", command)
        return False

    def verify_tail(self, grid: str, command: str, handler: str) -> None:
        if self.rng.random() < 0.1:
            self.add("verify_fail", grid)
            self.add("feedback", handler)
        self.add("verify_pass", grid)
        self.add("close", command)
        satisfaction = self.rng.choices(
            ["satisfied", "basically_satisfied", "unsatisfied"], [80, 14, 6]
        )[0]
        self.add("callback", command, satisfaction=satisfaction)
        if satisfaction == "unsatisfied":
            self.add("feedback", command)
            self.add("verify_pass", grid)
            self.add("close", command)
            self.add("callback", command, satisfaction="basically_satisfied")


def _path_steps(rng: random.Random, kind: str, town: Town, units: DemoUnits) -> list[Step]:
    p = _Path(rng, slow=3.0 if rng.random() < 0.2 else 1.0)
    grid, county, t = town.worker_grid, COUNTY[0], town.code
    village = grid[:12]
    if kind == "grid_local":
        p.add("handle_locally", grid)
        if town.village_staff:
            p.add(
                "callback",
                village,
                satisfaction=rng.choice(["satisfied", "satisfied", "basically_satisfied"]),
            )
        return p.steps
    if kind == "village":
        p.add("accept", village)
        p.maybe_supervise(t)
        p.add("handle_locally", village)
        p.add("callback", village, satisfaction="satisfied")
        return p.steps
    if kind == "village_escalate":
        p.add("accept", village)
        p.add("escalate", village)
    p.add("accept", t)
    if kind in ("town", "village_escalate"):
        if p.maybe_suspend(t):
            return p.steps
        p.maybe_supervise(county)
        p.maybe_extend(t, county)
        p.add("feedback", t)
        p.maybe_supervise(t, 0.05)
        p.verify_tail(grid, t, t)
        return p.steps
    if kind == "station":
        station = rng.choice(town.stations)
        p.add("dispatch", t, department=station)
        p.maybe_supervise(t, 0.2)
        p.add("accept", station)
        p.maybe_extend(station, t)
        p.add("feedback", station)
        p.verify_tail(grid, t, station)
        return p.steps
    # county: the town escalates, the county centre dispatches to a county department.
    p.add("escalate", t)
    p.add("accept", county)
    dept = rng.choice(units.departments)
    p.add("dispatch", county, department=dept)
    if rng.random() < 0.08:
        p.add("return", dept)
        p.add("accept", county)
        dept = rng.choice([d for d in units.departments if d != dept] or [dept])
        p.add("dispatch", county, department=dept)
    p.maybe_supervise(county, 0.25)
    p.add("accept", dept)
    if p.maybe_suspend(county, 0.06):
        return p.steps
    p.maybe_extend(dept, county, 0.15)
    p.maybe_supervise(county, 0.1)
    p.add("feedback", dept)
    p.verify_tail(grid, county, dept)
    return p.steps


def _kinds(town: Town) -> list[tuple[str, int]]:
    kinds = [("town", 30), ("county", 28)]
    if town.worker_grid:
        kinds.append(("grid_local", 8))
    if town.village_staff:
        kinds += [("village", 10), ("village_escalate", 12)]
    if town.stations:
        kinds.append(("station", 12))
    return kinds


def _point(rng: random.Random, geojson: dict) -> tuple[float, float]:
    polygon = shape(geojson)
    prepared = prep(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(60):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if prepared.contains(Point(x, y)):
            return round(x, 6), round(y, 6)
    c = polygon.representative_point()
    return round(c.x, 6), round(c.y, 6)


def _categories(case_type: str) -> list[tuple[str, str]]:
    if case_type == DISPUTE:
        from pingan.events.models import DisputeCategory

        rows = DisputeCategory.objects.filter(active=True)
    else:
        rows = EventCategory.objects.filter(active=True, parent__isnull=False)
    return list(rows.order_by("code").values_list("code", "name"))


def _category_names(case_type: str) -> dict[str, str]:
    if case_type == DISPUTE:
        from pingan.events.models import DisputeCategory

        return dict(DisputeCategory.objects.values_list("code", "name"))
    return dict(EventCategory.objects.values_list("code", "name"))


def plan_scripts(
    seed: int, count: int, now: dt.datetime, units: DemoUnits, case_type: str = "event"
) -> list[Script]:
    """`count` scripts from `seed`, timed relative to `now` and cut at `now`, oldest first."""
    rng = random.Random(f"demo-{case_type}-{seed}")  # noqa: S311 - demo data, not secrets
    categories = _categories(case_type)
    towns = [t for t in units.towns if t.worker_grid]
    local_now = timezone.localtime(now)
    scripts = []
    for _ in range(count):
        town = rng.choice(towns)
        kinds = _kinds(town)
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        steps = _path_steps(rng, kind, town, units)
        age_days = WINDOW_DAYS * rng.random() ** 1.3
        day = (local_now - dt.timedelta(days=age_days)).date()
        reported = dt.datetime.combine(
            day, dt.time(rng.randint(7, 20), rng.randint(0, 59), rng.randint(0, 59))
        )
        reported = timezone.make_aware(reported).astimezone(dt.UTC)
        if reported >= now - dt.timedelta(minutes=5):
            reported = now - dt.timedelta(minutes=rng.randint(5, 600))
        stall = rng.randint(0, len(steps)) if rng.random() < 0.12 else len(steps)
        at, kept = reported, []
        for step in steps[:stall]:
            at = (at + dt.timedelta(hours=step.gap_hours)).replace(microsecond=0)
            if at > now - dt.timedelta(minutes=1):
                break
            step.at = at
            kept.append(step)
        code, name = rng.choice(categories)
        urgency = rng.choices(["low", "medium", "high"], [72, 21, 7])[0]
        extra: dict[str, Any] = {}
        if case_type == DISPUTE:
            scale = rng.choices(["ordinary", "large", "major"], [80, 16, 4])[0]
            urgency = {"ordinary": "low", "large": "medium", "major": "high"}[scale]
            names = [rng.choice(SURNAMES) + "某" + "甲乙丙丁"[i] for i in range(rng.randint(2, 4))]
            extra = {
                "case_type": DISPUTE,
                "scale": scale,
                "parties": [
                    (n, "applicant" if i == 0 else "respondent") for i, n in enumerate(names)
                ],
                "people": len(names) + rng.randint(0, 8),
            }
        grid_worker = kind in ("grid_local", "village", "village_escalate")
        needs_grid = grid_worker or any(s.unit == town.worker_grid for s in kept)
        grid = town.worker_grid if needs_grid else rng.choice(town.grids)
        lng, lat = _point(rng, units.geometry[grid])
        place = rng.choice(PLACES)
        village_name = units.names.get(grid[:12], "")
        scripts.append(
            Script(
                reporter_unit=grid if grid_worker else town.code,
                holder=grid[:12] if grid_worker else town.code,
                grid=grid,
                category=code,
                urgency=urgency,
                reporter_kind="grid_worker"
                if grid_worker
                else rng.choice(["hotline", "hotline", "citizen", "sms"]),
                description=rng.choice(DISPUTES if case_type == DISPUTE else PROBLEMS).format(
                    cat=name, place=place
                ),
                address=f"{village_name}{place}",
                lng=lng,
                lat=lat,
                reported_at=reported,
                steps=kept,
                path=kind,
                **extra,
            )
        )
    scripts.sort(key=lambda s: s.reported_at)
    return scripts


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
        from pingan.events.models import DisputeDetail, DisputeParty

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


def play_with_services(script: Script, units: DemoUnits, now: dt.datetime) -> Case:
    """Play one script through `case_open` / `case_act` (with the steps' timestamps).

    Used by the tests to check the bulk mirror; writes an audit record per step.
    """
    from pingan.flow.deadlines import scan_deadlines
    from pingan.flow.services import case_act, case_open

    names = _category_names(script.case_type)
    reporter = units.positions[script.reporter_unit]
    with transaction.atomic():
        case = case_open(
            actor=Actor(reporter.user, reporter),
            case_type=script.case_type,
            region_code=script.grid,
            holder_code=script.holder,
            title=_title(script, names),
            category_code=script.category,
            urgency=script.urgency,
            origin_code=script.reporter_unit,
            note=script.description,
            payload=_report_payload(script),
            now=script.reported_at,
        )
        for row in _detail_rows(script, case, reporter.user_id):
            row.save(force_insert=True)
    for step in script.steps:
        position = units.positions[step.unit]
        case = case_act(
            actor=Actor(position.user, position),
            case=case,
            action=step.action,
            note=step.note,
            now=step.at,
            **step_params(step, case, step.at),
        )
    scan_deadlines(now=now)
    return Case.objects.get(pk=case.pk)


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
    """Play one script in memory; returns the `CaseSim` with the rows to insert."""
    sim = CaseSim(get_case_type(script.case_type), limit)
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
        sim.act(
            units.positions[step.unit],
            step.action,
            step.at,
            step.note,
            **step_params(step, sim.case, step.at),
        )
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
        names, limit = _category_names(case_type), _limit_cache(case_type)
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
        },
    )
    return result


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
    CaseAction.objects.bulk_create(actions, batch_size=BATCH)
    Supervision.objects.bulk_create(cards, batch_size=BATCH)
    ClockAlert.objects.bulk_create(alerts, batch_size=BATCH)


__all__ = [
    "build_demo_events",
    "dispute_count",
    "event_count",
    "load_units",
    "plan_scripts",
    "play_with_services",
    "reset_demo_events",
    "simulate",
]
