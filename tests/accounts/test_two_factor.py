"""TOTP enrolment, verification, recovery codes and the 2FA middleware."""

import re

import pyotp
import pytest

from pingan.accounts import sessions, totp
from pingan.accounts.models import LoginLock, RecoveryCode, TwoFactorDevice
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import current_code, enrol, login, sign_in, wrong_code
from tests.factories import TEST_PASSWORD, make_actor

pytestmark = pytest.mark.django_db
SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"


def outcomes(action: str) -> list[str]:
    return list(
        AuditRecord.objects.filter(action=action).order_by("seq").values_list("outcome", flat=True)
    )


@pytest.fixture
def admin():
    return make_actor(Role.SECURITY_ADMIN, "990101")


def test_admin_without_device_is_sent_to_setup_after_password(client, admin):
    response = login(client, admin.user.username, TEST_PASSWORD)
    assert response["Location"] == "/accounts/2fa/setup/?next=%2F"
    assert client.session[sessions.TWO_FACTOR_OK] is False
    assert AuditRecord.objects.get(action="auth.login").detail["second_factor"] == "pending"
    # Every other page sends them back there; the API says 403.
    assert client.get("/accounts/position/")["Location"].startswith("/accounts/2fa/setup/?next=")
    api = client.get("/api/v1/me/")
    assert (api.status_code, api.json()) == (403, {"detail": "请先完成两步验证。"})
    # Logout stays reachable.
    assert client.post("/accounts/logout/").status_code == 302


def test_enrolment_flow(client, admin):
    login(client, admin.user.username, TEST_PASSWORD)
    page = client.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "绑定动态验证码" in body
    device = TwoFactorDevice.objects.get(user=admin.user)
    assert device.confirmed_at is None
    assert totp.grouped_secret(device.secret) in body
    # Reloading keeps the same secret (the phone may already have scanned it).
    client.get(SETUP)
    assert TwoFactorDevice.objects.get(user=admin.user).secret == device.secret

    bad = client.post(SETUP, {"code": wrong_code(device)})
    assert bad.context["form"].errors == {"code": ["验证码不正确，请核对手机时间后重新输入。"]}
    assert TwoFactorDevice.objects.get(user=admin.user).confirmed_at is None

    done = client.post(SETUP, {"code": pyotp.TOTP(device.secret).now()})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}", c) for c in codes)
    assert "恢复码只显示这一次" in done.content.decode()
    assert done["Cache-Control"].startswith("max-age=0")
    assert RecoveryCode.objects.filter(user=admin.user, used_at__isnull=True).count() == 10
    # Stored only hashed.
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)
    assert client.session[sessions.TWO_FACTOR_OK] is True
    assert client.get("/accounts/position/").status_code == 200
    assert outcomes("auth.2fa_enrol") == ["failed", "ok"]
    # The secret is encrypted at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_twofactordevice")
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1:") and device.secret not in raw


def test_enrolled_user_verifies_after_password(client, admin):
    device, _codes = enrol(admin.user)
    response = login(client, admin.user.username, TEST_PASSWORD)
    assert response["Location"] == "/accounts/2fa/verify/?next=%2F"
    assert client.get("/accounts/position/")["Location"].startswith(VERIFY)
    # Setup page of an enrolled, unverified user goes to verify (no new secret leaks).
    assert client.get(SETUP)["Location"].startswith(VERIFY)

    bad = client.post(VERIFY, {"code": wrong_code(device)})
    assert bad.context["form"].errors == {"code": ["动态验证码错误或已使用。"]}
    assert LoginLock.objects.get(scope="username").failures == 1

    key_before = client.session.session_key
    ok = client.post(VERIFY, {"code": current_code(device), "next": "/calendar/"})
    assert ok["Location"] == "/calendar/"
    assert client.session[sessions.TWO_FACTOR_OK] is True
    assert client.session.session_key != key_before  # new key once privileged
    assert client.get("/accounts/position/").status_code == 200
    assert outcomes("auth.2fa_verify") == ["failed", "ok"]
    assert LoginLock.objects.get(scope="username").failures == 0


