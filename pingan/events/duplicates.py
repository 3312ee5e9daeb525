"""Duplicate hints at acceptance and merging a duplicate into its parent case.

Candidates for an event are other open events in the same or a neighbouring grid (grids of
the same village, and grids of the same town whose boundaries touch) reported within 7 days
of it, whose descriptions share enough words: Jaccard similarity of jieba tokens without
stop words and punctuation, at least 0.3, best first. Merging closes the duplicate, links it
to the parent and records its reporter so both reporters can be kept informed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.events.casetype import CLOSED, OPEN, PENDING
from pingan.events.models import EventDetail
from pingan.events.models_extra import CaseMerge
from pingan.flow import clocks, hooks
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case, CaseAction
from pingan.flow.rules import holder
from pingan.flow.selectors import visible_cases
from pingan.flow.services import available_actions
from pingan.flow.units import actor_unit
from pingan.regions.models import Region, RegionLevel

WINDOW = dt.timedelta(days=7)
MIN_SIMILARITY = 0.3
MAX_CANDIDATES = 20
GRID_CODE_LENGTH = 15
_STOPWORD_TEXT = """
的 了 在 是 和 与 及 或 有 也 都 就 又 还 等 被 把 对 为 因 因为 由 从 到 向 于 其 这 那
该 此 个 一 一个 一些 我 你 他 她 它 我们 你们 他们 她们 自己 之 而 但 但是 并 并且 所以
如果 因此 已 已经 正在 将 会 能 可 可以 要 需要 没有 不 没 很 较 比较 非常 再 只 才 些 上
下 中 内 外 里 后 前 时 时候 现在 目前 今天 昨天 发现 存在 情况 问题 反映 报告 进行 造成
导致 出现 发生 处 请 予以 相关 有关 附近 一下 着 过 吗 呢 吧 啊 呀 哦 嗯 及其 以及 其中
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_jieba_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokens(text: str) -> frozenset[str]:
    """Content words of `text`: jieba tokens minus stop words, punctuation and spaces."""
    with _jieba_lock:  # jieba's lazy structures are not thread-safe
        words = _tokenizer().lcut(text or "")
    return frozenset(
        word.lower()
        for word in (w.strip() for w in words)
        if word and word not in STOPWORDS and any(ch.isalnum() for ch in word)
    )


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two token sets (0 when both are empty)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def neighbour_grids(grid_code: str) -> set[str]:
    """The grid, the other grids of its village, and grids of its town that touch it."""
    if len(grid_code) < GRID_CODE_LENGTH:
        return {grid_code} if grid_code else set()
    grid_code = grid_code[:GRID_CODE_LENGTH]
    grids = Region.objects.filter(
        code__startswith=grid_code[:9], level=RegionLevel.GRID
    ).values_list("code", "geometry")
    result = {grid_code}
    rows = dict(grids)
    own = _shape(rows.get(grid_code))
    for code, geometry in rows.items():
        if code[:12] == grid_code[:12]:
            result.add(code)
        elif own is not None:
            other = _shape(geometry)
            # A tiny tolerance: hand-drawn neighbours rarely share vertices exactly.
            if other is not None and own.distance(other) <= 1e-6:
                result.add(code)
    return result


def _shape(geometry):
    if not geometry:
        return None
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return geom if geom.is_valid else geom.buffer(0)


@dataclass(frozen=True)
class Candidate:
    case: Case
    score: float


def duplicate_candidates(actor: Actor, case: Case) -> list[Candidate]:
    """Open events the actor can see that may report the same thing as `case`.

    Same or neighbouring grid (by the event's grid, or its region when reported outside
    every grid: same village), reported within 7 days either side, not merged already,
    similarity ≥ 0.3; best score first, then earliest reported. At most 20.
    """
    detail = EventDetail.objects.filter(case=case).first()
    if detail is None:
        return []
    return similar_open_events(
        actor,
        area=detail.grid_code or case.region_code,
        text=detail.description,
        since=case.created_at - WINDOW,
        until=case.created_at + WINDOW,
        exclude_pk=case.pk,
    )


def similar_open_events(
    actor: Actor,
    *,
    area: str,
    text: str,
    since: dt.datetime,
    until: dt.datetime | None = None,
    exclude_pk: int | None = None,
    scan_cap: int | None = None,
) -> list[Candidate]:
    """Open, unmerged events the actor can see near `area` (a grid and its neighbours; for
    a coarser code, its village) reported between `since` and `until`, whose text is similar
    to `text` (Jaccard ≥ 0.3 over jieba tokens). Best score first, then earliest; at most
    20. `scan_cap` looks only at the newest that many (a hint while someone types)."""
    if len(area) >= GRID_CODE_LENGTH:
        prefixes = neighbour_grids(area)
    else:
        prefixes = {area[:12]} if len(area) >= 12 else {area}
    region_q = Q()
    for prefix in prefixes:
        region_q |= Q(region_code__startswith=prefix)
    others = (
        visible_cases(actor)
        .filter(region_q, case_type="event", state__in=OPEN, created_at__gte=since)
        .exclude(merged_into__isnull=False)
        .select_related("event")
        .distinct()
    )
    if until is not None:
        others = others.filter(created_at__lte=until)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if scan_cap is not None:
        others = others.order_by("-created_at", "-id")[:scan_cap]
    mine = tokens(text)
    found = []
    for other in others:
        event = getattr(other, "event", None)
        if event is None:
            continue
        score = similarity(mine, tokens(event.description))
        if score >= MIN_SIMILARITY:
            found.append(Candidate(other, round(score, 3)))
    found.sort(key=lambda c: (-c.score, c.case.created_at, c.case.pk))
    return found[:MAX_CANDIDATES]


