# ruff: noqa: N999 - the command name is `rotate-data-key` (DESIGN §6 names commands so)
"""`pingan rotate-data-key`: new primary data key, re-encrypt everything, retire old keys."""

from django.core.management.base import BaseCommand, CommandError

from pingan.core.keyrotation import (
    RotationRefused,
    describe,
    env_document_json,
    rotate_data_key,
)
from pingan.core.keys import KeyConfigError, key_source


class Command(BaseCommand):
    help = "轮换数据密钥：新增主密钥，重新加密所有加密字段，停用不再使用的旧密钥。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reencrypt-only",
            action="store_true",
            help="不新增密钥，只把不在当前主密钥下的数据重新加密（中断后续跑，或环境变量密钥）。",
        )
        parser.add_argument(
            "--print-env-document",
            action="store_true",
            help="环境变量密钥：输出包含现有密钥和一把新主密钥的 JSON 文档。",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="每个事务处理的行数。")

    def handle(self, *args, reencrypt_only, print_env_document, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size 必须为正整数。")
        try:
            if print_env_document:
                if key_source() != "env":
                    raise CommandError(
                        "--print-env-document 只用于 PINGAN_DATA_KEY 管理的密钥；"
                        "密钥文件请直接运行 pingan rotate-data-key。"
                    )
                self.stdout.write(env_document_json())
                return
            report = rotate_data_key(reencrypt_only=reencrypt_only, batch_size=batch_size)
        except RotationRefused as exc:
            raise CommandError(str(exc)) from exc
        except KeyConfigError as exc:
            raise CommandError(f"密钥配置错误: {exc}") from exc
        self.stdout.write(describe(report))
        if report.failures:
            raise CommandError(
                f"{len(report.failures)} 条数据无法解密，旧密钥未停用。修复后运行 "
                "pingan rotate-data-key --reencrypt-only。"
            )
