# ruff: noqa: N999 - hyphenated command name, like the other `pingan` commands
"""`pingan unlock-user USERNAME [--ip IP]`: lift a login lock from the server console.

For when the security admin cannot sign in themselves; audited as done by the installation.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pingan.accounts.services import user_unlock


class Command(BaseCommand):
    help = "解除用户名（及可选的 IP 地址）的登录锁定。"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="用户名")
        parser.add_argument("--ip", default="", help="同时解除该 IP 地址的锁定")

    def handle(self, *args, username="", ip="", **options):
        try:
            removed = user_unlock(actor=None, username=username, ip=ip)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"已解除锁定（清除 {removed} 条计数）。")
