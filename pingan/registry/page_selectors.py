"""Scoped reads behind the registry web pages (`pingan.registry.views`).

Everything starts from the querysets of `selectors.py` (`visible_people`, `visible_cards`,
`visible_houses`, `visible_units`), so a page shows exactly what the API shows the same
position: region positions their region, departments only what their gates open, the three
administrators nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext as _

from pingan.accounts.models import User
from pingan.accounts.roles import ADMIN_ROLES, Role
from pingan.accounts.scope import Actor
from pingan.core.reveal import NO_REVEAL_ROLES
from pingan.regions.models import Region, RegionLevel
from pingan.registry.exporting import EXPORT_ROLES
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import (
    Card,
    CardStatus,
    House,
    Person,
    RegistryImport,
    Visit,
)
from pingan.registry.selectors import (
    OVERDUE_LEVELS,
    gated_kinds,
    house_list,
    overdue_cards,
    search_people,
    visible_cards,
    visible_houses,
    visible_people,
    visible_units,
)

REGION_OPTION_LEVELS = (RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID)
REGION_OPTION_CAP = 1000
RECENT_VISITS = 20
RECENT_IMPORTS = 10
OVERDUE_GROUPINGS = ("town", "village", "grid", "responsible")


# --- who may use which page -------------------------------------------------------------


def registry_refusal(actor: Actor) -> str | None:
    """Why the actor may not open the registry pages at all (Chinese), None when they may.

    Region positions (grid worker … county, leaders read-only) may; departments only when a
    gate opens at least one card kind to them; the three administrators never (三员分立)."""
    if actor.position is None:
        return _("当前账户没有有效岗位。")
    if actor.role in ADMIN_ROLES:
        return _("系统、安全和审计管理员不查阅居民信息（三员分立）。")
    if actor.is_department and not gated_kinds(actor):
        return _("本部门没有经数据闸门开放的人员类型，不能查阅基础信息。")
    return None


def may_write(actor: Actor) -> bool:
    """Region positions with a writing role register, visit and import (the services decide;
    this only says which forms a page offers)."""
    return actor.position is not None and not (
        actor.is_department or actor.is_read_only or actor.role in ADMIN_ROLES
    )


def may_export(actor: Actor) -> bool:
    """The roles `exporting.export_people` lets export (departments: their gated kinds)."""
    return actor.is_department or actor.role in EXPORT_ROLES


def reveal_refusal(actor: Actor) -> str | None:
    """Why the actor's position may never reveal full values (shown instead of the button)."""
    if actor.role in NO_REVEAL_ROLES:
        if actor.role == Role.LEADER:
            return _("领导岗位只读，不能查看完整身份证号、电话等敏感信息。")
        return _("您当前的岗位不能查看敏感信息的完整内容。")
    return None


def page_kinds(actor: Actor) -> list[tuple[str, str]]:
    """(kind, label) of the card kinds the actor may filter by."""
    kinds = gated_kinds(actor) if actor.is_department else list(SPECS)
    return [(kind, str(CardKind(kind).label)) for kind in kinds]


# --- regions ----------------------------------------------------------------------------


def region_in_scope(actor: Actor, code: str) -> Region | None:
    """The region `code` when it lies inside the actor's scope, else None (for filters:
    unknown and out-of-scope codes look alike)."""
    prefix = actor.scope_code
    if not prefix or not code.startswith(prefix):
        return None
    return Region.objects.filter(code=code).only("code", "name", "level").first()


def region_options(actor: Actor) -> list[Region]:
    """Towns, villages and grids below the actor's scope root for the region filter
    (capped: a province-wide position types a code instead)."""
    prefix = actor.scope_code
    if not prefix:
        return []
    return list(
        Region.objects.filter(code__startswith=prefix, level__in=REGION_OPTION_LEVELS)
        .exclude(code=prefix)
        .only("code", "name", "level")
        .order_by("code")[:REGION_OPTION_CAP]
    )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """{code: name} for a page's worth of region codes, one query."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


# --- people -----------------------------------------------------------------------------


def people_list(
    actor: Actor, *, q: str = "", region: str = "", kind: str = "", risk: int | None = None
) -> QuerySet[Person]:
    """`search_people` (same query language as the API, visible cards prefetched) narrowed
    to a region subtree and to people with an active visible card of `kind` and/or at risk
    level `risk`. Raises `ValidationError` ({"q": …}) for a malformed query."""
    people = search_people(actor, q)
    if region:
        people = people.filter(region_code__startswith=region)
    if kind or risk is not None:
        cards = visible_cards(actor).filter(person=OuterRef("pk"), status=CardStatus.ACTIVE)
        if kind:
            cards = cards.filter(kind=kind)
        if risk is not None:
            cards = cards.filter(risk_level=risk)
        people = people.filter(Exists(cards))
    return people


def person_house(actor: Actor, person: Person) -> House | None:
    """The person's house when the actor may open it (departments never see houses)."""
    if not person.house_id:
        return None
    return visible_houses(actor).filter(pk=person.house_id).first()