def _history(actor: Actor, case: Case, action: str, note: str, payload: dict, now, to_state):
    from_state = case.state
    seq = case.actions.count() + 1
    CaseAction.objects.create(
        case=case,
        seq=seq,
        action=action,
        actor=actor.user,
        position=actor.position,
        unit_code=actor_unit(actor),
        role=actor.role or "",
        from_state=from_state,
        to_state=to_state,
        from_holder=case.holder_code,
        to_holder=case.holder_code,
        note=note,
        payload=payload,
        created_at=now,
    )
    # Step listeners (notify: tell the duplicate's reporter) see merges like any other step.
    case_pk = case.pk
    transaction.on_commit(lambda: hooks.step_committed(case_pk, seq))


def case_merge(*, actor: Actor, case: Case, into: Case, note: str = "") -> CaseMerge:
    """Merge the duplicate `case` into the parent `into`.

    Permission: the actor works in the unit holding `case`, which is still 待受理 (duplicates
    are caught at acceptance), and can see `into`; otherwise `ActionNotAllowed` (409). Both
    must be events; `into` must be open, not merged itself, and not the same case
    (`ActionInvalid` on `into`). Side effects, in one transaction: `case` is closed as merged
    (its clock stops, version +1) with a "merge" history row; `into` gets a "merge_in"
    history row (version +1); a `CaseMerge` link records the duplicate's reporter so the
    notify app can tell them; one audit record.
    """
    require_write(actor)
    note = (note or "").strip()
    if len(note) > 2000:
        raise ActionInvalid({"note": [_("说明不能超过 2000 字。")]})
    with transaction.atomic():
        # Lock both in id order so two merges the other way round cannot deadlock.
        locked = {
            row.pk: row
            for row in Case.objects.select_for_update()
            .filter(pk__in=[case.pk, into.pk])
            .order_by("pk")
        }
        child, parent = locked[case.pk], locked.get(into.pk)
        if child.version != case.version:
            from pingan.flow.errors import CaseConflict

            raise CaseConflict(available_actions(actor, child), child.state)
        if (
            child.case_type != "event"
            or child.state != PENDING
            or not holder(actor, child)
            or CaseMerge.objects.filter(child=child).exists()
        ):
            raise ActionNotAllowed(
                _("只有待受理事件的承办单位可以合并重复事件。"), available_actions(actor, child)
            )
        problem = None
        if parent is None or parent.pk == child.pk:
            problem = _("不能合并到自身。")
        elif parent.case_type != "event" or parent.state not in OPEN:
            problem = _("只能合并到未办结的网格事件。")
        elif CaseMerge.objects.filter(child=parent).exists():
            problem = _("目标事件本身已被合并，请合并到其主事件。")
        elif not visible_cases(actor).filter(pk=parent.pk).exists():
            problem = _("目标事件不存在或不在数据范围内。")
        if problem:
            raise ActionInvalid({"into": [problem]})
        now = timezone.now()
        _history(actor, child, "merge", note, {"into": parent.number}, now, CLOSED)
        child.state = CLOSED
        child.closed_at = now
        clocks.clock_stop(child)
        child.version += 1
        child.updated_at = now
        child.save()
        _history(actor, parent, "merge_in", note, {"child": child.number}, now, parent.state)
        parent.version += 1
        parent.updated_at = now
        parent.save(update_fields=["version", "updated_at"])
        link = CaseMerge.objects.create(
            child=child,
            parent=parent,
            child_reporter=child.reporter,
            merged_by=actor.user,
            unit_code=actor_unit(actor),
            note=note,
            created_at=now,
        )
        audit_log(
            actor=actor,
            action="case.merge",
            object_type="flow.case",
            object_id=child.number,
            region_code=child.region_code,
            ip=actor.ip,
            detail={"into": parent.number, "child_reporter": child.reporter_id},
        )
    case.refresh_from_db()
    return link


def public_case(case: Case) -> Case:
    """The case whose status a reporter should see: the parent for a merged duplicate."""
    link = CaseMerge.objects.select_related("parent").filter(child=case).first()
    return link.parent if link else case


def merge_data(case: Case) -> dict:
    """Merge links of a case for its detail: parent (with its state) and children.

    One query for both directions that reads only numbers and the parent's state (every
    case detail asks, and most cases have no link at all).
    """
    links = (
        CaseMerge.objects.filter(Q(child=case) | Q(parent=case))
        .order_by("id")
        .values_list("child_id", "child__number", "parent__number", "parent__state")
    )
    data: dict = {"merged_children": []}
    for child_id, child_number, parent_number, parent_state in links:
        if child_id == case.pk:
            data["merged_into"] = parent_number
            data["public_state"] = parent_state
        else:
            data["merged_children"].append(child_number)
    return data