def test_totp_code_cannot_be_replayed(admin):
    device, _codes = enrol(admin.user)
    code = current_code(device)
    assert totp.verify_totp(device, code) is True
    device.refresh_from_db()
    assert totp.verify_totp(device, code) is False


def test_recovery_code_is_single_use(client, admin):
    _device, codes = enrol(admin.user)
    login(client, admin.user.username, TEST_PASSWORD)
    response = client.post(VERIFY, {"code": codes[3].upper()}, follow=True)
    assert response.redirect_chain[0] == ("/", 302)
    assert client.session[sessions.TWO_FACTOR_OK] is True
    assert "您使用了一个恢复码，还剩 9 个" in str(list(response.context["messages"]))
    record = AuditRecord.objects.get(action="auth.2fa_recovery_used")
    assert record.detail == {"remaining": 9, "channel": "web"}

    client.post("/accounts/logout/")
    login(client, admin.user.username, TEST_PASSWORD)
    again = client.post(VERIFY, {"code": codes[3]})
    assert again.context["form"].errors == {"code": ["动态验证码错误或已使用。"]}
    assert client.session[sessions.TWO_FACTOR_OK] is False


def test_wrong_codes_lock_the_account(client, admin):
    device, _codes = enrol(admin.user)
    login(client, admin.user.username, TEST_PASSWORD)
    for _ in range(4):
        client.post(VERIFY, {"code": wrong_code(device)})
    response = client.post(VERIFY, {"code": wrong_code(device)}, follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "账户已锁定，请 15 分钟后再试。" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Locked: the password alone no longer gets a session.
    refused = login(client, admin.user.username, TEST_PASSWORD)
    assert list(refused.context["form"].non_field_errors()) == ["账户已锁定，请 15 分钟后再试。"]
    assert outcomes("auth.2fa_verify") == ["failed"] * 5


def test_voluntary_enrolment_is_then_required(client):
    worker = make_actor(Role.GRID_WORKER, "990101001001001")
    enrol(worker.user)
    response = login(client, worker.user.username, TEST_PASSWORD)
    assert response["Location"] == "/accounts/2fa/verify/?next=%2F"


def test_worker_without_device_is_not_asked(client):
    worker = make_actor(Role.GRID_WORKER, "990101001001001")
    assert login(client, worker.user.username, TEST_PASSWORD)["Location"] == "/"
    assert client.get("/accounts/position/").status_code == 200


def test_role_granted_mid_session_requires_2fa(client):
    worker = make_actor(Role.COUNTY_OPERATOR, "990101")
    assert login(client, worker.user.username, TEST_PASSWORD)["Location"] == "/"
    assert client.get("/accounts/position/").status_code == 200
    worker.user.positions.update(role=Role.LEADER)
    assert client.get("/accounts/position/")["Location"].startswith(SETUP)


def test_status_page_and_new_recovery_codes(client, admin):
    device, old = enrol(admin.user)
    sign_in(client, admin)
    status = client.get(SETUP)
    assert "还剩 10 个未使用的恢复码" in status.content.decode()
    refused = client.post("/accounts/2fa/recovery-codes/", {"code": wrong_code(device)})
    assert refused.status_code == 400
    fresh = client.post("/accounts/2fa/recovery-codes/", {"code": current_code(device)})
    assert fresh.status_code == 200
    new = fresh.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert totp.use_recovery_code(admin.user, old[0]) is False
    assert totp.use_recovery_code(admin.user, new[0]) is True
    assert outcomes("auth.2fa_recovery_regenerated") == ["failed", "ok"]


def test_qr_code_encodes_the_provisioning_uri(admin):
    device = totp.pending_device(admin.user)
    uri = totp.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/")
    assert f"secret={device.secret}" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and "</svg>" in svg
