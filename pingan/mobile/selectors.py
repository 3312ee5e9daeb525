"""Reads for the grid worker app: the signed-in user's grids and their open tasks, and their
in-app messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.core.paginator import Page, Paginator
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pingan.accounts.models import User
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.accounts.selectors import active_positions
from pingan.flow.selectors import inbox
from pingan.notify import selectors as notify_selectors
from pingan.notify.models import Notification
from pingan.regions.models import Region

VILLAGE_CODE_LENGTH, TOWN_CODE_LENGTH = 12, 9


@dataclass(frozen=True)
class MyGrid:
    position_id: int
    code: str
    name: str
    village_code: str
    village_name: str
    town_code: str
    town_name: str
    open_tasks: int
    overdue_tasks: int
    current: bool


def my_grids(user: User, current: Actor) -> list[MyGrid]:
    """One row per active grid-worker position of `user`, with the todo inbox counted for
    that position (the same box `GET /api/v1/cases/?inbox=todo` returns when acting as it).

    Only the user's own positions are read, so no further scope check is needed.
    """
    positions = [
        p for p in active_positions(user) if p.role == Role.GRID_WORKER and p.region_id is not None
    ]
    parents = {
        code
        for p in positions
        for code in (p.region_id[:VILLAGE_CODE_LENGTH], p.region_id[:TOWN_CODE_LENGTH])
    }
    names = dict(Region.objects.filter(code__in=parents).values_list("code", "name"))
    rows = []
    for position in positions:
        todo = inbox(Actor(user=user, position=position), "todo")
        village = position.region_id[:VILLAGE_CODE_LENGTH]
        town = position.region_id[:TOWN_CODE_LENGTH]
        rows.append(
            MyGrid(
                position_id=position.pk,
                code=position.region_id,
                name=position.region.name,
                village_code=village,
                village_name=names.get(village, ""),
                town_code=town,
                town_name=names.get(town, ""),
                open_tasks=todo.count(),
                overdue_tasks=todo.filter(is_overdue=True).count(),
                current=current.position is not None and current.position.pk == position.pk,
            )
        )
    return rows


def receiving_units(grids: list[MyGrid]) -> list[tuple[str, str]]:
    """(code, name) of the villages and towns above the user's grids: the units a report
    made outside every grid may be sent to, nearest first."""
    seen: dict[str, str] = {}
    for grid in grids:
        seen.setdefault(grid.village_code, grid.village_name)
    for grid in grids:
        seen.setdefault(grid.town_code, grid.town_name)
    return list(seen.items())


# --- 消息: the user's own in-app messages (the notify app's inbox, shown in the app) --------

NOTIFICATIONS_PER_PAGE = 20


@dataclass(frozen=True)
class NoticeItem:
    note: Notification
    topic_label: str
    unread: bool
    # The page of the app the message opens ("" when the app has none) and its button text.
    app_link: str
    open_label: str
    # Where the message leads on the desktop site, offered only when the app has no page.
    desktop_link: str


def _case_in_app(kwargs: dict) -> tuple[str, str]:
    return f"{reverse('mobile:tasks')}#case={quote(kwargs['number'], safe='')}", _("打开案件")


def _people_in_app(kwargs: dict) -> tuple[str, str]:
    return reverse("mobile:people"), _("打开我的人员")


# Desktop pages messages link to → the app page that shows the same thing on the phone.
_APP_PAGES: dict[str, Callable[[dict], tuple[str, str]]] = {
    "command:case": _case_in_app,
    "registry:overdue": _people_in_app,
}


def app_page(link: str) -> tuple[str, str]:
    """(app URL, button text) for a message link: a case opens 我的任务 at that case, the
    overdue visits list opens 我的人员 (overdue people are marked red there), a link already
    inside the app is kept; ("", "") when the app has no such page."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return "", ""
    try:
        match = resolve(parts.path)
    except Resolver404:
        return "", ""
    if match.namespace == "mobile":
        return link, _("打开")
    build = _APP_PAGES.get(match.view_name)
    return build(match.kwargs) if build else ("", "")


def notice_item(note: Notification) -> NoticeItem:
    link = notify_selectors.message_link(note)
    app_link, open_label = app_page(link)
    # Only a path on this site is offered (never another host or a `javascript:` URL).
    on_site = url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    return NoticeItem(
        note=note,
        topic_label=notify_selectors.topic_label(note.topic),
        unread=note.read_at is None,
        app_link=app_link,
        open_label=open_label,
        desktop_link=link if on_site and not app_link else "",
    )


def my_notifications(user: User, page_number: str | None) -> tuple[Page, list[NoticeItem]]:
    """One page of the user's own in-app messages, newest first (the notify inbox re-ordered:
    on the phone the list reads as a feed; unread ones are marked instead of lifted)."""
    rows = notify_selectors.inbox(user).order_by("-created_at", "-id")
    page = Paginator(rows, NOTIFICATIONS_PER_PAGE).get_page(page_number)
    return page, [notice_item(note) for note in page.object_list]


def my_notification(user: User, pk: int) -> Notification | None:
    """One of the user's own in-app messages; None when it is someone else's or does not
    exist (the caller answers 404 for both)."""
    return notify_selectors.inbox(user).filter(pk=pk).first()
