"""Login, logout and the position switcher pages."""

import pytest

from pingan.accounts import sessions
from pingan.accounts.roles import Role
from pingan.accounts.scope import actor_for_request
from pingan.audit.models import AuditRecord
from tests.accounts.factories import login, sign_in
from tests.factories import TEST_PASSWORD, PositionFactory, make_actor, region_chain

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>登录</h1>" in body
    assert 'name="username"' in body and 'name="password"' in body
    assert response.templates[0].name == "accounts/login.html"
    assert "base.html" in [t.name for t in response.templates]


def test_empty_form_gets_field_errors(client):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert response.context["form"].errors == {
        "username": ["请输入用户名。"],
        "password": ["请输入密码。"],
    }
    assert not AuditRecord.objects.exists()


def test_login_success_single_position(client):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    response = login(client, actor.user.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    session = client.session
    assert session["_auth_user_id"] == str(actor.user.pk)
    assert session[sessions.POSITION] == actor.position.pk
    assert (session[sessions.TWO_FACTOR_OK], session[sessions.TWO_FACTOR_PENDING]) == (False, False)
    assert isinstance(session[sessions.AUTH_AT], float)
    record = AuditRecord.objects.get(action="auth.login")
    assert (record.outcome, record.actor_id, record.ip) == ("ok", actor.user.pk, "127.0.0.1")
    assert record.detail == {"channel": "web", "second_factor": "none"}
    actor.user.refresh_from_db()
    assert actor.user.last_login is not None


def test_login_follows_safe_next_only(client):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    ok = client.post(
        "/accounts/login/?next=/calendar/",
        {"username": actor.user.username, "password": TEST_PASSWORD},
    )
    assert ok["Location"] == "/calendar/"
    client.post("/accounts/logout/")
    evil = client.post(
        "/accounts/login/",
        {
            "username": actor.user.username,
            "password": TEST_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert evil["Location"] == "/"


def test_multi_position_user_chooses_position(client):
    actor = make_actor(Role.TOWN_OPERATOR, "990101001")
    second = PositionFactory(
        user=actor.user, role=Role.VILLAGE_STAFF, region=region_chain("990101001001")
    )
    response = login(client, actor.user.username, TEST_PASSWORD)
    assert response["Location"] == "/accounts/position/?next=%2F"
    page = client.get("/accounts/position/?next=/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('name="position"') == 2
    assert f'value="{actor.position.pk}" checked' in body  # the first is pre-selected
    chosen = client.post("/accounts/position/", {"position": second.pk, "next": "/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/"
    assert client.session[sessions.POSITION] == second.pk
    record = AuditRecord.objects.get(action="auth.position_switch")
    assert (record.object_id, record.region_code, record.position_id) == (
        str(second.pk),
        "990101001001",
        second.pk,
    )


def test_cannot_choose_someone_elses_position(client):
    actor = make_actor(Role.TOWN_OPERATOR, "990101001")
    other = make_actor(Role.COUNTY_COMMANDER, "990101")
    sign_in(client, actor)
    response = client.post("/accounts/position/", {"position": other.position.pk})
    assert response.status_code == 200
    assert response.context["form"].errors == {"position": ["岗位不存在或不属于您。"]}
    assert client.session[sessions.POSITION] == actor.position.pk


def test_revoked_position_in_session_falls_back_to_first(client, rf):
    actor = make_actor(Role.TOWN_OPERATOR, "990101001")
    second = PositionFactory(
        user=actor.user, role=Role.VILLAGE_STAFF, region=region_chain("990101001001")
    )
    sign_in(client, actor)
    session = client.session
    session[sessions.POSITION] = second.pk
    session.save()
    second.active = False
    second.save()
    request = rf.get("/")
    request.user = actor.user
    request.session = client.session
    assert actor_for_request(request).position == actor.position


def test_position_page_without_positions(client):
    user = make_actor().user
    user.positions.all().delete()
    client.force_login(user)
    body = client.get("/accounts/position/").content.decode()
    assert "您的账户还没有有效岗位" in body


def test_logout_requires_post_and_is_audited(client):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    sign_in(client, actor)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "您已安全退出。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    record = AuditRecord.objects.get(action="auth.logout")
    assert record.actor_id == actor.user.pk


def test_anonymous_pages_redirect_to_login(client):
    response = client.get("/accounts/position/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/position/"


def test_login_with_the_production_hasher(client, argon2_hashing):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    assert actor.user.password.startswith("argon2$")
    assert login(client, actor.user.username, TEST_PASSWORD)["Location"] == "/"
