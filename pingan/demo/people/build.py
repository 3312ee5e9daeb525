"""Building and deleting the demo people, batch by batch."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from pingan.audit.services import audit_log
from pingan.demo.layout import COUNTY
from pingan.demo.people.plan import Generator, plan_villages
from pingan.demo.people.specials import Quotas, code_values, pick_specials, schedule_visits
from pingan.demo.people.write import Workers, write_batch
from pingan.regions.models import Region, RegionLevel
from pingan.registry.models import Card, House, Person, Visit

DEMO_ROOT = COUNTY[0][:2]
# The county size asks for 500,000 residents; larger custom sizes are scaled down to this.
MAX_PEOPLE = 500_000
# People planned and written together: memory follows this, not the county's size.
BATCH_PEOPLE = 20_000


def _grids() -> dict[str, list[Region]]:
    """{village code: its grids, in code order}."""
    by_village: dict[str, list[Region]] = {}
    grids = Region.objects.filter(code__startswith=DEMO_ROOT, level=RegionLevel.GRID)
    for grid in grids.order_by("code").only("code", "centroid_lng", "centroid_lat"):
        by_village.setdefault(grid.code[:12], []).append(grid)
    return by_village


def _village_batches(residents_by_village: dict[str, int]):
    """Villages (code, name, residents) in code order, grouped into batches of about
    BATCH_PEOPLE residents (whole villages: a household never spans two batches)."""
    names = dict(Region.objects.filter(code__in=residents_by_village).values_list("code", "name"))
    batch: list[tuple[str, str, int]] = []
    size = 0
    for code, residents in sorted(residents_by_village.items()):
        batch.append((code, names.get(code, ""), residents))
        size += residents
        if size >= BATCH_PEOPLE:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def reset_demo_people() -> int:
    """Delete the demo's people, houses, cards and visits (before the demo is rebuilt).

    Raw deletes limited to region 99: visits are history and cards are protected by them,
    and the collector would fetch hundreds of thousands of rows one batch at a time.
    Runs before the demo users are deleted (visits point at their visitors)."""
    cards = Card.objects.filter(region_code__startswith=DEMO_ROOT)
    Visit.objects.filter(card__region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    Card.helpers.through.objects.filter(card__region_code__startswith=DEMO_ROOT)._raw_delete(
        DEFAULT_DB_ALIAS
    )
    cards._raw_delete(DEFAULT_DB_ALIAS)
    House.objects.filter(region_code__startswith=DEMO_ROOT).update(owner=None)
    deleted = Person.objects.filter(region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    House.objects.filter(region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    return deleted or 0


def build_demo_people(
    *,
    seed: int,
    residents_by_village: dict[str, int],
    today: dt.date | None = None,
) -> dict[str, int]:
    """Generate the demo residents (inside the demo build's transaction, after the regions
    and accounts), BATCH_PEOPLE at a time. Runs as the system: no permission check; one
    `demo.people` audit record with the counts. Returns {"people", "houses", "floating",
    "special_cards", "visits", "overdue_cards"}."""
    gen = Generator(seed, today or timezone.localdate())
    total = sum(residents_by_village.values())
    if total > MAX_PEOPLE:
        residents_by_village = {
            code: n * MAX_PEOPLE // total for code, n in residents_by_village.items()
        }
    grids = _grids()
    workers = Workers.load(DEMO_ROOT)
    quotas, valid, intervals = Quotas(), code_values(), {}
    now = timezone.now()
    counts = Counter(people=0, houses=0, floating=0, special_cards=0, visits=0, overdue_cards=0)
    by_kind: Counter = Counter()
    for villages in _village_batches(residents_by_village):
        batch = plan_villages(gen, villages, grids)
        specials = pick_specials(gen, batch.people, quotas, valid)
        for special in specials:
            schedule_visits(gen, special, intervals)
        counts["visits"] += write_batch(gen, batch, specials, workers, now)
        counts["people"] += len(batch.people)
        counts["houses"] += len(batch.houses)
        counts["floating"] += sum(p.floating for p in batch.people)
        counts["special_cards"] += len(specials)
        counts["overdue_cards"] += sum(
            1 for s in specials if s.next_visit is not None and s.next_visit < gen.today
        )
        by_kind.update(str(s.kind) for s in specials)
    result = dict(counts)
    audit_log(
        actor=None,
        username="pingan demo",
        action="demo.people",
        object_type="region",
        object_id=COUNTY[0],
        region_code=COUNTY[0],
        detail={"seed": seed, **result, "by_kind": dict(sorted(by_kind.items()))},
    )
    return result
