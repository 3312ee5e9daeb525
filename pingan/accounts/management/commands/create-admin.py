# ruff: noqa: N999 - hyphenated command name, like the other `pingan` commands
"""`pingan create-admin USERNAME --role ROLE --unit REGION_CODE`: an administrator from the console.

How an installation gets its three administrators (三员分立: system, security and audit admin
are three different people) without a Django superuser. Runs as the installation itself
(`actor=None`) through the account services, so the password policy, the separation of duties
and the audit log apply as everywhere else. All or nothing: the account and its position are
created in one transaction.

A new account's password is asked twice on a terminal, or read as one line from standard input
with ``--password-stdin`` (for scripts). For an existing account only the position is added;
its password is left alone. The admin enrols an authenticator (TOTP) at the first sign-in.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.accounts import services
from pingan.accounts.models import User
from pingan.accounts.roles import ADMIN_ROLES, Role
from pingan.regions.models import Region

ADMIN_ROLE_CODES = sorted(str(role) for role in ADMIN_ROLES)
PROMPT_ATTEMPTS = 3


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = _("创建系统管理员、安全管理员或审计管理员账号（三员分立），代替 createsuperuser。")
    # Lets tests and callers pass their own input stream to call_command.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("用户名"))
        parser.add_argument("--role", required=True, choices=ADMIN_ROLE_CODES, help=_("管理员角色"))
        parser.add_argument(
            "--unit", required=True, metavar="REGION_CODE", help=_("岗位所在区划编码，如 990101")
        )
        parser.add_argument("--full-name", default="", help=_("姓名"))
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=_("从标准输入读取一行作为密码（脚本使用）；否则在终端提示输入两次"),
        )

    def handle(self, *args, username: str, role: str, unit: str, **options):
        stdin = options.get("stdin") or sys.stdin
        region = Region.objects.filter(code=unit.strip()).first()
        if region is None:
            raise CommandError(
                _("区划不存在：%(code)s。请先用 pingan import-regions 导入区划。") % {"code": unit}
            )
        username = username.strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is not None:
            self._check_existing(user, role, region, options["password_stdin"])
            password = None
        else:
            probe = User(username=username, full_name=options["full_name"].strip())
            password = self._password(probe, stdin, options["password_stdin"])
        try:
            with transaction.atomic():
                if user is None:
                    user = services.user_create(
                        actor=None,
                        username=username,
                        password=password,
                        full_name=options["full_name"],
                    )
                position = services.position_grant(actor=None, user=user, role=role, region=region)
        except (ValidationError, PermissionDenied) as exc:
            text = _messages(exc) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(text) from exc
        self.stdout.write(
            _("已为 %(username)s 授予岗位：%(position)s。首次登录时须绑定两步验证。")
            % {"username": user.username, "position": position}
        )

    def _check_existing(self, user: User, role: str, region: Region, password_stdin: bool) -> None:
        if password_stdin:
            raise CommandError(
                _("用户 %(username)s 已存在：本命令只为已有用户增加岗位，不修改密码。")
                % {"username": user.username}
            )
        if not user.is_active:
            raise CommandError(
                _("用户 %(username)s 已停用：请换一个用户名，或在管理后台启用后再授予岗位。")
                % {"username": user.username}
            )
        if user.positions.filter(active=True, role=role, region=region).exists():
            raise CommandError(
                _("%(username)s 已在%(unit)s担任%(role)s。")
                % {"username": user.username, "unit": region.name, "role": Role(role).label}
            )

    def _password(self, probe: User, stdin, from_stdin: bool) -> str:
        """The new account's password, checked against the policy before anything is saved."""
        if from_stdin:
            password = stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError(_("没有从标准输入读到密码。"))
            self._validate(probe, password)
            return password
        if not stdin.isatty():
            raise CommandError(
                _("没有可输入密码的终端：请用 --password-stdin 从标准输入提供密码。")
            )
        for _attempt in range(PROMPT_ATTEMPTS):
            password = getpass.getpass(_("密码："))
            if getpass.getpass(_("再次输入密码：")) != password:
                self.stderr.write(_("两次输入的密码不一致。"))
                continue
            try:
                self._validate(probe, password)
            except CommandError as exc:
                self.stderr.write(str(exc))
                continue
            return password
        raise CommandError(_("密码未设置，账号未创建。"))

    @staticmethod
    def _validate(probe: User, password: str) -> None:
        try:
            validate_password(password, probe)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
