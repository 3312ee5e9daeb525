"""Lockout per username and per IP, in the database, through the login page and the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pingan.accounts import lockout
from pingan.accounts.models import LockScope, LoginLock
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import login
from tests.factories import TEST_PASSWORD, make_actor

pytestmark = pytest.mark.django_db
LOCKED = "账户已锁定，请 15 分钟后再试。"
BAD = "用户名或密码错误。"


@pytest.fixture
def user():
    return make_actor(Role.GRID_WORKER, "990101001001001").user


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def login_outcomes(username: str) -> list[str]:
    return list(
        AuditRecord.objects.filter(action="auth.login", actor_username=username)
        .order_by("seq")
        .values_list("outcome", flat=True)
    )


def test_five_failures_lock_the_username_and_the_right_password_is_refused(client, user):
    for _ in range(4):
        assert errors(login(client, user.username, "wrong")) == [BAD]
    assert errors(login(client, user.username, "wrong")) == [LOCKED]
    response = login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 200
    assert errors(response) == [LOCKED]
    assert "_auth_user_id" not in client.session
    assert login_outcomes(user.username) == ["failed"] * 5 + ["locked"]
    record = AuditRecord.objects.filter(outcome="locked").get()
    assert record.ip == "127.0.0.1"
    assert record.detail["lock_scope"] == "username"


def test_lock_ends_after_the_window(client, user):
    for _ in range(5):
        login(client, user.username, "wrong")
    assert errors(login(client, user.username, TEST_PASSWORD)) == [LOCKED]
    LoginLock.objects.filter(scope=LockScope.USERNAME).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    # A fresh address: this one's own counter also reached 5.
    response = login(client, user.username, TEST_PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_minutes_left_are_shown(client, user):
    for _ in range(5):
        login(client, user.username, "wrong")
    LoginLock.objects.filter(scope=LockScope.USERNAME).update(
        locked_until=timezone.now() + timedelta(seconds=61)
    )
    assert errors(login(client, user.username, TEST_PASSWORD)) == ["账户已锁定，请 2 分钟后再试。"]


def test_old_failures_are_forgotten(client, user):
    for _ in range(4):
        login(client, user.username, "wrong")
    LoginLock.objects.update(last_failure_at=timezone.now() - timedelta(minutes=16))
    assert errors(login(client, user.username, "wrong")) == [BAD]
    row = LoginLock.objects.get(scope=LockScope.USERNAME)
    assert (row.failures, row.locked_until) == (1, None)


def test_success_resets_the_username_counter(client, user):
    for _ in range(4):
        login(client, user.username, "wrong")
    assert login(client, user.username, TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert LoginLock.objects.get(scope=LockScope.USERNAME).failures == 0
    # Four more from another address: still not locked (the counter restarted).
    for _ in range(4):
        assert errors(login(client, user.username, "wrong", REMOTE_ADDR="10.0.0.2")) == [BAD]
    assert login(client, user.username, TEST_PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_username_counter_ignores_case(client, user):
    for _ in range(5):
        login(client, user.username.upper(), "wrong", REMOTE_ADDR="10.0.0.3")
    assert errors(login(client, user.username, TEST_PASSWORD, REMOTE_ADDR="10.0.0.4")) == [LOCKED]


def test_ip_is_locked_across_usernames(client, user):
    for i in range(5):
        login(client, f"guess{i}", "wrong", REMOTE_ADDR="10.9.9.9")
    response = login(client, user.username, TEST_PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert errors(response) == ["该地址登录失败次数过多，已暂停登录，请 15 分钟后再试。"]
    # The same person from another address gets in: only the address was locked.
    assert login(client, user.username, TEST_PASSWORD, REMOTE_ADDR="10.9.9.8").status_code == 302


def test_ip_threshold_setting(client, user, settings):
    settings.PINGAN_LOCKOUT_IP_FAILURES = 8
    for i in range(7):
        login(client, f"guess{i}", "wrong", REMOTE_ADDR="10.9.9.7")
    assert login(client, user.username, TEST_PASSWORD, REMOTE_ADDR="10.9.9.7").status_code == 302


def test_unknown_usernames_are_counted_too(client):
    for _ in range(5):
        login(client, "nobody", "wrong", REMOTE_ADDR="10.1.1.1")
    assert lockout.active_lock("nobody", None).scope == LockScope.USERNAME


def test_lock_is_shared_through_the_database(user):
    """What one worker process records, another sees: state is rows, not process memory."""
    for _ in range(5):
        lockout.register_failure(user.username, "10.2.2.2")
    rows = {(r.scope, r.key): r.locked_until is not None for r in LoginLock.objects.all()}
    assert rows == {("username", user.username): True, ("ip", "10.2.2.2"): True}
    assert lockout.active_lock(user.username, None) is not None
    assert lockout.active_lock("someone-else", "10.2.2.2").scope == LockScope.IP


def test_refused_attempts_while_locked_do_not_extend_the_lock(client, user):
    for _ in range(5):
        login(client, user.username, "wrong")
    until = LoginLock.objects.get(scope=LockScope.USERNAME).locked_until
    login(client, user.username, "wrong")
    assert LoginLock.objects.get(scope=LockScope.USERNAME).locked_until == until


def test_inactive_user_is_a_plain_failure(client, user):
    user.is_active = False
    user.save()
    assert errors(login(client, user.username, TEST_PASSWORD)) == [BAD]
    assert login_outcomes(user.username) == ["failed"]
