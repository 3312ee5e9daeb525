"""Who may use the Django admin (三员分立): the current system admin, and nobody else.

The superuser and staff flags grant nothing, the admin's own login form is never used, and
every admin screen of every app follows the same rule (`pingan.accounts.adminaccess`).
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework.authtoken.models import TokenProxy

from pingan.accounts import services
from pingan.accounts.adminaccess import is_system_admin
from pingan.accounts.roles import Role
from pingan.accounts.scope import POSITION_HEADER
from pingan.audit.models import AuditRecord
from pingan.regions.services import region_rename
from pingan.web.adminsite import PinganAdminSite
from tests.accounts.factories import enrol, sign_in
from tests.factories import PositionFactory, make_actor, region_chain

pytestmark = pytest.mark.django_db
GOOD = "Pingan-2026-ok"


@pytest.fixture
def superuser():
    """A Django superuser (and staff) whose only position is a grid worker's."""
    actor = make_actor(Role.GRID_WORKER, "990101001001001")
    actor.user.is_superuser = actor.user.is_staff = True
    actor.user.save()
    return actor


def test_the_default_site_is_the_pingan_site():
    assert isinstance(admin.site._wrapped, PinganAdminSite)
    assert not admin.site.is_registered(Group)
    assert not admin.site.is_registered(TokenProxy)


def test_superuser_without_the_role_gets_403_and_is_refused_by_services(client, superuser):
    sign_in(client, superuser)
    index = client.get("/admin/")
    assert index.status_code == 403
    assert "您当前的岗位没有访问这个页面的权限" in index.content.decode()
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/regions/region/").status_code == 403
    assert client.get("/admin/login/").status_code == 403  # no login form, no loop
    denied = AuditRecord.objects.filter(action="permission.denied", object_type="admin")
    assert [(r.object_id, r.detail) for r in denied.order_by("seq")] == [
        (path, {"reason": "system_admin_required", "role": "grid_worker"})
        for path in ("/admin/", "/admin/accounts/user/", "/admin/regions/region/", "/admin/login/")
    ]
    with pytest.raises(PermissionDenied):
        services.require_role(superuser, Role.SYSTEM_ADMIN, "user.create")
    with pytest.raises(PermissionDenied):
        services.user_create(actor=superuser, username="boot", password=GOOD)
    with pytest.raises(PermissionDenied):
        services.user_unlock(actor=superuser, username="someone")
    region_chain("990101")
    with pytest.raises(PermissionDenied):
        region_rename(actor=superuser, code="990101", name="改名")


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDITOR, Role.LEADER])
def test_other_admins_get_403(client, role):
    actor = make_actor(role, "990101")
    actor.user.is_staff = True
    actor.user.save()
    sign_in(client, actor)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/accounts/position/").status_code == 403


def test_system_admin_opens_every_registered_changelist(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    assert not actor.user.is_staff and not actor.user.is_superuser
    sign_in(client, actor)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "平安建设信息系统 管理后台" in index.content.decode()
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    listed = {
        f"{app['app_label']}.{model['object_name'].lower()}"
        for app in index.context["app_list"]
        for model in app["models"]
    }
    assert listed == registered
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


def test_the_current_position_decides_not_the_positions_held(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    leader = PositionFactory(user=actor.user, role=Role.LEADER, region=region_chain("990101"))
    sign_in(client, actor)
    assert client.get("/admin/").status_code == 200
    client.post("/accounts/position/", {"position": leader.pk, "next": "/"})
    assert client.get("/admin/").status_code == 403
    # A position header for a position not held is refused, not an error page.
    request = RequestFactory().get("/admin/", **{POSITION_HEADER: "999999"})
    request.user = actor.user
    assert is_system_admin(request) is False


def test_anonymous_visitors_go_to_the_project_login_page(client):
    response = client.get("/admin/regions/region/?level__exact=town")
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/login/?next=%2Fadmin%2Fregions%2Fregion%2F%3Flevel__exact%3Dtown"
    )
    index = client.get("/admin/")
    assert index["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    login = client.get("/admin/login/?next=/admin/accounts/user/")
    assert login["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_signing_in_leads_through_the_second_factor_to_the_admin(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    enrol(actor.user)
    sign_in(client, actor, two_factor=False)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/verify/?next=%2Fadmin%2F"
    assert client.get("/admin/login/")["Location"].startswith("/accounts/2fa/verify/")


def test_admin_login_url_sends_a_system_admin_to_the_index(client):
    sign_in(client, make_actor(Role.SYSTEM_ADMIN, "990101"))
    response = client.get("/admin/login/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_admin_logout_is_the_audited_project_logout(client):
    actor = make_actor(Role.SYSTEM_ADMIN, "990101")
    sign_in(client, actor)
    response = client.post("/admin/logout/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert AuditRecord.objects.get(action="auth.logout").actor_id == actor.user.pk
    assert client.get("/admin/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"
