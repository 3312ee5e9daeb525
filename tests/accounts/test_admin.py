"""Django admin for users and positions: system admins only, every change through services."""

import pytest

from pingan.accounts import lockout
from pingan.accounts.models import LoginLock, Position, TwoFactorDevice, User
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import enrol, sign_in
from tests.factories import UserFactory, make_actor, region_chain

pytestmark = pytest.mark.django_db
# The read-only positions inline posts its (empty) management form like a browser would.
INLINE = {"positions-TOTAL_FORMS": "0", "positions-INITIAL_FORMS": "0"}


@pytest.fixture
def root(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    sign_in(client, actor)
    return actor


def test_only_system_admins(client):
    staff = make_actor(Role.COUNTY_COMMANDER, "990101")
    staff.user.is_staff = True
    staff.user.save()
    sign_in(client, staff)
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/accounts/position/").status_code == 403


def test_add_user_goes_through_the_service(client, root):
    page = client.get("/admin/accounts/user/add/")
    assert page.status_code == 200
    weak = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "zhaoliu",
            "full_name": "赵六",
            "password1": "zhaoliu123",
            "password2": "zhaoliu123",
            **INLINE,
        },
    )
    assert weak.status_code == 200
    assert "密码不能与用户名相同或包含用户名。" in weak.content.decode()
    assert not User.objects.filter(username="zhaoliu").exists()
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "zhaoliu",
            "full_name": "赵六",
            "password1": "Pingan-2026-ok",
            "password2": "Pingan-2026-ok",
            **INLINE,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhaoliu")
    assert user.check_password("Pingan-2026-ok")
    assert AuditRecord.objects.get(action="user.create").actor_id == root.user.pk


def test_change_user_and_password(client, root):
    person = UserFactory(username="sunqi")
    response = client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {"full_name": "孙七", "email": "", "is_active": "on", **INLINE},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "孙七"
    assert AuditRecord.objects.get(action="user.update").detail["fields"] == ["full_name"]
    page = client.get(f"/admin/accounts/user/{person.pk}/password/")
    assert page.status_code == 200
    mismatch = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "Pingan-2026-ok", "password2": "Pingan-2026-no"},
    )
    assert "两次输入的密码不一致。" in mismatch.content.decode()
    done = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": "Pingan-2026-ok", "password2": "Pingan-2026-ok"},
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Pingan-2026-ok")
    assert AuditRecord.objects.filter(action="user.set_password").count() == 1


def test_add_position_enforces_separation_of_duties(client, root):
    auditor = make_actor(Role.AUDITOR, "990101").user
    region_chain("990101")
    refused = client.post(
        "/admin/accounts/position/add/",
        {"user": auditor.pk, "role": Role.SYSTEM_ADMIN, "region": "990101", "department": ""},
    )
    assert refused.status_code == 200
    assert "三员分立：同一人不能同时担任审计管理员和系统管理员。" in refused.content.decode()
    assert auditor.positions.count() == 1
    ok = client.post(
        "/admin/accounts/position/add/",
        {"user": auditor.pk, "role": Role.LEADER, "region": "990101", "department": ""},
    )
    assert ok.status_code == 302
    assert AuditRecord.objects.filter(action="position.grant").count() == 1


def test_revoke_action(client, root):
    position = make_actor(Role.TOWN_OPERATOR, "990101001").position
    response = client.post(
        "/admin/accounts/position/",
        {"action": "revoke", "_selected_action": [position.pk]},
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.active is False
    assert Position.objects.filter(pk=position.pk).exists()
    assert AuditRecord.objects.filter(action="position.revoke").count() == 1


def test_locks_and_authenticators_are_read_only_for_the_system_admin(client, root):
    """Unlocking and 2FA resets are the security admin's duties (/accounts/security/)."""
    leader = make_actor(Role.LEADER, "990101").user
    enrol(leader)
    for _ in range(5):
        lockout.register_failure(leader.username, None)
    lock = LoginLock.objects.get()
    device = TwoFactorDevice.objects.get(user=leader)
    listing = client.get("/admin/accounts/loginlock/")
    assert listing.status_code == 200
    assert leader.username in listing.content.decode()
    assert list(listing.context["cl"].model_admin.get_actions(listing.wsgi_request)) == []
    assert client.get(f"/admin/accounts/loginlock/{lock.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/twofactordevice/").status_code == 200
    client.post("/admin/accounts/loginlock/", {"action": "unlock", "_selected_action": [lock.pk]})
    client.post(
        "/admin/accounts/twofactordevice/", {"action": "reset", "_selected_action": [device.pk]}
    )
    assert LoginLock.objects.filter(pk=lock.pk).exists()
    assert TwoFactorDevice.objects.filter(pk=device.pk).exists()
    assert not AuditRecord.objects.filter(action__in=["auth.unlock", "auth.2fa_reset"]).exists()


def test_own_password_change_goes_to_the_audited_page(client, root):
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/accounts/user/{root.user.pk}/password/"
    done = client.post(
        response["Location"], {"password1": "Pingan-2026-ok", "password2": "Pingan-2026-ok"}
    )
    assert done.status_code == 302
    root.user.refresh_from_db()
    assert root.user.check_password("Pingan-2026-ok")
    record = AuditRecord.objects.get(action="user.set_password")
    assert (record.actor_id, record.object_id) == (root.user.pk, str(root.user.pk))
    # This session stays signed in; the new password ends the others.
    assert client.get("/admin/").status_code == 200
