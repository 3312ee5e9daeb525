"""Home page and the scoped map data behind it. Thin: reads come from `selectors`."""

from __future__ import annotations

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pingan.accounts.selectors import active_positions
from pingan.web import selectors
from pingan.web.context import request_actor
from pingan.web.geojson import map_feature_collection
from pingan.web.panels import role_panel


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What the acting position covers: its region (drillable via ?region=) or department."""
    actor = request_actor(request)
    requested = request.GET.get("region", "").strip()
    context = {
        "nav_active": "home",
        "positions": list(active_positions(request.user)),
        "panel": role_panel(actor),
    }
    if actor.position is not None:
        region = selectors.region_in_scope(actor, requested)
        rows = selectors.sub_regions_with_grid_counts(region)
        context.update(
            region=region,
            trail=selectors.region_trail(actor, region),
            sub_regions=rows,
            # Below a village the children are grids themselves: a per-row count says nothing.
            show_grid_counts=any(not row.region.is_grid for row in rows),
            grid_total=selectors.grid_count(region),
            map_tile_url=settings.PINGAN_MAP_TILE_URL,
            map_tile_attribution=settings.PINGAN_MAP_TILE_ATTRIBUTION,
        )
    elif requested:
        # No position, no scope: any region is "not yours".
        raise Http404
    if actor.is_department:
        context["department"] = actor.position.department
    return render(request, "web/home.html", context)


@login_required
@require_GET
def grids_geojson(request: HttpRequest) -> HttpResponse:
    """FeatureCollection of the grids under ?region= (default: the actor's scope root).

    Out of scope or unknown region → 404. Over MAP_FEATURE_CAP grids, coarser areas
    (villages, then towns …) are returned instead and `feature_level` says which.
    """
    actor = request_actor(request)
    region = selectors.region_in_scope(actor, request.GET.get("region", "").strip())
    level, grid_count = selectors.map_level(region)
    rows, truncated = selectors.map_regions(region, level)
    data = map_feature_collection(
        region=region,
        level=level,
        rows=rows,
        grid_count=grid_count,
        truncated=truncated,
        outlines=selectors.child_outlines(region, level),
    )
    response = HttpResponse(orjson.dumps(data), content_type="application/geo+json")
    # Scoped data: never shared between users by a proxy.
    response["Cache-Control"] = "private, no-store"
    return response
