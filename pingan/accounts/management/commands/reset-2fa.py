# ruff: noqa: N999 - hyphenated command name, like the other `pingan` commands
"""`pingan reset-2fa USERNAME`: forget a user's authenticator (lost phone) from the console."""

from django.core.management.base import BaseCommand, CommandError

from pingan.accounts.models import User
from pingan.accounts.services import user_reset_2fa


class Command(BaseCommand):
    help = "重置用户的两步验证，用户下次登录时重新绑定动态验证码。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        user_reset_2fa(actor=None, user=user)
        self.stdout.write(f"已重置 {username} 的两步验证。")
