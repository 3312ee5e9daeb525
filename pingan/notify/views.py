"""The notification centre and preferences pages (`/notifications/`). Thin over selectors and
services; htmx requests get fragments (one message, the list) with the header badge swapped
out of band."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pingan.core.http import parse_int
from pingan.notify import selectors
from pingan.notify.models import Channel, Notification
from pingan.notify.services import notification_mark_read, preferences_save
from pingan.web.context import request_actor

PAGE_SIZE = 20
MAX_IDS = 200


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _items(rows) -> list[dict]:
    return [
        {
            "note": note,
            "topic_label": selectors.topic_label(note.topic),
            "link": selectors.message_link(note),
        }
        for note in rows
    ]


def _fresh_badge(request: HttpRequest) -> str:
    request._notify_unread = selectors.unread_count(request.user)
    return selectors.badge_label(request._notify_unread)


def _list_context(request: HttpRequest) -> dict:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page", "1")
    )
    return {
        "page": page,
        "items": _items(page.object_list),
        "unread_only": unread_only,
        "unread_total": selectors.request_unread_count(request),
        "query": "unread=1&" if unread_only else "",
    }


@login_required
@require_GET
def centre_page(request: HttpRequest) -> HttpResponse:
    """The signed-in user's in-app messages, unread first, 20 a page (`?unread=1`: unread)."""
    context = _list_context(request)
    template = "notify/_list.html" if _is_htmx(request) else "notify/centre.html"
    return render(request, template, context)


def _parse_ids(values: list[str]) -> list[int]:
    ids = [parse_int(v) for v in values]
    return [i for i in ids if i is not None][:MAX_IDS]


@login_required
@require_POST
def mark_read_view(request: HttpRequest) -> HttpResponse:
    """Mark one or more (`ids`) or all (`all=1`) of the user's own messages read."""
    mark_all = request.POST.get("all") == "1"
    ids = None if mark_all else _parse_ids(request.POST.getlist("ids"))
    if ids == []:
        return HttpResponse(_("请选择要标为已读的消息。"), status=400)
    notification_mark_read(actor=request_actor(request), ids=ids)
    if not _is_htmx(request):
        back = reverse("notify:centre")
        return redirect(back + ("?unread=1" if request.POST.get("unread") == "1" else ""))
    badge = _fresh_badge(request)
    if mark_all or len(ids) != 1:
        context = {**_list_context(request), "notify_unread": badge, "oob_badge": True}
        context["unread_total"] = request._notify_unread
        return render(request, "notify/_list.html", context)
    note = Notification.objects.filter(pk=ids[0], user=request.user, channel=Channel.INAPP).first()
    if note is None:
        raise Http404
    note.unread = note.read_at is None
    context = {"item": _items([note])[0], "notify_unread": badge, "oob_badge": True}
    return render(request, "notify/_item.html", context)


@login_required
@require_GET
def open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a message's link and mark it read (the user's own messages only, else 404)."""
    note = Notification.objects.filter(pk=pk, user=request.user, channel=Channel.INAPP).first()
    if note is None:
        raise Http404
    if note.read_at is None:
        notification_mark_read(actor=request_actor(request), ids=[note.pk])
    target = selectors.message_link(note)
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("notify:centre")
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def preferences_page(request: HttpRequest) -> HttpResponse:
    """Per staff topic: SMS and email on or off (in-app always on). Channels the account
    cannot be reached on (no mobile number / email) are shown but cannot be switched."""
    sheet = selectors.preference_sheet(request.user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        choices = {
            (row.topic.code, choice.channel): request.POST.get(choice.field) == "on"
            for row in sheet.rows
            for choice in row.choices
            if choice.reachable
        }
        try:
            changed = preferences_save(actor=request_actor(request), choices=choices)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            if changed:
                messages.success(request, _("消息设置已保存。"))
            else:
                messages.info(request, _("消息设置没有变化。"))
            return redirect("notify:preferences")
    context = {"sheet": sheet, "errors": errors, "in_app_label": Channel.INAPP.label}
    return render(request, "notify/preferences.html", context, status=400 if errors else 200)
