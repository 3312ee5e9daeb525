"""The security admin's page: see locks, unlock, reset an authenticator."""

import pytest

from pingan.accounts import lockout
from pingan.accounts.models import LoginLock, TwoFactorDevice
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import enrol, sign_in
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def secadmin(client):
    actor = make_actor(Role.SECURITY_ADMIN, "990101")
    sign_in(client, actor)
    return actor


def test_lists_locks_and_unlocks(client, secadmin):
    for _ in range(5):
        lockout.register_failure("victim", "10.0.0.7")
    lockout.register_failure("typo", "10.0.0.8")
    body = client.get("/accounts/security/").content.decode()
    assert "victim" in body and "10.0.0.7" in body and "typo" in body
    assert body.count("锁定至") == 2
    response = client.post(
        "/accounts/security/unlock/", {"scope": "username", "key": "victim"}, follow=True
    )
    assert "已解除 victim 的锁定。" in response.content.decode()
    assert lockout.active_lock("victim", None) is None
    assert LoginLock.objects.filter(key="10.0.0.7").exists()
    record = AuditRecord.objects.get(action="auth.unlock")
    assert (record.actor_id, record.detail["username"]) == (secadmin.user.pk, "victim")


def test_reset_2fa(client, secadmin):
    leader = make_actor(Role.LEADER, "990101").user
    enrol(leader)
    missing = client.post("/accounts/security/reset-2fa/", {"username": "nobody"})
    assert missing.status_code == 400
    assert missing.context["reset_form"].errors == {"username": ["用户不存在。"]}
    done = client.post("/accounts/security/reset-2fa/", {"username": leader.username})
    assert done.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=leader).exists()
    assert AuditRecord.objects.filter(action="auth.2fa_reset").count() == 1


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR, Role.COUNTY_COMMANDER])
def test_other_roles_are_refused(client, role):
    sign_in(client, make_actor(role, "990101"))
    lockout.register_failure("victim", None)
    assert client.get("/accounts/security/").status_code == 403
    assert (
        client.post(
            "/accounts/security/unlock/", {"scope": "username", "key": "victim"}
        ).status_code
        == 403
    )
    assert LoginLock.objects.filter(key="victim").exists()
    assert AuditRecord.objects.filter(action="permission.denied").count() == 2
