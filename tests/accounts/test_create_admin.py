"""`pingan create-admin`: the installer's way to the three admins, without createsuperuser."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pingan.accounts.models import Position, User
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.models import AuditRecord
from tests.accounts.factories import sign_in
from tests.factories import UserFactory, region_chain

pytestmark = pytest.mark.django_db
GOOD = "Pingan-2026-ok"


class Terminal(io.StringIO):
    """Standard input attached to a terminal (nothing is read from it: getpass prompts)."""

    def isatty(self) -> bool:
        return True


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


def run(*args, stdin=None) -> str:
    out = io.StringIO()
    call_command("create-admin", *args, stdin=stdin or Pipe(), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def county():
    return region_chain("990101")


@pytest.fixture
def typed(monkeypatch):
    """Answers typed at getpass prompts, in order; records the prompts."""
    answers: list[str] = []
    prompts: list[str] = []

    def fake_getpass(prompt=""):
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    return answers, prompts


def test_creates_the_three_admins_from_stdin(county, argon2_hashing):
    for username, role in (
        ("xitong", Role.SYSTEM_ADMIN),
        ("anquan", Role.SECURITY_ADMIN),
        ("shenji", Role.AUDITOR),
    ):
        out = run(
            username,
            "--role",
            role,
            "--unit",
            "990101",
            "--full-name",
            "张三",
            "--password-stdin",
            stdin=Pipe(GOOD + "\n"),
        )
        assert out == (
            f"已为 {username} 授予岗位：{county.name} · {Role(role).label}。"
            "首次登录时须绑定两步验证。\n"
        )
        user = User.objects.get(username=username)
        assert user.check_password(GOOD) and user.password.startswith("argon2")
        assert (user.full_name, user.is_superuser, user.is_staff) == ("张三", False, False)
        position = user.positions.get()
        assert (position.role, position.region_id, position.active) == (role, "990101", True)
    records = AuditRecord.objects.order_by("seq")
    assert [(r.action, r.actor_username) for r in records] == [
        ("user.create", "system"),
        ("position.grant", "system"),
    ] * 3


def test_the_created_system_admin_can_use_the_admin(client, county):
    run(
        "xitong", "--role", "system_admin", "--unit", "990101", "--password-stdin", stdin=Pipe(GOOD)
    )
    position = Position.objects.get(user__username="xitong")
    sign_in(client, Actor(user=position.user, position=position))
    assert client.get("/admin/accounts/user/").status_code == 200


def test_prompts_twice_on_a_terminal_and_retries(county, typed):
    answers, prompts = typed
    answers += ["Pingan-2026-ok", "Pingan-2026-no", "short", "short", GOOD, GOOD]
    err = io.StringIO()
    call_command(
        "create-admin",
        "xitong",
        "--role",
        "system_admin",
        "--unit",
        "990101",
        stdin=Terminal(),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert prompts == ["密码：", "再次输入密码："] * 3
    assert err.getvalue().splitlines() == [
        "两次输入的密码不一致。",
        "密码至少需要 10 个字符。 密码须包含大写字母、小写字母、数字、符号中的至少 3 类。",
    ]
    assert User.objects.get(username="xitong").check_password(GOOD)


def test_gives_up_after_three_bad_attempts(county, typed):
    answers, _prompts = typed
    answers += ["xitong-2026-A", "xitong-2026-A"] * 3  # contains the username
    with pytest.raises(CommandError, match="密码未设置，账号未创建。"):
        run("xitong", "--role", "system_admin", "--unit", "990101", stdin=Terminal())
    assert not User.objects.exists()


def test_no_terminal_and_no_password_stdin_is_refused(county):
    with pytest.raises(CommandError, match="请用 --password-stdin 从标准输入提供密码"):
        run("xitong", "--role", "system_admin", "--unit", "990101", stdin=Pipe(GOOD))
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "没有从标准输入读到密码。"),
        ("weakpass", "密码至少需要 10 个字符。"),
        ("Xitong-2026", "密码不能与用户名相同或包含用户名。"),
    ],
)
def test_bad_stdin_password_changes_nothing(county, password, message):
    with pytest.raises(CommandError, match=message):
        run(
            "xitong",
            "--role",
            "system_admin",
            "--unit",
            "990101",
            "--password-stdin",
            stdin=Pipe(password + "\n"),
        )
    assert not User.objects.exists()
    assert not AuditRecord.objects.exists()


def test_unknown_region_and_role(county):
    with pytest.raises(CommandError, match="区划不存在：990199。请先用 pingan import-regions"):
        run(
            "xitong",
            "--role",
            "system_admin",
            "--unit",
            "990199",
            "--password-stdin",
            stdin=Pipe(GOOD),
        )
    with pytest.raises(CommandError, match="invalid choice: 'leader'"):
        run("xitong", "--role", "leader", "--unit", "990101", "--password-stdin", stdin=Pipe(GOOD))
    assert not User.objects.exists()


def test_refuses_a_second_admin_role_for_the_same_person(county):
    run("zhangsan", "--role", "auditor", "--unit", "990101", "--password-stdin", stdin=Pipe(GOOD))
    with pytest.raises(CommandError) as info:
        run("ZhangSan", "--role", "system_admin", "--unit", "990101")
    assert str(info.value) == "三员分立：同一人不能同时担任审计管理员和系统管理员。"
    with pytest.raises(CommandError) as info:
        run("zhangsan", "--role", "auditor", "--unit", "990101")
    assert str(info.value) == f"zhangsan 已在{county.name}担任审计管理员。"
    assert list(Position.objects.values_list("role", flat=True)) == ["auditor"]


def test_existing_account_gets_the_position_and_keeps_its_password(county):
    person = UserFactory(username="lisi")
    before = person.password
    out = run("lisi", "--role", "security_admin", "--unit", "990101")
    assert "已为 lisi 授予岗位：" in out
    person.refresh_from_db()
    assert person.password == before
    assert person.positions.get().role == Role.SECURITY_ADMIN
    with pytest.raises(CommandError, match="不修改密码"):
        run(
            "lisi", "--role", "security_admin", "--unit", "99", "--password-stdin", stdin=Pipe(GOOD)
        )
    UserFactory(username="wangwu", is_active=False)
    with pytest.raises(CommandError, match="用户 wangwu 已停用"):
        run("wangwu", "--role", "auditor", "--unit", "990101")
    assert not Position.objects.filter(user__username="wangwu").exists()
