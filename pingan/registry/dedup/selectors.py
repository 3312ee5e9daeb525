"""Scoped reads of the duplicate finder: who may run it, over which people, and the cache.

Permission: region positions with a working role — grid workers (their grid), village
staff, town and county operators, the county commander — over the people in their scope
(`selectors.visible_people`), optionally narrowed to a region inside it. Department
positions (gates open single cards, not the whole population), read-only roles and the
three administrators get `PermissionDenied`, audited.

A county-wide run reads every person in scope (about 20 s for 1,000,000 people on the
2-core benchmark machine, docs/benchmarks.md), so each process keeps the last few
results, keyed by the scope and a stamp of the people in it (count, highest id, latest
change): any registration, correction or merge in the scope changes the stamp and the
next request recomputes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.regions.models import Region
from pingan.registry.dedup.finder import Candidate, FinderResult, find_duplicates
from pingan.registry.models import Person
from pingan.registry.selectors import visible_people

DEDUP_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.VILLAGE_STAFF,
        Role.TOWN_OPERATOR,
        Role.COUNTY_OPERATOR,
        Role.COUNTY_COMMANDER,
    }
)
CACHE_SIZE = 8

_cache: OrderedDict[tuple, FinderResult] = OrderedDict()
_lock = threading.Lock()


def reset_dedup_cache() -> None:
    """Forget every cached result (tests; nothing else needs it: stamps go stale)."""
    with _lock:
        _cache.clear()


def require_dedup_role(actor: Actor) -> None:
    """Raise `PermissionDenied` (audited) unless the actor may run the duplicate finder."""
    if actor.position is None or actor.is_department or actor.role not in DEDUP_ROLES:
        audit_log(
            actor=actor,
            action="permission.denied",
            object_type="registry.duplicates",
            ip=actor.ip,
            outcome="denied",
            detail={"reason": "dedup_role", "role": actor.role or ""},
        )
        raise PermissionDenied(
            _("当前岗位不能查找重复人员（网格员、村/社区工作人员和乡镇、县综治中心可以）。")
        )


def dedup_people(actor: Actor, region: str = "") -> QuerySet[Person]:
    """The people the finder compares: the actor's scope, or `region` inside it.

    Raises `ValidationError` ({"region": …}) for a region that does not exist or lies
    outside the scope."""
    people = visible_people(actor)
    region = (region or "").strip()
    if region:
        scope = actor.scope_code or ""
        if not region.startswith(scope) or not Region.objects.filter(code=region).exists():
            raise ValidationError({"region": [_("区划不存在或不在您的管辖范围内。")]})
        people = people.filter(region_code__startswith=region)
    return people


def _stamp(people: QuerySet[Person]) -> tuple:
    row = people.order_by().aggregate(n=Count("id"), top=Max("id"), changed=Max("updated_at"))
    return (row["n"], row["top"], row["changed"])


def duplicate_candidates(actor: Actor, region: str = "") -> FinderResult:
    """Candidate duplicate pairs among the people the actor may compare, best first.

    Permission: `require_dedup_role`. Reads only; not audited (every candidate shown is a
    person the actor may read anyway)."""
    require_dedup_role(actor)
    people = dedup_people(actor, region)
    key = (actor.scope_code, (region or "").strip(), _stamp(people))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    result = find_duplicates(people)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


@dataclass(frozen=True)
class PairView:
    """A candidate pair with both people loaded (for the API and the page)."""

    candidate: Candidate
    left: Person
    right: Person


def load_pairs(actor: Actor, candidates: list[Candidate]) -> list[PairView]:
    """The people of one page of candidates, read again through the actor's scope (a pair
    whose person has since been merged away or moved out of scope is dropped)."""
    ids = {c.left_id for c in candidates} | {c.right_id for c in candidates}
    people = {p.pk: p for p in visible_people(actor).filter(pk__in=ids)}
    return [
        PairView(c, people[c.left_id], people[c.right_id])
        for c in candidates
        if c.left_id in people and c.right_id in people
    ]
