"""Token API, API logout, /me, and the OpenAPI schema and offline docs page."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from pingan.accounts.models import LockScope, LoginLock
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import current_code, enrol, wrong_code
from tests.factories import (
    TEST_PASSWORD,
    DepartmentFactory,
    PositionFactory,
    make_actor,
    region_chain,
)

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def api():
    return APIClient()


def get_token(api, username, password=TEST_PASSWORD, **extra):
    return api.post(TOKEN, {"username": username, "password": password, **extra}, format="json")


def test_token_for_a_worker_and_use_it(api):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    response = get_token(api, actor.user.username)
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=actor.user).key}
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {
        "username": actor.user.username,
        "full_name": actor.user.full_name,
        "positions": [
            {
                "id": actor.position.pk,
                "role": "grid_worker",
                "role_name": "网格员",
                "unit_code": "990101001001001",
                "unit_name": "区划990101001001001",
                "scope_code": "990101001001001",
            }
        ],
        "current_position": actor.position.pk,
    }
    record = AuditRecord.objects.get(action="auth.login")
    assert (record.outcome, record.detail) == ("ok", {"channel": "api", "second_factor": "none"})


def test_bad_credentials_are_a_non_field_error(api):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    response = get_token(api, actor.user.username, "nope")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["用户名或密码错误。"]}
    assert AuditRecord.objects.get(action="auth.login").outcome == "failed"


def test_missing_fields_are_field_errors(api):
    response = api.post(TOKEN, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"username": ["该字段是必填项。"], "password": ["该字段是必填项。"]}


def test_lockout_applies_to_the_api(api):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    for _ in range(5):
        get_token(api, actor.user.username, "nope")
    response = get_token(api, actor.user.username)
    assert response.status_code == 403
    assert response.json() == {"detail": "账户已锁定，请 15 分钟后再试。", "code": "locked"}
    assert not Token.objects.exists()


def test_admin_roles_need_otp(api):
    admin = make_actor(Role.SYSTEM_ADMIN, "990101")
    device, codes = enrol(admin.user)
    missing = get_token(api, admin.user.username)
    assert (missing.status_code, missing.json()) == (400, {"otp": ["需要动态验证码"]})
    wrong = get_token(api, admin.user.username, otp=wrong_code(device))
    assert (wrong.status_code, wrong.json()) == (400, {"otp": ["动态验证码错误或已使用。"]})
    # A missing code is not a guess; a wrong one counts.
    assert LoginLock.objects.get(scope=LockScope.USERNAME).failures == 1
    ok = get_token(api, admin.user.username, otp=current_code(device))
    assert ok.status_code == 200 and "token" in ok.json()
    Token.objects.all().delete()
    recovery = get_token(api, admin.user.username, otp=codes[0])
    assert recovery.status_code == 200
    assert get_token(api, admin.user.username, otp=codes[0]).status_code == 400
    assert AuditRecord.objects.filter(action="auth.2fa_recovery_used").count() == 1


def test_wrong_password_is_reported_before_otp(api):
    admin = make_actor(Role.LEADER, "990101")
    enrol(admin.user)
    response = get_token(api, admin.user.username, "nope")
    assert response.json() == {"non_field_errors": ["用户名或密码错误。"]}


def test_admin_not_enrolled_is_told_to_enrol(api):
    admin = make_actor(Role.AUDITOR, "990101")
    response = get_token(api, admin.user.username)
    assert response.status_code == 400
    assert response.json() == {"otp": ["尚未绑定动态验证码，请先在网页端登录完成绑定。"]}
    assert not Token.objects.exists()


def test_api_logout_deletes_the_token(api):
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    token = get_token(api, actor.user.username).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert not Token.objects.exists()
    assert api.get("/api/v1/me/").status_code == 401
    assert AuditRecord.objects.filter(action="auth.logout").count() == 1


def test_position_header(api):
    actor = make_actor(Role.TOWN_OPERATOR, "990101001")
    dept = DepartmentFactory(region=region_chain("990101"))
    second = PositionFactory(
        user=actor.user, role=Role.DEPARTMENT_HANDLER, region=None, department=dept
    )
    other = make_actor(Role.GRID_WORKER, "990101001001001")
    api.force_authenticate(actor.user)
    assert api.get("/api/v1/me/").json()["current_position"] == actor.position.pk
    chosen = api.get("/api/v1/me/", headers={"X-Pingan-Position": str(second.pk)})
    assert chosen.json()["current_position"] == second.pk
    assert [p["scope_code"] for p in chosen.json()["positions"]] == ["990101001", "990101"]
    for bad in (str(other.position.pk), "abc", "999999"):
        response = api.get("/api/v1/me/", headers={"X-Pingan-Position": bad})
        assert response.status_code == 403
        assert response.json() == {"detail": "岗位不存在或不属于当前用户。"}
    assert AuditRecord.objects.filter(action="permission.denied", outcome="denied").count() == 3


def test_me_requires_authentication(api):
    assert api.get("/api/v1/me/").status_code == 401


def test_schema_and_offline_docs(client):
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/auth/token/", "/api/v1/auth/logout/", "/api/v1/me/"} <= set(paths)
    token_op = paths["/api/v1/auth/token/"]["post"]
    assert set(token_op["responses"]) == {"200", "400", "403"}
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_resolving_the_actor_does_not_read_region_boundaries(api):
    # Every API request resolves the actor; grid boundaries are large GeoJSON and were read
    # (and decoded) on each request before, which cost a quarter of an event report.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {get_token(api, actor.user.username).json()['token']}"
    )
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/me/").status_code == 200
    position_queries = [q["sql"] for q in queries if '"accounts_position"' in q["sql"]]
    assert position_queries
    assert not any('"geometry"' in sql for sql in position_queries)
