"""Planning the demo events and disputes: who reports what, where, and which steps follow.

`plan_scripts` draws, from the seed, one script per case: a report by a real demo account
and the steps that followed, each by the demo account whose unit may take it, with gaps
between them; steps that would fall after "now" are cut. Disputes also get mediation
attempts, an agreement and its 司法确认 (`disputeplan`). `pingan.demo.events` plays and
stores them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from pingan.accounts.models import Position
from pingan.demo import disputeplan
from pingan.demo.layout import COUNTY
from pingan.events.models import DisputeCategory, EventCategory
from pingan.flow.units import roles_for_unit
from pingan.regions.models import Region, RegionLevel

EVENT, DISPUTE = "event", "dispute"
WINDOW_DAYS = 90
DEMO_ROOT = "99"

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


def _kinds(town: Town, case_type: str = EVENT) -> list[tuple[str, int]]:
    kinds = [("town", 30), ("county", 28)]
    # A dispute is mediated while a unit handles it, so the grid worker does not close one
    # on the spot (that path never reaches 办理中).
    if town.worker_grid and case_type != DISPUTE:
        kinds.append(("grid_local", 8))
    if town.village_staff:
        kinds += [("village", 10), ("village_escalate", 12)]
    if town.stations:
        kinds.append(("station", 12))
    return kinds


def _command_unit(kind: str, town: Town) -> str:
    """The unit that answers for closing a case of this path (it accepted it first)."""
    if kind == "village":
        return town.worker_grid[:12]
    return COUNTY[0] if kind == "county" else town.code


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
        rows = DisputeCategory.objects.filter(active=True)
    else:
        rows = EventCategory.objects.filter(active=True, parent__isnull=False)
    return list(rows.order_by("code").values_list("code", "name"))


def category_names(case_type: str) -> dict[str, str]:
    if case_type == DISPUTE:
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
        kinds = _kinds(town, case_type)
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        steps = _path_steps(rng, kind, town, units)
        if case_type == DISPUTE:
            disputeplan.add_mediation(rng, steps, _command_unit(kind, town), units, Step)
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
            if step.action in disputeplan.OFFICE_STEPS:
                at = disputeplan.office_hours(at, rng)
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
            disputeplan.name_parties(kept, extra["parties"])
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
