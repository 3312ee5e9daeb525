"""重复人员 pages: candidate pairs side by side (masked), a confirmation page per merge, the
merge itself (POST). Thin: `pingan.registry.dedup` finds, checks and merges."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pingan.accounts.scope import Actor
from pingan.registry.dedup.merge import check_merge_ids, merge_preview, person_merge
from pingan.registry.dedup.present import pairs_data, people_data
from pingan.registry.dedup.selectors import (
    duplicate_candidates,
    load_pairs,
    require_dedup_role,
)
from pingan.registry.page_selectors import region_names, region_options
from pingan.registry.selectors import access_person
from pingan.registry.services import ConflictError
from pingan.registry.views.common import field_errors, registry_page, shell_context

PAGE_SIZE = 20
LIST_URL = "/registry/duplicates/"


def _back(region: str, page: str = "") -> str:
    query = urlencode({k: v for k, v in (("region", region), ("page", page)) if v})
    return f"{LIST_URL}?{query}" if query else LIST_URL


@require_GET
@registry_page
def duplicates_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Candidate pairs in the actor's scope (or the chosen region inside it), best first,
    20 a page; each pair links to the confirmation page in both directions."""
    require_dedup_role(actor)
    region = request.GET.get("region", "").strip()
    context = {
        **shell_context(actor, "duplicates"),
        "region_options": region_options(actor),
        "filters": {"region": region, "errors": {}},
        "rows": [],
        "result": None,
        "query": urlencode({"region": region}) if region else "",
    }
    status = 200
    try:
        result = duplicate_candidates(actor, region)
    except ValidationError as exc:
        context["filters"]["errors"] = {k: v[0] for k, v in field_errors(exc).items()}
        status = 400
    else:
        page = Paginator(result.candidates, PAGE_SIZE).get_page(request.GET.get("page", "1"))
        rows = pairs_data(actor, load_pairs(actor, list(page.object_list)))
        names = region_names(
            code
            for row in rows
            for code in (row["left"]["region_code"], row["right"]["region_code"])
        )
        for row in rows:
            for side in ("left", "right"):
                row[side]["region_name"] = names.get(row[side]["region_code"], "")
        context.update(result=result, page=page, rows=rows, page_number=str(page.number))
    return render(request, "registry/duplicates.html", context, status=status)


def _people_view(actor: Actor, kept, merged) -> tuple[dict, dict]:
    shown = people_data(actor, [kept, merged])
    names = region_names([kept.region_code, merged.region_code])
    for data in shown.values():
        data["region_name"] = names.get(data["region_code"], "")
    return shown[kept.pk], shown[merged.pk]


@require_http_methods(["GET", "POST"])
@registry_page
def duplicate_merge_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET `?keep=&merge=`: both people side by side and what the merge will move.
    POST: merge (`dedup.merge.person_merge`; its permission and scope checks apply, a
    person outside the scope is a 404), then back to the list with a message."""
    require_dedup_role(actor)
    data = request.POST if request.method == "POST" else request.GET
    keep, merge = data.get("keep", ""), data.get("merge", "")
    region, page = data.get("region", ""), data.get("page", "")
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            record = person_merge(
                actor=actor,
                keep=keep,
                merge=merge,
                keep_version=data.get("keep_version"),
                merge_version=data.get("merge_version"),
            )
        except ValidationError as exc:
            errors, status = field_errors(exc), 400
        except ConflictError as exc:
            errors, status = {"all": [str(exc)]}, 409
        else:
            cards = record.moved.get("cards", [])
            messages.success(
                request,
                _(
                    "已将人员 #%(merged)d 并入 #%(kept)d："
                    "转入类型卡 %(cards)d 张，走访记录 %(visits)d 条。"
                )
                % {
                    "merged": record.merged_person_id,
                    "kept": record.kept_id,
                    "cards": len(cards),
                    "visits": sum(c.get("visits", 0) for c in cards),
                },
            )
            return redirect(_back(region, page))
    context = {
        **shell_context(actor, "duplicates"),
        "errors": errors,
        "keep_id": keep,
        "merge_id": merge,
        "region": region,
        "page_number": page,
        "back_url": _back(region, page),
    }
    try:
        keep_id, merge_id, _v1, _v2 = check_merge_ids(keep, merge)
    except ValidationError as exc:
        if not errors:
            errors, status = field_errors(exc), 400
            context["errors"] = errors
    else:
        kept, merged = access_person(actor, keep_id), access_person(actor, merge_id)
        shown_kept, shown_merged = _people_view(actor, kept, merged)
        context.update(
            kept=shown_kept, merged=shown_merged, preview=merge_preview(actor, kept, merged)
        )
    return render(request, "registry/duplicate_merge.html", context, status=status)
