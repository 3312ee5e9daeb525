"""The notification centre page, the header badge and the API: my messages only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.notify.models import Channel, Notification
from pingan.notify.selectors import badge_label, request_unread_count
from pingan.notify.services import notify_send
from tests.accounts.factories import sign_in
from tests.flow.factories import api_client

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def inapp(user, n: int, *, number="SJ990101202603020001", read=False, link="", minutes=0):
    note = notify_send(
        topic="case.new",
        key=f"test:{user.pk}:{n}",
        channel=Channel.INAPP,
        user=user,
        context={"number": f"{number}-{n}", "title": "路灯不亮", "step": "上报", "state": "待受理"},
        case_number=number if not link else "",
        link=link,
        now=T0 + dt.timedelta(minutes=minutes or n),
    )
    if read:
        Notification.objects.filter(pk=note.pk).update(read_at=T0 + dt.timedelta(hours=1))
        note.refresh_from_db()
    return note


def test_centre_lists_only_my_messages_unread_first(client, world):
    me, other = world.village, world.town
    old_read = inapp(me.user, 1, read=True)
    older_unread = inapp(me.user, 2)
    newest_read = inapp(me.user, 3, read=True)
    newest_unread = inapp(me.user, 4)
    theirs = inapp(other.user, 5)
    sign_in(client, me)
    response = client.get("/notifications/")
    assert response.status_code == 200
    ids = [item["note"].pk for item in response.context["items"]]
    assert ids == [newest_unread.pk, older_unread.pk, newest_read.pk, old_read.pk]
    html = response.content.decode()
    assert f'id="note-{theirs.pk}"' not in html
    assert "您单位收到待办案件 SJ990101202603020001-4（路灯不亮）：上报，当前待受理。" in html
    assert f'href="/notifications/{newest_unread.pk}/open/"' in html
    assert response.context["unread_total"] == 2
    unread = client.get("/notifications/?unread=1")
    assert [i["note"].pk for i in unread.context["items"]] == [newest_unread.pk, older_unread.pk]


def test_centre_pages_by_twenty(client, world):
    for n in range(1, 26):
        inapp(world.village.user, n)
    sign_in(client, world.village)
    first = client.get("/notifications/")
    second = client.get("/notifications/?page=2")
    assert (len(first.context["items"]), len(second.context["items"])) == (20, 5)
    assert "共 25 条，第 1/2 页" in first.content.decode()


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/notifications/read/", {"all": "1"}).status_code == 302


def test_mark_one_read_with_htmx_swaps_the_item_and_the_badge(client, world):
    note = inapp(world.village.user, 1)
    inapp(world.village.user, 2)
    sign_in(client, world.village)
    response = client.post("/notifications/read/", {"ids": str(note.pk)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="note-{note.pk}"' in html and "is-unread" not in html
    assert 'id="notify-badge"' in html and 'hx-swap-oob="true"' in html
    assert '<span class="notify-count" aria-hidden="true">1</span>' in html
    note.refresh_from_db()
    assert note.read_at is not None
    audit = AuditRecord.objects.get(action="notify.read")
    assert (audit.actor_username, audit.detail) == (
        world.village.user.username,
        {"count": 1, "all": False},
    )


def test_another_users_message_cannot_be_marked(client, world):
    theirs = inapp(world.town.user, 1)
    sign_in(client, world.village)
    response = client.post("/notifications/read/", {"ids": str(theirs.pk)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    plain = client.post("/notifications/read/", {"ids": str(theirs.pk)})
    assert plain.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not AuditRecord.objects.filter(action="notify.read").exists()
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(client, world):
    mine = [inapp(world.village.user, n) for n in (1, 2, 3)]
    theirs = inapp(world.town.user, 4)
    sign_in(client, world.village)
    response = client.post("/notifications/read/", {"all": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notify-list"' in html and "notify-count" not in html
    assert (
        Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    )
    theirs.refresh_from_db()
    assert theirs.read_at is None
    without_htmx = client.post("/notifications/read/", {"all": "1", "unread": "1"})
    assert (without_htmx.status_code, without_htmx["Location"]) == (302, "/notifications/?unread=1")


def test_mark_read_needs_ids_or_all(client, world):
    sign_in(client, world.village)
    assert client.post("/notifications/read/", {"ids": "x"}).status_code == 400
    for junk in (str(2**63), "²", "0"):  # out of range, a digit int() refuses, not an id
        assert client.post("/notifications/read/", {"ids": junk}).status_code == 400
    assert client.get("/notifications/read/").status_code == 405


def test_open_marks_read_and_follows_the_link(client, world):
    case_note = inapp(world.village.user, 1)
    page_note = inapp(world.village.user, 2, link="/registry/overdue/?responsible=1")
    evil = inapp(world.village.user, 3, link="https://evil.example/")
    sign_in(client, world.village)
    response = client.get(f"/notifications/{case_note.pk}/open/")
    assert response["Location"] == "/command/cases/SJ990101202603020001/"
    assert client.get(f"/notifications/{page_note.pk}/open/")["Location"] == (
        "/registry/overdue/?responsible=1"
    )
    assert client.get(f"/notifications/{evil.pk}/open/")["Location"] == "/notifications/"
    assert Notification.objects.filter(user=world.village.user, read_at__isnull=True).count() == 0


def test_badge_in_the_shell_header(client, world):
    sign_in(client, world.village)
    html = client.get("/").content.decode()
    assert 'id="notify-badge"' in html and "notify-count" not in html
    for n in range(1, 4):
        inapp(world.village.user, n)
    inapp(world.town.user, 9)
    html = client.get("/").content.decode()
    assert '<span class="notify-count" aria-hidden="true">3</span>' in html
    assert "消息中心，3 条未读" in html
    assert [badge_label(n) for n in (0, 1, 99, 100, 5000)] == ["", "1", "99", "99+", "99+"]


def test_badge_count_is_one_query_per_request(rf, world, django_assert_num_queries):
    inapp(world.village.user, 1)
    request = rf.get("/")
    request.user = world.village.user
    with django_assert_num_queries(1):
        assert request_unread_count(request) == 1
        assert request_unread_count(request) == 1


# --- API ------------------------------------------------------------------------------------


def test_api_lists_my_messages_with_links(world):
    read = inapp(world.village.user, 1, read=True)
    unread = inapp(world.village.user, 2)
    inapp(world.town.user, 3)
    client = api_client(world.village)
    data = client.get("/api/v1/notifications/").json()
    assert data["count"] == 2
    assert [r["id"] for r in data["results"]] == [unread.pk, read.pk]
    row = data["results"][0]
    assert row == {
        "id": unread.pk,
        "topic": "case.new",
        "topic_label": "新待办案件",
        "subject": "新待办案件 SJ990101202603020001-2",
        "body": "您单位收到待办案件 SJ990101202603020001-2（路灯不亮）：上报，当前待受理。",
        "link": "/command/cases/SJ990101202603020001/",
        "case_number": "SJ990101202603020001",
        "created_at": timezone.localtime(unread.created_at).isoformat(),
        "read_at": None,
        "unread": True,
    }
    only_unread = client.get("/api/v1/notifications/?unread=1").json()
    assert [r["id"] for r in only_unread["results"]] == [unread.pk]
    bad = client.get("/api/v1/notifications/?unread=maybe")
    assert bad.status_code == 400 and "unread" in bad.json()


def test_api_marks_my_ids_and_ignores_others(world):
    mine = inapp(world.village.user, 1)
    also_mine = inapp(world.village.user, 2)
    theirs = inapp(world.town.user, 3)
    client = api_client(world.village)
    response = client.post(
        "/api/v1/notifications/read/", {"ids": [mine.pk, theirs.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert response.json() == {"marked": 1, "unread": 0}
    also_mine.refresh_from_db()
    assert also_mine.read_at is not None
    again = client.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert again.json() == {"marked": 0, "unread": 0}
    assert AuditRecord.objects.filter(action="notify.read").count() == 2


def test_api_field_errors(world):
    client = api_client(world.village)
    empty = client.post("/api/v1/notifications/read/", {}, format="json")
    assert (empty.status_code, empty.json()) == (
        400,
        {"ids": ["请提供消息编号 ids，或设置 all 为 true。"]},
    )
    both = client.post("/api/v1/notifications/read/", {"ids": [1], "all": True}, format="json")
    assert (both.status_code, list(both.json())) == (400, ["all"])
    junk = client.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert (junk.status_code, list(junk.json())) == (400, ["ids"])
    # Past the id column's range: a field error, not a failing query (found by schemathesis).
    huge = client.post("/api/v1/notifications/read/", {"ids": [2**63]}, format="json")
    assert (huge.status_code, list(huge.json())) == (400, ["ids"])


def test_api_needs_a_signed_in_user(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/notifications/").status_code == 401
    assert APIClient().post("/api/v1/notifications/read/", {"all": True}).status_code == 401


def test_api_is_in_the_openapi_schema(world):
    schema = api_client(world.village).get("/api/v1/schema/?format=json").json()
    assert "/api/v1/notifications/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/notifications/read/"]
