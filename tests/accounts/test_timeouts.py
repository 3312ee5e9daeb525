"""Idle (15 min admins / 30 min others) and absolute (12 h) session timeouts."""

import pytest

from pingan.accounts import sessions
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import shift_session, sign_in
from tests.factories import make_actor

pytestmark = pytest.mark.django_db
PAGE = "/accounts/position/"  # any signed-in page of ours
MINUTE = 60


def assert_expired(client, response, reason: str):
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Fposition%2F"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "会话已超时，请重新登录。" in page.content.decode()
    record = AuditRecord.objects.get(action="auth.session_expired")
    assert (record.outcome, record.detail["reason"]) == ("expired", reason)


@pytest.mark.parametrize(
    ("role", "unit", "limit_minutes"),
    [
        (Role.GRID_WORKER, "990101001001001", 30),
        (Role.COUNTY_OPERATOR, "990101", 30),
        (Role.LEADER, "990101", 30),  # needs TOTP, but is not an admin role
        (Role.SYSTEM_ADMIN, "990101", 15),
        (Role.SECURITY_ADMIN, "990101", 15),
        (Role.AUDITOR, "990101", 15),
    ],
)
def test_idle_limit_by_role(client, role, unit, limit_minutes):
    sign_in(client, make_actor(role, unit))
    shift_session(client, last_seen=limit_minutes * MINUTE - 60)
    assert client.get(PAGE).status_code == 200
    shift_session(client, last_seen=limit_minutes * MINUTE + 1)
    assert_expired(client, client.get(PAGE), "idle")


def test_activity_keeps_the_session_alive(client):
    sign_in(client, make_actor(Role.GRID_WORKER, "990101001001001"))
    shift_session(client, last_seen=29 * MINUTE)
    assert client.get(PAGE).status_code == 200
    # That request refreshed the idle clock: another 29 minutes later it still works.
    seen = client.session[sessions.LAST_SEEN]
    session = client.session
    session[sessions.LAST_SEEN] = seen - 29 * MINUTE
    session.save()
    assert client.get(PAGE).status_code == 200


def test_absolute_limit_even_when_active(client):
    sign_in(client, make_actor(Role.GRID_WORKER, "990101001001001"))
    shift_session(client, auth_at=12 * 3600 - 60, last_seen=0)
    assert client.get(PAGE).status_code == 200
    shift_session(client, auth_at=12 * 3600 + 1, last_seen=0)
    assert_expired(client, client.get(PAGE), "absolute")


def test_settings_drive_the_limits(client, settings):
    settings.PINGAN_IDLE_TIMEOUT_USER = 120
    sign_in(client, make_actor(Role.GRID_WORKER, "990101001001001"))
    shift_session(client, last_seen=121)
    assert client.get(PAGE).status_code == 302


def test_api_with_session_gets_401_json(client):
    sign_in(client, make_actor(Role.GRID_WORKER, "990101001001001"))
    shift_session(client, last_seen=31 * MINUTE)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "会话已超时，请重新登录。"}
    assert client.get("/api/v1/me/").status_code in (401, 403)  # signed out now


def test_htmx_request_gets_a_client_redirect(client):
    sign_in(client, make_actor(Role.GRID_WORKER, "990101001001001"))
    shift_session(client, last_seen=31 * MINUTE)
    response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_session_without_clocks_starts_them(client):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    client.force_login(actor.user)
    assert client.get(PAGE).status_code == 200
    assert isinstance(client.session[sessions.AUTH_AT], float)
    assert not AuditRecord.objects.filter(action="auth.session_expired").exists()
