# ruff: noqa: N999 - hyphenated command name, like the other `pingan` commands
"""`pingan open311-key issue --name N --region CODE [--contact T] | list | rotate ID | revoke ID`.

Client keys for Open311 POSTs from the console, run as the installation itself
(`actor=None`) through the same services as the admin screen, so every change is audited.
`issue` and `rotate` print the key once (the last line of the output, alone, for scripts);
only its hash is stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pingan.public.models import Open311Client
from pingan.public.open311 import services
from pingan.regions.models import Region


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "管理 Open311 接入密钥：issue 签发、list 列出、rotate 重新签发、revoke 停用。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="为一个接入系统签发密钥（只显示一次）")
        issue.add_argument("--name", required=True, help="接入系统名称")
        issue.add_argument(
            "--region", required=True, help="限定区划编码（县、乡镇或村），如 990101"
        )
        issue.add_argument("--contact", default="", help="对方联系人")
        sub.add_parser("list", help="列出全部接入系统")
        rotate = sub.add_parser("rotate", help="重新签发密钥（旧密钥立即失效）")
        rotate.add_argument("id", type=int, help="客户端编号（见 list）")
        revoke = sub.add_parser("revoke", help="停用接入系统（密钥立即失效）")
        revoke.add_argument("id", type=int, help="客户端编号（见 list）")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc

    def _issue(self, *, name: str, region: str, contact: str, **options) -> None:
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            raise CommandError(f"区划不存在：{region}")
        client, key = services.open311_client_issue(
            actor=None, name=name, region=place, contact=contact
        )
        self.stdout.write(
            f"已签发：#{client.pk} {client.name}（限定区划 {place.name} {place.code}）。"
            "密钥只显示这一次："
        )
        self.stdout.write(key)

    def _list(self, **options) -> None:
        for client in Open311Client.objects.select_related("region").order_by("id"):
            used = (
                timezone.localtime(client.last_used_at).strftime("%Y-%m-%d %H:%M")
                if client.last_used_at
                else "从未使用"
            )
            state = "有效" if client.active else "已停用"
            self.stdout.write(
                f"#{client.pk}  {client.key_prefix}…  {client.name}  "
                f"{client.region.code} {client.region.name}  {state}  最近使用 {used}"
            )

    def _client(self, pk: int) -> Open311Client:
        client = Open311Client.objects.filter(pk=pk).first()
        if client is None:
            raise CommandError(f"没有编号为 {pk} 的接入系统。")
        return client

    def _rotate(self, *, id: int, **options) -> None:
        client, key = services.open311_client_rotate(actor=None, client=self._client(id))
        self.stdout.write(f"已重新签发 #{client.pk} {client.name} 的密钥，旧密钥已失效。新密钥：")
        self.stdout.write(key)

    def _revoke(self, *, id: int, **options) -> None:
        client = services.open311_client_revoke(actor=None, client=self._client(id))
        self.stdout.write(f"已停用 #{client.pk} {client.name}。")
