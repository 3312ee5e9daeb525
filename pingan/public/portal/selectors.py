"""Reads of the citizen portal: the category and county choices, the county outlines for the
map, and what a citizen sees of their own case.

What a citizen sees of a case: its number, category, their own description, address and
photos, the state in plain words, and the public timeline (`public_steps`: what was done
and by which unit). Never staff names, internal notes, other attachments, or anything
about other people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import Point, shape

from pingan.events.geo import grid_for_point
from pingan.events.models import EventCategory, EventDetail
from pingan.events.models_extra import Attachment, CaseMerge
from pingan.flow.models import Case, Satisfaction
from pingan.flow.services import public_actions
from pingan.public.models import PublicReport
from pingan.public.selectors import PublicStep, public_steps
from pingan.regions.models import Region, RegionLevel
from pingan.web.geojson import feature

# The case states in the words a citizen uses.
STATE_WORDS = {
    "pending_accept": gettext_lazy("已登记，等待受理"),
    "handling": gettext_lazy("正在办理"),
    "verifying": gettext_lazy("已办理，正在核查办理结果"),
    "pending_close": gettext_lazy("核查通过，即将办结"),
    "suspended": gettext_lazy("暂缓办理"),
    "closed": gettext_lazy("已办结"),
    "archived": gettext_lazy("已办结并完成回访"),
}
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
OUTLINE_CACHE_SECONDS = 3600


def state_words(state: str) -> str:
    return str(STATE_WORDS[state]) if state in STATE_WORDS else _("办理中")


def category_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active categories for the report form: one group per top category with its active
    sub-categories (deeper levels named by their path); tops without children are grouped
    under "其他类别" as choices of their own."""
    rows = list(EventCategory.objects.filter(active=True).order_by("sort", "code"))
    by_code = {row.code: row for row in rows}
    children: dict[str, list[EventCategory]] = {}
    tops: list[EventCategory] = []
    for row in rows:
        if row.parent_id and row.parent_id in by_code:
            children.setdefault(row.parent_id, []).append(row)
        elif not row.parent_id:
            tops.append(row)

    def leaves(node: EventCategory, prefix: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for child in children.get(node.code, []):
            label = f"{prefix}{child.name}"
            out.append((child.code, label))
            out.extend(leaves(child, f"{label} · "))
        return out

    groups, single = [], []
    for top in tops:
        choices = leaves(top, "")
        if choices:
            groups.append((top.name, choices))
        else:
            single.append((top.code, top.name))
    if single:
        groups.append((_("其他类别"), single))
    return groups


def counties() -> list[tuple[str, str]]:
    """(code, name) of every county-level region of this installation."""
    return list(
        Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").values_list("code", "name")
    )


def county_for_point(lng: float, lat: float) -> str | None:
    """The county of a point: its grid's county, else the county whose outline holds it."""
    grid = grid_for_point(lng, lat)
    if grid:
        return grid[:6]
    point = Point(lng, lat)
    rows = Region.objects.filter(level=RegionLevel.COUNTY, geometry__isnull=False)
    for code, geometry in rows.values_list("code", "geometry"):
        try:
            if shape(geometry).covers(point):
                return code
        except (GEOSException, ShapelyError, ValueError, TypeError, KeyError, AttributeError):
            continue
    return None


def county_outlines() -> dict:
    """A FeatureCollection of the county outlines (public administrative boundaries; grids
    are not shown to the public) plus the centre to open the map at.

    Simplifying the outlines is the costly part, so the result is cached under a key that
    changes whenever a county is added, removed or saved.
    """
    counties_qs = Region.objects.filter(level=RegionLevel.COUNTY)
    stamp = counties_qs.aggregate(n=Count("code"), at=Max("updated_at"))
    key = f"portal:counties:{stamp['n']}:{stamp['at'].isoformat() if stamp['at'] else '-'}"
    return cache.get_or_set(key, _county_outlines, OUTLINE_CACHE_SECONDS)


def _county_outlines() -> dict:
    rows = list(
        Region.objects.filter(level=RegionLevel.COUNTY)
        .order_by("code")
        .values_list("code", "name", "geometry", "centroid_lng", "centroid_lat")
    )
    features = [
        feature(code, name, RegionLevel.COUNTY, geometry)
        for code, name, geometry, _lng, _lat in rows
        if geometry
    ]
    centres = [(lng, lat) for *_rest, lng, lat in rows if lng is not None and lat is not None]
    centre = None
    if centres:
        centre = [
            sum(c[0] for c in centres) / len(centres),
            sum(c[1] for c in centres) / len(centres),
        ]
    return {"type": "FeatureCollection", "features": features, "centroid": centre}


def public_report_for(number: str) -> PublicReport | None:
    """The public report of a case number (the caller checks the citizen's proof)."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return PublicReport.objects.select_related("case").filter(case__number=number).first()


def citizen_photos(case: Case) -> QuerySet[Attachment]:
    """The photos the citizen sent with the report (staff uploads are never shown)."""
    return Attachment.objects.filter(
        case=case, uploaded_by__isnull=True, content_type__in=PHOTO_TYPES
    ).order_by("id")


def window_end(case: Case) -> dt.datetime | None:
    """Until when the citizen may rate and ask for reopening (None while not closed)."""
    if case.closed_at is None:
        return None
    return case.closed_at + dt.timedelta(days=settings.PINGAN_PUBLIC_REOPEN_DAYS)


def open_public_actions(case: Case, now: dt.datetime | None = None) -> list[str]:
    """The citizen's own actions open now: the engine's `public_actions` inside the window
    of PINGAN_PUBLIC_REOPEN_DAYS after closure."""
    end = window_end(case)
    if end is None or (now or timezone.now()) > end:
        return []
    return public_actions(case)


@dataclass
class CaseView:
    number: str
    state: str
    state_text: str
    category: str
    description: str
    address: str
    reported_at: dt.datetime
    steps: list[PublicStep]
    photos: list[int]
    satisfaction: str
    actions: list[str]
    window_end: dt.datetime | None
    merged_into: str = ""
    merged_state_text: str = ""


def case_view(case: Case) -> CaseView:
    """What the holder of the query code (or the phone's one-time code) sees."""
    detail = EventDetail.objects.select_related("category").filter(case=case).first()
    merge = CaseMerge.objects.select_related("parent").filter(child=case).first()
    satisfaction = ""
    if case.satisfaction in Satisfaction.values:
        satisfaction = Satisfaction(case.satisfaction).label
    return CaseView(
        number=case.number,
        state=case.state,
        state_text=state_words(case.state),
        category=detail.category.name if detail else "",
        description=detail.description if detail else "",
        address=detail.address if detail else "",
        reported_at=case.created_at,
        steps=public_steps(case),
        photos=list(citizen_photos(case).values_list("id", flat=True)),
        satisfaction=str(satisfaction),
        actions=open_public_actions(case),
        window_end=window_end(case),
        merged_into=merge.parent.number if merge else "",
        merged_state_text=state_words(merge.parent.state) if merge else "",
    )


@dataclass(frozen=True)
class CaseRow:
    number: str
    category: str
    state_text: str
    reported_at: dt.datetime


def phone_cases(phone_hash: str) -> list[CaseRow]:
    """Cases reported with one phone (through any public channel), newest first."""
    if not phone_hash:
        return []
    reports = (
        PublicReport.objects.filter(phone_hash=phone_hash)
        .select_related("case")
        .order_by("-created_at", "-id")[:100]
    )
    reports = list(reports)
    names = dict(
        EventDetail.objects.filter(case__in=[r.case_id for r in reports]).values_list(
            "case_id", "category__name"
        )
    )
    return [
        CaseRow(
            number=r.case.number,
            category=names.get(r.case_id, ""),
            state_text=state_words(r.case.state),
            reported_at=r.case.created_at,
        )
        for r in reports
    ]