def person_visits(actor: Actor, person: Person) -> list[Visit]:
    """The latest visits on the person's cards the actor may read, newest first."""
    cards = visible_cards(actor).filter(person=person).values("pk")
    visits = (
        Visit.objects.filter(card__in=cards)
        .select_related("visitor", "card")
        .order_by("-visited_at", "-id")
    )
    return list(visits[:RECENT_VISITS])


# --- houses and units -------------------------------------------------------------------


def houses_list(actor: Actor, *, address: str = "", region: str = "") -> QuerySet[House]:
    houses = house_list(actor, address)
    if region:
        houses = houses.filter(region_code__startswith=region)
    return houses


def house_occupants(actor: Actor, house: House) -> QuerySet[Person]:
    """Registered occupants of a house the caller obtained through `access_house`, those
    the actor may read, with their visible cards."""
    return search_people(actor).filter(house=house)


def house_owner(actor: Actor, house: House) -> Person | None:
    if not house.owner_id:
        return None
    return visible_people(actor).filter(pk=house.owner_id).first()


def units_list(
    actor: Actor, model: type, *, kind: str = "", q: str = "", region: str = ""
) -> QuerySet:
    units = visible_units(actor, model)
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(name__contains=q)
    if region:
        units = units.filter(region_code__startswith=region)
    return units


# --- overdue visits ---------------------------------------------------------------------


def overdue_list(
    actor: Actor,
    *,
    region: str = "",
    kind: str = "",
    responsible: int | None = None,
    today: date | None = None,
) -> QuerySet[Card]:
    """Active cards in scope whose next visit date has passed (`selectors.overdue_cards`),
    narrowed by region subtree, kind and responsible user; most overdue first."""
    cards = overdue_cards(actor, today=today)
    if region:
        cards = cards.filter(region_code__startswith=region)
    if kind:
        cards = cards.filter(kind=kind)
    if responsible is not None:
        cards = cards.filter(responsible_id=responsible)
    return cards


def default_grouping(actor: Actor) -> str:
    """One level below the actor's scope: county → towns, town → villages, village → grids,
    a grid worker → responsible people."""
    length = len(actor.scope_code or "")
    if length < OVERDUE_LEVELS["town"]:
        return "town"
    if length < OVERDUE_LEVELS["village"]:
        return "village"
    if length < OVERDUE_LEVELS["grid"]:
        return "grid"
    return "responsible"


def overdue_summary(cards: QuerySet[Card], by: str) -> list[dict]:
    """Counts of an `overdue_list` grouped by town, village, grid or responsible user:
    [{"key", "name", "count"}], largest first. Cards filed above the grouping level (e.g.
    on a village when grouping by grid) count under their own code."""
    base = cards.select_related(None).order_by()
    if by == "responsible":
        rows = base.values("responsible_id").annotate(n=Count("id"))
        counts = [(r["responsible_id"], r["n"]) for r in rows]
        users = User.objects.filter(pk__in=[k for k, _n in counts if k is not None])
        names = {u.pk: u.full_name or u.username for u in users}
        result = [
            {"key": "" if k is None else k, "name": names.get(k, _("未指定责任人")), "count": n}
            for k, n in counts
        ]
    else:
        length = OVERDUE_LEVELS[by]
        rows = base.annotate(key=Substr("region_code", 1, length)).values("key")
        counts = [(r["key"], r["n"]) for r in rows.annotate(n=Count("id"))]
        names = region_names(k for k, _n in counts)
        result = [{"key": k, "name": names.get(k, k), "count": n} for k, n in counts]
    return sorted(result, key=lambda r: (-r["count"], str(r["key"])))


def responsible_name(actor: Actor, user_id: int | None) -> str:
    """Name of the responsible user a filter names (only users on visible cards)."""
    if user_id is None:
        return ""
    if not visible_cards(actor).filter(responsible_id=user_id).exists():
        return ""
    user = User.objects.filter(pk=user_id).first()
    return (user.full_name or user.username) if user else ""


# --- imports ----------------------------------------------------------------------------


def own_import(actor: Actor, import_id: int | str) -> RegistryImport:
    """An import job of the acting user (anyone else's, or a missing one: 404). The stored
    report and file are loaded (and decrypted) only when read."""
    try:
        job = (
            RegistryImport.objects.filter(pk=int(import_id), user=actor.user)
            .defer("report", "staged")
            .first()
        )
    except (TypeError, ValueError):
        job = None
    if job is None:
        raise Http404
    return job


def import_files(job: RegistryImport) -> dict[str, bool]:
    """Whether the job keeps an error report and a staged file, without decrypting them."""
    row = RegistryImport.objects.filter(pk=job.pk)
    return {
        "has_report": row.exclude(report="").exists(),
        "staged": row.exclude(staged="").exists(),
    }


def recent_imports(actor: Actor) -> list[RegistryImport]:
    """The user's latest import jobs (without decrypting the stored files)."""
    jobs = RegistryImport.objects.filter(user=actor.user).defer("report", "staged")
    return list(jobs.order_by("-created_at", "-id")[:RECENT_IMPORTS])
