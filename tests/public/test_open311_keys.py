"""Open311 client keys: the services (system admins only, audited), the admin screen and the
`pingan open311-key` command."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.public.models import Open311Client
from pingan.public.open311.services import (
    client_for_key,
    key_hash,
    open311_client_issue,
    open311_client_revoke,
    open311_client_rotate,
    open311_client_update,
)
from pingan.regions.models import Region
from tests.accounts.factories import sign_in
from tests.factories import make_actor
from tests.flow.factories import COUNTY, G1, TOWN
from tests.public.open311_support import issue_key, post

KEY = re.compile(r"p311_[A-Za-z0-9_-]{40}")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def root(db):
    return make_actor(Role.SYSTEM_ADMIN, COUNTY)


def test_system_admin_issues_rotates_and_revokes(world, root, client):
    issued, key = open311_client_issue(
        actor=root, name=" 12345 热线平台 ", region=Region.objects.get(code=TOWN), contact="王工"
    )
    assert (issued.name, issued.region_id, issued.created_by) == ("12345 热线平台", TOWN, root.user)
    assert client_for_key(key) == issued
    rotated, new_key = open311_client_rotate(actor=root, client=issued)
    assert new_key != key and client_for_key(key) is None and client_for_key(new_key) == issued
    assert rotated.key_prefix == new_key[:12]
    open311_client_update(actor=root, client=issued, name="热线平台", contact="")
    revoked = open311_client_revoke(actor=root, client=issued)
    assert not revoked.active
    with pytest.raises(ValidationError):
        open311_client_rotate(actor=root, client=revoked)
    with pytest.raises(ValidationError):
        open311_client_revoke(actor=root, client=revoked)
    actions = list(
        AuditRecord.objects.filter(object_type="public.open311client")
        .order_by("seq")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("open311.client_issue", root.user.username),
        ("open311.client_rotate", root.user.username),
        ("open311.client_change", root.user.username),
        ("open311.client_revoke", root.user.username),
    ]
    for record in AuditRecord.objects.filter(object_type="public.open311client"):
        assert key not in str(record.detail) and new_key not in str(record.detail)


@pytest.mark.parametrize("role", [Role.COUNTY_OPERATOR, Role.SECURITY_ADMIN, Role.LEADER])
def test_other_roles_cannot_manage_keys_and_nothing_changes(world, role):
    actor = make_actor(role, COUNTY)
    county = Region.objects.get(code=COUNTY)
    with pytest.raises(PermissionDenied):
        open311_client_issue(actor=actor, name="x", region=county)
    existing, key = issue_key()
    with pytest.raises(PermissionDenied):
        open311_client_rotate(actor=actor, client=existing)
    with pytest.raises(PermissionDenied):
        open311_client_revoke(actor=actor, client=existing)
    existing.refresh_from_db()
    assert (Open311Client.objects.count(), existing.active) == (1, True)
    assert client_for_key(key) == existing
    assert AuditRecord.objects.filter(action="permission.denied").count() == 3


def test_a_key_is_bound_to_a_county_town_or_village(world, root):
    for code in ("99", "9901", G1):
        with pytest.raises(ValidationError) as err:
            open311_client_issue(actor=root, name="x", region=Region.objects.get(code=code))
        assert list(err.value.message_dict) == ["region"]
    with pytest.raises(ValidationError) as err:
        open311_client_issue(actor=root, name=" ", region=Region.objects.get(code=COUNTY))
    assert list(err.value.message_dict) == ["name"]
    assert not Open311Client.objects.exists()


def test_admin_issues_a_key_and_shows_it_once(world, root, client):
    sign_in(client, root)
    response = client.post(
        "/admin/public/open311client/add/",
        {"name": "市 12345 平台", "region": TOWN, "contact": "王工"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    (key,) = KEY.findall(page)
    issued = Open311Client.objects.get()
    assert issued.key_hash == key_hash(key) and issued.region_id == TOWN
    listing = client.get("/admin/public/open311client/").content.decode()
    assert issued.key_prefix in listing and key not in listing
    change = client.get(f"/admin/public/open311client/{issued.pk}/change/").content.decode()
    assert key not in change
    assert post(client, key, "json").status_code == 200


def test_admin_refuses_a_grid_as_the_region(world, root, client):
    sign_in(client, root)
    response = client.post(
        "/admin/public/open311client/add/", {"name": "网格系统", "region": G1, "contact": ""}
    )
    assert response.status_code == 200
    assert "限定区划应为县（市、区）、乡镇（街道）或村（社区）。" in response.content.decode()
    assert not Open311Client.objects.exists()


def test_admin_rotate_and_revoke_actions(world, root, client):
    sign_in(client, root)
    first, old_key = issue_key()
    second, _key = issue_key(name="第二个")
    changelist = "/admin/public/open311client/"
    both = client.post(
        changelist, {"action": "rotate", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "一次只能为一个客户端重新签发密钥。" in both.content.decode()
    response = client.post(changelist, {"action": "rotate", "_selected_action": [first.pk]})
    (new_key,) = KEY.findall(response.content.decode())
    assert client_for_key(old_key) is None and client_for_key(new_key) == first
    client.post(changelist, {"action": "revoke", "_selected_action": [first.pk, second.pk]})
    assert not Open311Client.objects.filter(active=True).exists()
    assert client.get(f"{changelist}{first.pk}/delete/").status_code == 403


def test_admin_is_for_system_admins_only(world, client):
    sign_in(client, make_actor(Role.COUNTY_OPERATOR, COUNTY))
    assert client.get("/admin/public/open311client/").status_code == 403
    assert (
        client.post("/admin/public/open311client/add/", {"name": "x", "region": COUNTY}).status_code
        == 403
    )
    assert not Open311Client.objects.exists()


def test_command_issues_lists_rotates_and_revokes(world):
    out = io.StringIO()
    call_command("open311-key", "issue", "--name", "县融媒体 App", "--region", COUNTY, stdout=out)
    lines = out.getvalue().splitlines()
    key = lines[-1]
    assert KEY.fullmatch(key)
    issued = Open311Client.objects.get()
    assert client_for_key(key) == issued and issued.created_by is None
    audit = AuditRecord.objects.get(action="open311.client_issue")
    assert audit.actor_username == "system"

    out = io.StringIO()
    call_command("open311-key", "list", stdout=out)
    assert f"#{issued.pk}  {issued.key_prefix}…  县融媒体 App  {COUNTY}" in out.getvalue()
    assert "从未使用" in out.getvalue()

    out = io.StringIO()
    call_command("open311-key", "rotate", str(issued.pk), stdout=out)
    new_key = out.getvalue().splitlines()[-1]
    assert client_for_key(new_key) == issued and client_for_key(key) is None

    call_command("open311-key", "revoke", str(issued.pk), stdout=io.StringIO())
    issued.refresh_from_db()
    assert not issued.active


def test_command_errors_are_clear(world):
    with pytest.raises(CommandError, match="区划不存在：123"):
        call_command("open311-key", "issue", "--name", "x", "--region", "123")
    with pytest.raises(CommandError, match="限定区划应为"):
        call_command("open311-key", "issue", "--name", "x", "--region", G1)
    with pytest.raises(CommandError, match="没有编号为 999 的接入系统"):
        call_command("open311-key", "revoke", "999")
    assert not Open311Client.objects.exists()
