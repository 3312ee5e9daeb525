"""Account services: duties of the three admins (三员分立), validation, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.authtoken.models import Token

from pingan.accounts import lockout, services
from pingan.accounts.models import LoginLock, Position, RecoveryCode, TwoFactorDevice, User
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from tests.accounts.factories import enrol
from tests.factories import (
    DepartmentFactory,
    PositionFactory,
    UserFactory,
    make_actor,
    region_chain,
)

pytestmark = pytest.mark.django_db
GOOD = "Pingan-2026-ok"


@pytest.fixture
def sysadmin():
    return make_actor(Role.SYSTEM_ADMIN, "990101")


@pytest.fixture
def secadmin():
    return make_actor(Role.SECURITY_ADMIN, "990101")


def test_user_create(sysadmin, argon2_hashing):
    user = services.user_create(actor=sysadmin, username="wangwu", password=GOOD, full_name="王五")
    assert user.check_password(GOOD) and user.password.startswith("argon2")
    record = AuditRecord.objects.get(action="user.create")
    assert (record.actor_id, record.object_id, record.detail) == (
        sysadmin.user.pk,
        str(user.pk),
        {"username": "wangwu", "full_name": "王五"},
    )


def test_user_create_validation_changes_nothing(sysadmin):
    UserFactory(username="Taken")
    with pytest.raises(ValidationError) as info:
        services.user_create(actor=sysadmin, username="taken", password="weak")
    assert info.value.message_dict == {
        "username": ["用户名已存在。"],
        "password": [
            "密码至少需要 10 个字符。",
            "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。",
        ],
    }
    with pytest.raises(ValidationError) as info:
        services.user_create(actor=sysadmin, username="bad name!", password="Bad-name-2026!")
    assert info.value.message_dict == {"username": ["用户名只能包含字母、数字和 @/./+/-/_ 字符。"]}
    assert User.objects.count() == 2  # the admin and "Taken"
    assert not AuditRecord.objects.filter(action="user.create").exists()


@pytest.mark.parametrize(
    "role", [Role.SECURITY_ADMIN, Role.AUDITOR, Role.COUNTY_COMMANDER, Role.LEADER]
)
def test_only_system_admin_manages_users(role):
    actor = make_actor(role, "990101")
    before = User.objects.count()
    with pytest.raises(PermissionDenied) as info:
        services.user_create(actor=actor, username="x1", password=GOOD)
    assert str(info.value) == "只有系统管理员可以执行此操作。"
    assert User.objects.count() == before
    denied = AuditRecord.objects.get(action="permission.denied")
    assert denied.detail == {
        "reason": "role_required",
        "required": "system_admin",
        "attempted": "user.create",
    }


def test_installation_may_act_and_a_superuser_may_not(sysadmin):
    services.user_create(actor=None, username="boot", password=GOOD)
    root = make_actor(Role.GRID_WORKER, "990101001001001")
    root.user.is_superuser = root.user.is_staff = True
    root.user.save()
    with pytest.raises(PermissionDenied):
        services.user_create(actor=root, username="boot2", password=GOOD)
    with pytest.raises(PermissionDenied):
        services.position_grant(
            actor=root, user=root.user, role=Role.SYSTEM_ADMIN, region=region_chain("990101")
        )
    assert not User.objects.filter(username="boot2").exists()
    assert root.user.positions.count() == 1
    records = AuditRecord.objects.filter(action="user.create").order_by("seq")
    assert [r.actor_username for r in records] == ["system"]
    denied = AuditRecord.objects.filter(action="permission.denied").order_by("seq")
    assert [r.detail["attempted"] for r in denied] == ["user.create", "position.grant"]


def test_separation_of_duties(sysadmin):
    person = make_actor(Role.AUDITOR, "990101").user
    county = region_chain("990101")
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        with pytest.raises(ValidationError) as info:
            services.position_grant(actor=sysadmin, user=person, role=role, region=county)
        assert info.value.message_dict == {
            "role": [f"三员分立：同一人不能同时担任审计管理员和{Role(role).label}。"]
        }
    assert person.positions.count() == 1
    # The same admin role in a second unit, or any business role, is fine.
    services.position_grant(
        actor=sysadmin, user=person, role=Role.AUDITOR, region=region_chain("99")
    )
    services.position_grant(actor=sysadmin, user=person, role=Role.LEADER, region=county)
    # Once the auditor positions are revoked the person may become security admin.
    for position in person.positions.filter(role=Role.AUDITOR):
        services.position_revoke(actor=sysadmin, position=position)
    services.position_grant(actor=sysadmin, user=person, role=Role.SECURITY_ADMIN, region=county)
    assert sorted(person.positions.filter(active=True).values_list("role", flat=True)) == [
        "leader",
        "security_admin",
    ]


def test_separation_of_duties_in_model_validation():
    person = make_actor(Role.SYSTEM_ADMIN, "990101").user
    position = Position(user=person, role=Role.AUDITOR, region=region_chain("990101"))
    with pytest.raises(ValidationError) as info:
        position.full_clean()
    assert "三员分立" in info.value.message_dict["role"][0]


def test_position_grant_and_revoke_are_audited(sysadmin):
    person = UserFactory()
    dept = DepartmentFactory(region=region_chain("990101"))
    position = services.position_grant(
        actor=sysadmin, user=person, role=Role.DEPARTMENT_HANDLER, department=dept
    )
    grant = AuditRecord.objects.get(action="position.grant")
    assert (grant.object_type, grant.object_id, grant.region_code) == (
        "position",
        str(position.pk),
        "990101",
    )
    assert grant.detail == {
        "username": person.username,
        "role": "department_handler",
        "unit": dept.code,
    }
    services.position_revoke(actor=sysadmin, position=position)
    position.refresh_from_db()
    assert position.active is False
    with pytest.raises(ValidationError):
        services.position_revoke(actor=sysadmin, position=position)
    assert AuditRecord.objects.filter(action="position.revoke").count() == 1


def test_position_rules(sysadmin):
    person = UserFactory()
    with pytest.raises(ValidationError) as info:
        services.position_grant(
            actor=sysadmin, user=person, role=Role.DEPARTMENT_HANDLER, region=region_chain("990101")
        )
    assert info.value.message_dict == {"department": ["职能部门办理人必须属于一个部门。"]}
    with pytest.raises(ValidationError):
        services.position_grant(
            actor=sysadmin, user=person, role="no_such_role", region=region_chain("990101")
        )
    assert not person.positions.exists()


def test_no_self_grants(sysadmin):
    with pytest.raises(PermissionDenied) as info:
        services.position_grant(
            actor=sysadmin,
            user=sysadmin.user,
            role=Role.COUNTY_COMMANDER,
            region=region_chain("990101"),
        )
    assert str(info.value) == "不能修改自己的岗位，请由其他系统管理员办理。"
    with pytest.raises(PermissionDenied):
        services.position_revoke(actor=sysadmin, position=sysadmin.position)


def test_set_password(sysadmin):
    person = make_actor(Role.GRID_WORKER, "990101001001001")
    Token.objects.create(user=person.user)
    services.user_set_password(actor=sysadmin, user=person.user, password=GOOD)
    person.user.refresh_from_db()
    assert person.user.check_password(GOOD)
    assert not Token.objects.exists()
    # Users may change their own; others may not.
    services.user_set_password(actor=person, user=person.user, password="Another-2026")
    with pytest.raises(PermissionDenied):
        services.user_set_password(actor=person, user=sysadmin.user, password="Another-2026")
    with pytest.raises(ValidationError) as info:
        services.user_set_password(actor=sysadmin, user=person.user, password=person.user.username)
    assert "密码不能与用户名相同或包含用户名。" in info.value.message_dict["password"]
    assert AuditRecord.objects.filter(action="user.set_password").count() == 2
    assert not any("Another" in str(r.detail) for r in AuditRecord.objects.all())


def test_user_update_deactivates(sysadmin):
    person = make_actor(Role.GRID_WORKER, "990101001001001").user
    Token.objects.create(user=person)
    services.user_update(actor=sysadmin, user=person, is_active=False, full_name="新名字")
    person.refresh_from_db()
    assert (person.is_active, person.full_name) == (False, "新名字")
    assert not Token.objects.exists()
    assert AuditRecord.objects.get(action="user.update").detail == {
        "username": person.username,
        "fields": ["full_name", "is_active"],
    }


def test_unlock_is_for_the_security_admin(secadmin, sysadmin):
    for _ in range(5):
        lockout.register_failure("victim", "10.0.0.5")
    assert lockout.active_lock("victim", None) is not None
    with pytest.raises(PermissionDenied):
        services.user_unlock(actor=sysadmin, username="victim")
    assert services.user_unlock(actor=secadmin, username="victim") == 1
    assert lockout.active_lock("victim", None) is None
    assert lockout.active_lock("x", "10.0.0.5") is not None
    services.user_unlock(actor=secadmin, ip="10.0.0.5")
    assert not LoginLock.objects.exists()
    with pytest.raises(ValidationError):
        services.user_unlock(actor=secadmin)
    assert AuditRecord.objects.filter(action="auth.unlock").count() == 2


def test_reset_2fa_is_for_the_security_admin(secadmin, sysadmin):
    leader = make_actor(Role.LEADER, "990101").user
    enrol(leader)
    with pytest.raises(PermissionDenied):
        services.user_reset_2fa(actor=sysadmin, user=leader)
    services.user_reset_2fa(actor=secadmin, user=leader)
    assert not TwoFactorDevice.objects.filter(user=leader).exists()
    assert not RecoveryCode.objects.filter(user=leader).exists()
    assert AuditRecord.objects.get(action="auth.2fa_reset").object_id == str(leader.pk)


def test_console_commands(capsys):
    from django.core.management import call_command

    leader = make_actor(Role.LEADER, "990101").user
    enrol(leader)
    for _ in range(5):
        lockout.register_failure(leader.username, None)
    call_command("unlock-user", leader.username)
    call_command("reset-2fa", leader.username)
    out = capsys.readouterr().out
    assert (
        "已解除锁定（清除 1 条计数）。" in out and f"已重置 {leader.username} 的两步验证。" in out
    )
    assert lockout.active_lock(leader.username, None) is None
    assert not TwoFactorDevice.objects.exists()
    assert PositionFactory._meta.model.objects.filter(user=leader).count() == 1
