"""消息 in the grid worker app: the unread badge in the shell, the list (my messages only,
newest first), tap to mark read and open the page in the app, 全部已读, and the offline shell."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pingan.audit.models import AuditRecord
from pingan.notify.models import Channel, Notification
from pingan.notify.services import notify_send
from tests.accounts.factories import sign_in

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
NUMBER = "SJ990101202603020001"
LIST = "/m/notifications/"
READ_ALL = "/m/notifications/read/"


def inapp(user, n: int, *, topic="case.new", number=NUMBER, link="", read=False) -> Notification:
    """One in-app message to `user`, created n minutes after T0 (so n orders them)."""
    context = {"number": number, "title": "路灯不亮", "step": "上报", "state": "待受理"}
    if topic == "visit.overdue":
        context = {"count": n, "oldest": "2026-02-01"}
    note = notify_send(
        topic=topic,
        key=f"m-test:{user.pk}:{n}",
        channel=Channel.INAPP,
        user=user,
        context=context,
        case_number=number if topic != "visit.overdue" and not link else "",
        link=link,
        now=T0 + dt.timedelta(minutes=n),
    )
    if read:
        Notification.objects.filter(pk=note.pk).update(read_at=T0 + dt.timedelta(hours=1))
        note.refresh_from_db()
    return note


def csrf(client) -> str:
    html = client.get(LIST).content.decode()
    return re.search(r'data-csrf="([A-Za-z0-9]{64})"', html).group(1)


def unread_ids(user) -> list[int]:
    return sorted(
        Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True)
    )


def listed_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="notice[^"]*" id="notice-(\d+)"', html)]


# --- the list -------------------------------------------------------------------------------


def test_list_shows_only_my_messages_newest_first_with_unread_marked(world, worker_client):
    me, other = world.grid_worker.user, world.grid_worker2.user
    first = inapp(me, 1, read=True)
    second = inapp(me, 2)
    third = inapp(me, 3, read=True)
    newest = inapp(me, 4)
    theirs = inapp(other, 5)
    response = worker_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="m-title">消息</div>' in html
    assert listed_ids(html) == [newest.pk, third.pk, second.pk, first.pk]
    assert f'id="notice-{theirs.pk}"' not in html
    assert re.findall(r'<li class="notice( unread)?" id="notice-\d+"', html) == [
        " unread",
        "",
        " unread",
        "",
    ]
    assert html.count('<span class="notice-dot" data-unread-mark>未读</span>') == 2
    assert "共 4 条，未读 <strong data-unread-total>2</strong> 条" in html
    assert "您单位收到待办案件 SJ990101202603020001（路灯不亮）：上报，当前待受理。" in html
    assert '<time datetime="2026-03-02T09:04:00+08:00">2026-03-02 09:04</time>' in html
    assert 'action="/m/notifications/read/" data-notice-all' in html


def test_unread_messages_post_to_open_read_ones_are_plain_links(world, worker_client):
    me = world.grid_worker.user
    case_note = inapp(me, 1)
    visits = inapp(me, 2, topic="visit.overdue", link="/registry/overdue/?responsible=7")
    outside = inapp(me, 3, link="/accounts/security/")
    read_case = inapp(me, 4, read=True)
    odd = inapp(me, 5, link="javascript:alert(1)")
    html = worker_client.get(LIST).content.decode()
    assert (
        f'<form method="post" action="/m/notifications/{odd.pk}/read/" data-notice="{odd.pk}">'
    ) in html
    assert "javascript:" not in html
    assert (
        f'<form method="post" action="/m/notifications/{case_note.pk}/read/" '
        f'data-notice="{case_note.pk}" data-open="/m/tasks/#case={NUMBER}">'
    ) in html
    assert (
        f'<form method="post" action="/m/notifications/{visits.pk}/read/" '
        f'data-notice="{visits.pk}" data-open="/m/people/">'
    ) in html
    # No page in the app: tapping only marks it read; the desktop page is offered.
    assert (
        f'<form method="post" action="/m/notifications/{outside.pk}/read/" '
        f'data-notice="{outside.pk}">'
    ) in html
    assert '<a class="notice-desktop" href="/accounts/security/">在电脑端查看</a>' in html
    assert f'<a class="notice-body" href="/m/tasks/#case={NUMBER}">' in html
    assert f'action="/m/notifications/{read_case.pk}/read/"' not in html
    assert html.count("打开案件 ›") == 2 and "打开我的人员 ›" in html


def test_empty_list_and_no_read_all_button(world, worker_client):
    html = worker_client.get(LIST).content.decode()
    assert 'id="notices-empty"' in html
    assert "共 0 条，未读 <strong data-unread-total>0</strong> 条" in html
    assert "data-notice-all" not in html


def test_list_pages_by_twenty_in_constant_queries(world, worker_client):
    me = world.grid_worker.user
    inapp(me, 1)
    worker_client.get(LIST)  # warm the session and position caches
    with CaptureQueriesContext(connection) as one:
        worker_client.get(LIST)
    for n in range(2, 26):
        inapp(me, n)
    with CaptureQueriesContext(connection) as many:
        first = worker_client.get(LIST).content.decode()
    assert len(many) == len(one)
    second = worker_client.get(LIST + "?page=2").content.decode()
    assert len(listed_ids(first)) == 20 and len(listed_ids(second)) == 5
    assert listed_ids(first)[0] > listed_ids(second)[0]
    assert "第 1/2 页" in first and 'href="?page=2"' in first
    assert "第 2/2 页" in second and 'href="?page=1"' in second


def test_offline_hints_carry_the_time_the_list_was_rendered(world, worker_client):
    html = worker_client.get(LIST).content.decode()
    assert re.search(
        r'<div id="notices-offline" class="banner warn" role="status" hidden>\s*'
        r"离线：下面是 \d{4}-\d\d-\d\d \d\d:\d\d 保存的消息列表",
        html,
    )
    assert '<div id="notices-cached" class="banner warn" role="status" hidden>' in html


@pytest.mark.parametrize("url", [LIST, READ_ALL, "/m/notifications/1/read/"])
def test_anonymous_is_sent_to_sign_in(db, url):
    client = Client()
    response = client.post(url) if url != LIST else client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


# --- marking read ---------------------------------------------------------------------------


def test_tap_marks_read_and_opens_the_case_in_the_app(world, worker_client):
    me = world.grid_worker.user
    note = inapp(me, 1)
    other = inapp(me, 2)
    token = csrf(worker_client)
    response = worker_client.post(
        f"/m/notifications/{note.pk}/read/", {"csrfmiddlewaretoken": token}
    )
    assert (response.status_code, response["Location"]) == (302, f"/m/tasks/#case={NUMBER}")
    assert unread_ids(me) == [other.pk]
    audit = AuditRecord.objects.get(action="notify.read")
    assert (audit.actor_username, audit.detail) == (me.username, {"count": 1, "all": False})
    # Tapping it again (a read message) changes nothing and still opens the page.
    again = worker_client.post(f"/m/notifications/{note.pk}/read/", {"csrfmiddlewaretoken": token})
    assert again["Location"] == f"/m/tasks/#case={NUMBER}"
    assert AuditRecord.objects.filter(action="notify.read").count() == 1


def test_a_message_without_an_app_page_returns_to_the_list(world, worker_client):
    note = inapp(world.grid_worker.user, 1, link="/accounts/security/")
    token = csrf(worker_client)
    response = worker_client.post(
        f"/m/notifications/{note.pk}/read/", {"csrfmiddlewaretoken": token}
    )
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert unread_ids(world.grid_worker.user) == []


def test_the_script_gets_json_with_the_new_count(world, worker_client):
    me = world.grid_worker.user
    note = inapp(me, 1, topic="visit.overdue", link="/registry/overdue/")
    inapp(me, 2)
    inapp(me, 3)
    response = worker_client.post(
        f"/m/notifications/{note.pk}/read/",
        {"csrfmiddlewaretoken": csrf(worker_client)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    data = response.json()
    assert isinstance(data.pop("at"), int)
    assert data == {"next": "/m/people/", "unread": 2, "badge": "2"}


def test_marking_needs_post_and_the_csrf_token(world, worker_client):
    me = world.grid_worker.user
    note = inapp(me, 1)
    assert worker_client.get(f"/m/notifications/{note.pk}/read/").status_code == 405
    assert worker_client.get(READ_ALL).status_code == 405
    assert worker_client.post(f"/m/notifications/{note.pk}/read/").status_code == 403
    assert worker_client.post(READ_ALL).status_code == 403
    assert unread_ids(me) == [note.pk]
    assert not AuditRecord.objects.filter(action="notify.read").exists()


def test_another_users_message_cannot_be_marked(world, worker_client):
    theirs = inapp(world.grid_worker2.user, 1)
    mine = inapp(world.grid_worker.user, 2)
    token = csrf(worker_client)
    for accept in ("text/html", "application/json"):
        response = worker_client.post(
            f"/m/notifications/{theirs.pk}/read/",
            {"csrfmiddlewaretoken": token},
            headers={"Accept": accept},
        )
        assert response.status_code == 404
    missing = worker_client.post("/m/notifications/999999/read/", {"csrfmiddlewaretoken": token})
    assert missing.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_ids(world.grid_worker.user) == [mine.pk]
    assert not AuditRecord.objects.filter(action="notify.read").exists()


def test_read_all_marks_only_mine(world, worker_client):
    me, other = world.grid_worker.user, world.grid_worker2.user
    for n in (1, 2, 3):
        inapp(me, n)
    already = inapp(me, 4, read=True)
    theirs = inapp(other, 5)
    token = csrf(worker_client)
    response = worker_client.post(READ_ALL, {"csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert unread_ids(me) == []
    already.refresh_from_db()
    assert already.read_at == T0 + dt.timedelta(hours=1)  # not re-stamped
    assert unread_ids(other) == [theirs.pk]
    audit = AuditRecord.objects.get(action="notify.read")
    assert audit.detail == {"count": 3, "all": True}
    as_json = worker_client.post(
        READ_ALL, {"csrfmiddlewaretoken": token}, headers={"Accept": "application/json"}
    ).json()
    assert (as_json["next"], as_json["unread"], as_json["badge"]) == (LIST, 0, "")
    html = worker_client.get(LIST).content.decode()
    assert "data-notice-all" not in html and "data-unread-mark" not in html


# --- the badge in the shell -----------------------------------------------------------------

BADGE = re.compile(
    r'<a id="notify-badge" class="m-notify( has-unread)?[^"]*" href="/m/notifications/"\s+'
    r'data-count="([^"]*)" data-at="(\d+)".*?'
    r'<span class="m-notify-count" data-notify-count aria-hidden="true"( hidden)?>'
    r"([^<]*)</span></a>",
    re.S,
)


@pytest.mark.parametrize(
    "url", ["/m/", "/m/report/", "/m/tasks/", "/m/people/", "/m/houses/", "/m/visit/", LIST]
)
def test_every_page_shows_my_unread_count(world, worker_client, url):
    for n in (1, 2, 3):
        inapp(world.grid_worker.user, n)
    inapp(world.grid_worker.user, 4, read=True)
    inapp(world.grid_worker2.user, 5)
    html = worker_client.get(url).content.decode()
    match = BADGE.search(html)
    assert match, html[:2000]
    assert (match[1], match[2], match[4], match[5]) == (" has-unread", "3", None, "3")
    assert 'aria-label="消息，3 条未读"' in html
    assert '<script src="/static/mobile/notices.js" defer></script>' in html


def test_badge_without_unread_and_past_ninety_nine(world, worker_client):
    html = worker_client.get("/m/").content.decode()
    match = BADGE.search(html)
    assert (match[1], match[2], match[4], match[5]) == (None, "", " hidden", "")
    assert 'aria-label="消息"' in html
    Notification.objects.bulk_create(
        Notification(
            key=f"bulk:{n}",
            channel=Channel.INAPP,
            topic="case.new",
            user=world.grid_worker.user,
            body="x",
            status="sent",
            created_at=T0,
        )
        for n in range(100)
    )
    match = BADGE.search(worker_client.get("/m/").content.decode())
    assert (match[2], match[5]) == ("99+", "99+")


def test_badge_marks_the_messages_page_current(world, worker_client):
    assert 'class="m-notify active"' in worker_client.get(LIST).content.decode()
    assert "m-notify active" not in worker_client.get("/m/").content.decode()


def test_any_signed_in_user_gets_the_page_not_only_grid_workers(world):
    client = Client()
    sign_in(client, world.village)
    note = inapp(world.village.user, 1)
    html = client.get(LIST).content.decode()
    assert listed_ids(html) == [note.pk]
