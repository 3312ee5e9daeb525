"""Reads of the region tree. Region data is not sensitive: any signed-in user may read it,
so these take codes rather than an actor (operational scoping is `accounts.scope`).

All subtree reads are prefix matches on the code (DESIGN §4.1), which the primary-key index
serves on both SQLite and PostgreSQL (varchar_pattern_ops "_like" index).
"""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext as _

from pingan.regions.models import GRID_LEVELS, LEVEL_BY_CODE_LENGTH, Region, RegionLevel

CODE_LENGTHS = sorted(LEVEL_BY_CODE_LENGTH)


def region_get(code: str) -> Region:
    """One region by code, or Http404 (with a Chinese message) when there is none."""
    region = Region.objects.filter(code=str(code)).first()
    if region is None:
        raise Http404(_("区划编码 %(code)s 不存在。") % {"code": str(code)[:18]})
    return region


def region_subtree(code: str) -> QuerySet[Region]:
    """The region `code` and everything under it, ordered by code (parents first)."""
    return Region.objects.filter(code__startswith=code).order_by("code")


def region_children(code: str | None) -> QuerySet[Region]:
    """Direct children of `code`, or the top-level regions (provinces) for None."""
    if code is None:
        return Region.objects.filter(parent__isnull=True).order_by("code")
    return Region.objects.filter(parent_id=code).order_by("code")


def grids_in(code: str, *, include_microgrids: bool = False) -> QuerySet[Region]:
    """Grids under `code` (the region itself when it is a grid), optionally micro-grids too."""
    levels = GRID_LEVELS if include_microgrids else (RegionLevel.GRID,)
    return Region.objects.filter(level__in=levels, code__startswith=code).order_by("code")


def grid_count(code: str) -> int:
    """Number of grids (not micro-grids) under `code`, the region itself included."""
    return grids_in(code).count()


def grid_counts_by_child(code: str) -> dict[str, int]:
    """Grids under each direct child of `code`, in one GROUP BY query.

    Children are identified by code prefix, so the answer is {child code: grid count} for the
    children that have grids; use `.get(child_code, 0)` for the others. `code=""` counts per
    province.
    """
    longer = [n for n in CODE_LENGTHS if n > len(code)]
    if not longer:
        return {}
    child_length = longer[0]
    rows = (
        Region.objects.filter(level=RegionLevel.GRID, code__startswith=code)
        .order_by()
        .annotate(child=Substr("code", 1, child_length))
        .values("child")
        .annotate(n=Count("code"))
        .values_list("child", "n")
    )
    # When `code` is itself a grid, its own row comes back shorter than a child code: drop it.
    return {child: n for child, n in rows if len(child) == child_length}
