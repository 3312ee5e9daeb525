"""Grid worker PWA pages (`/m/`). Thin: the pages are shells, the data comes from the API
(`/api/v1/events/…`, `/api/v1/cases/…`, `/api/v1/mobile/…`) through `static/mobile/*.js`, so
the same screens work from the service worker's cache (and the IndexedDB snapshot of my
people and houses) when the phone is offline. 消息 is rendered here (over the notify app's
selectors and services): offline the service worker shows the last list it stored."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts.roles import Role
from pingan.events import api as events_api
from pingan.mobile import selectors, shell
from pingan.notify import selectors as notify_selectors
from pingan.notify.services import notification_mark_read
from pingan.registry.services.visit_photos import MAX_PER_VISIT as MAX_VISIT_PHOTOS
from pingan.web.context import request_actor


def photos_supported() -> bool:
    """Whether `POST /api/v1/events/` takes multipart `photos` (its documented multipart
    serializer has the field); the form offers photos only then, so a queued report never
    silently loses its pictures."""
    serializer = getattr(events_api, "EventReportMultipartSerializer", None)
    return serializer is not None and "photos" in serializer().fields


def _shell(request: HttpRequest, tab: str) -> dict:
    """What `mobile/base.html` needs. `rendered_ms` (server time) lets notices.js tell a page
    the service worker served from its cache (older than one already seen) from a fresh one,
    so a cached page shows the newest known unread count."""
    now = timezone.now()
    return {
        "tab": tab,
        "actor": request_actor(request),
        "theme_color": shell.THEME_COLOR,
        "rendered_at": now,
        "rendered_ms": int(now.timestamp() * 1000),
    }


def _context(request: HttpRequest, tab: str) -> dict:
    context = _shell(request, tab)
    actor = context["actor"]
    grids = selectors.my_grids(request.user, actor)
    context.update(
        grids=grids,
        is_grid_worker=actor.has_role(Role.GRID_WORKER),
        has_grids=bool(grids),
    )
    return context


@login_required
@require_GET
def my_grid(request: HttpRequest) -> HttpResponse:
    """我的网格: the user's grids with their open task counts, the mini-map and the outbox."""
    context = _context(request, "home")
    context["map_url"] = shell.MAP_URL
    context["map_tile_url"] = settings.PINGAN_MAP_TILE_URL
    context["map_tile_attribution"] = settings.PINGAN_MAP_TILE_ATTRIBUTION
    return render(request, "mobile/home.html", context)


def _registry_context(request: HttpRequest, tab: str) -> dict:
    context = _context(request, tab)
    context["snapshot_url"] = shell.SNAPSHOT_URL
    context["person_url"] = shell.PERSON_URL
    return context


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """我的人员: the people of the user's grids from the offline snapshot (search, detail
    with cards and next visit dates via `#p/<id>`)."""
    return render(request, "mobile/people.html", _registry_context(request, "people"))


@login_required
@require_GET
def houses(request: HttpRequest) -> HttpResponse:
    """我的房屋: the houses of the user's grids (search, detail with occupants via `#h/<id>`)."""
    return render(request, "mobile/houses.html", _registry_context(request, "houses"))


@login_required
@require_GET
def person_new(request: HttpRequest) -> HttpResponse:
    """新增人员: the form; submitting queues the person with an idempotency key."""
    return render(request, "mobile/person_new.html", _registry_context(request, "people"))


@login_required
@require_GET
def visit(request: HttpRequest) -> HttpResponse:
    """走访记录: the visit form for the card named in `#card=<id>`; queued like reports, the
    photos follow once the visit exists on the server."""
    context = _registry_context(request, "people")
    context["max_photos"] = MAX_VISIT_PHOTOS
    return render(request, "mobile/visit.html", context)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """上报事件: the report form; submitting queues the report, the sync loop sends it."""
    context = _context(request, "report")
    context["receiving_units"] = selectors.receiving_units(context["grids"])
    context["photos_supported"] = photos_supported()
    context["categories_url"] = shell.CATEGORIES_URL
    return render(request, "mobile/report.html", context)


@login_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    """我的任务: the todo inbox with verify / feedback / handle-locally actions."""
    context = _context(request, "tasks")
    context["todo_url"] = shell.TODO_URL
    return render(request, "mobile/tasks.html", context)


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """消息: the user's own in-app messages, newest first, 20 a page, unread ones marked.
    Tapping an unread one marks it read and opens its page in the app."""
    context = _shell(request, "notifications")
    page, items = selectors.my_notifications(request.user, request.GET.get("page"))
    context.update(
        page=page,
        items=items,
        unread_total=notify_selectors.request_unread_count(request),
    )
    return render(request, "mobile/notifications.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's own messages read and go to its page in the app (back to 消息
    when it has none). Someone else's message, or none: 404 and nothing changes."""
    note = selectors.my_notification(request.user, pk)
    if note is None:
        raise Http404
    if note.read_at is None:
        notification_mark_read(actor=request_actor(request), ids=[note.pk])
    target = selectors.notice_item(note).app_link or reverse("mobile:notifications")
    return _after_read(request, target)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """全部已读: every unread message of the user's own."""
    notification_mark_read(actor=request_actor(request), ids=None)
    return _after_read(request, reverse("mobile:notifications"))


def _after_read(request: HttpRequest, target: str) -> HttpResponse:
    # A plain form post is redirected. notices.js asks for JSON so it can update the badge
    # (and its stored copy for cached pages) first, and tell a failed post from being offline.
    if request.get_preferred_type(["text/html", "application/json"]) != "application/json":
        return redirect(target)
    unread = notify_selectors.unread_count(request.user)
    return JsonResponse(
        {
            "next": target,
            "unread": unread,
            "badge": notify_selectors.badge_label(unread),
            "at": int(timezone.now().timestamp() * 1000),
        }
    )


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    # Public: the browser fetches it without credentials, and it holds nothing private.
    return JsonResponse(
        shell.manifest(),
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, scope `/m/`. Public (registration fetches it even when the
    session has ended) and never cached by HTTP, so a new shell version is seen at once."""
    context = {
        "version": shell.shell_version(),
        "precache": json.dumps(shell.precache_urls()),
        "shell_url": json.dumps(shell.page_urls()[0]),
        "idb_url": json.dumps(static("mobile/idb.js")),
        "queue_url": json.dumps(static("mobile/queue.js")),
    }
    response = render(
        request, "mobile/sw.js", context, content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/m/"
    response["Cache-Control"] = "no-cache"
    return response
