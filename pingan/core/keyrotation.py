"""Data-key rotation: a new primary key, every encrypted column re-encrypted, old keys retired.

Used by `pingan rotate-data-key`. Steps (each safe to repeat after an interruption):

1. add a new key id to the key file and make it primary (other processes pick it up within
   `crypto.RECHECK_SECONDS`, and at once when they read a value under it);
2. re-encrypt, in batches of one transaction each, every value of every `EncryptedTextField`
   of every installed model that is not under the primary key;
3. retire the old keys that no stored value uses any more: they leave the key file and go to
   an archive file next to it, because database backups made before the rotation need them.

Blind indexes use the separate index key and do not change.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from pingan.core import crypto
from pingan.core.keys import (
    archive_retired_keys,
    env_key_document,
    key_file_path,
    key_source,
    new_key,
    new_key_id,
    parse_key_document,
    read_key_document,
    read_key_file,
    write_key_file,
)

ENV_ROTATION_HELP = """\
数据密钥来自环境变量 PINGAN_DATA_KEY，本命令不能改写它。轮换环境变量管理的密钥：
  1. pingan rotate-data-key --print-env-document > new-key.json
     （输出包含现有密钥和一把新的主密钥的 JSON 密钥文档；盲索引密钥保持不变）
  2. 把 PINGAN_DATA_KEY 设为该 JSON 文档的内容，重启所有 Web 和任务进程；
  3. pingan rotate-data-key --reencrypt-only   （用新主密钥重新加密全部数据）
  4. 按第 3 步的提示从文档中删除不再使用的旧密钥，再次重启；旧密钥请与旧备份一起保存。
The data key comes from PINGAN_DATA_KEY, which this command cannot rewrite. Supply a JSON key
document with the old keys plus a new primary (step 1), restart, then --reencrypt-only."""


class RotationRefused(Exception):  # noqa: N818 - reads better at the call site
    """Rotation cannot run in this configuration; the message says what to do instead."""


@dataclass
class ColumnResult:
    label: str
    reencrypted: int = 0


@dataclass
class RotationReport:
    primary: str
    added: str | None = None
    columns: list[ColumnResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    still_used: list[str] = field(default_factory=list)
    unused_env_keys: list[str] = field(default_factory=list)
    archive: Path | None = None

    @property
    def reencrypted(self) -> int:
        return sum(c.reencrypted for c in self.columns)


def encrypted_fields(
    models_: Iterable[type[models.Model]] | None = None,
) -> list[tuple[type[models.Model], models.Field]]:
    """(model, field) for every `EncryptedTextField` stored in each model's own table."""
    found = []
    for model in apps.get_models() if models_ is None else models_:
        meta = model._meta
        if meta.proxy or meta.swapped:
            continue
        for fld in meta.local_concrete_fields:
            if isinstance(fld, crypto.EncryptedTextField):
                found.append((model, fld))
    return found


def _with_raw(model: type[models.Model], fld: models.Field) -> models.QuerySet:
    # Cast to plain text so the database value arrives as stored (no decryption on read).
    return model._base_manager.annotate(_raw=Cast(fld.name, models.TextField()))


def reencrypt_column(
    model: type[models.Model], fld: models.Field, *, batch_size: int = 500
) -> tuple[int, list[str]]:
    """Re-encrypt the values of one column that are not under the primary key.

    Each batch runs in its own transaction with its rows locked; a value changed by someone
    else in between is left alone (compare-and-set on the stored ciphertext).
    Returns (number re-encrypted, failure descriptions).
    """
    prefix = f"{crypto.PREFIX}:{crypto.current_key_id()}:"
    label = f"{model._meta.label}.{fld.name}"
    done, failures, last_pk = 0, [], None
    while True:
        with transaction.atomic():
            pending = (
                _with_raw(model, fld)
                .exclude(_raw__isnull=True)
                .exclude(_raw="")
                .exclude(_raw__startswith=prefix)
            )
            if last_pk is not None:
                pending = pending.filter(pk__gt=last_pk)
            rows = list(
                pending.order_by("pk").select_for_update().values_list("pk", "_raw")[:batch_size]
            )
            for pk, raw in rows:
                try:
                    plain = crypto.decrypt(raw)
                except crypto.DecryptionError as exc:
                    failures.append(f"{label} pk={pk}: {exc}")
                    continue
                done += (
                    _with_raw(model, fld)
                    .filter(pk=pk, _raw=raw)
                    .update(**{fld.attname: plain})  # get_prep_value encrypts under primary
                )
        if len(rows) < batch_size:
            return done, failures
        last_pk = rows[-1][0]


def key_ids_in_use(
    candidates: Iterable[str], extra_models: Iterable[type[models.Model]] = ()
) -> set[str]:
    """Which of `candidates` still encrypt at least one stored value, over every installed
    model (plus `extra_models`), whatever subset was re-encrypted."""
    fields = encrypted_fields()
    seen = {(m, f.name) for m, f in fields}
    fields += [(m, f) for m, f in encrypted_fields(extra_models) if (m, f.name) not in seen]
    used = set()
    for kid in candidates:
        prefix = f"{crypto.PREFIX}:{kid}:"
        if any(_with_raw(m, f).filter(_raw__startswith=prefix).exists() for m, f in fields):
            used.add(kid)
    return used


@contextlib.contextmanager
def _rotation_lock(path: Path) -> Iterator[None]:
    """One rotation at a time on this key file (advisory lock; POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RotationRefused("另一个密钥轮换正在进行 (another rotation is running)") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def env_document_with_new_key() -> dict:
    """For env-managed keys: the current document plus a new primary key (step 1 above)."""
    doc = env_key_document()
    parse_key_document(doc, source="env")
    kid = new_key_id(set(doc["keys"]))
    return {"primary": kid, "keys": {**doc["keys"], kid: new_key()}, "index": doc["index"]}


def _add_primary_key(path: Path) -> str:
    doc = read_key_document()
    parse_key_document(doc, source="file")
    kid = new_key_id(set(doc["keys"]))
    doc["keys"][kid] = new_key()
    doc["primary"] = kid
    write_key_file(path, doc)
    crypto.reset_keyring_cache()
    return kid


def _retire(path: Path, kids: set[str]) -> Path:
    doc = read_key_file(path)
    retired = {kid: doc["keys"][kid] for kid in sorted(kids)}
    archive = archive_retired_keys(path, retired, doc["index"])
    for kid in kids:
        del doc["keys"][kid]
    write_key_file(path, doc)
    crypto.reset_keyring_cache()
    return archive


def rotate_data_key(
    *,
    models: Iterable[type[models.Model]] | None = None,
    reencrypt_only: bool = False,
    batch_size: int = 500,
) -> RotationReport:
    """Rotate the data key (see the module docstring).

    `models` limits re-encryption to those models (default: every installed model); keys are
    retired only when no value of any installed model uses them. With the key in
    PINGAN_DATA_KEY only `reencrypt_only` is possible (raises `RotationRefused` otherwise).
    On any value that cannot be decrypted, nothing is retired and the failures are reported.
    """
    source = key_source()
    if source == "env" and not reencrypt_only:
        raise RotationRefused(ENV_ROTATION_HELP)
    models = list(models) if models is not None else None
    path = key_file_path()
    with _rotation_lock(path) if source == "file" else contextlib.nullcontext():
        added = None if reencrypt_only else _add_primary_key(path)
        ring = crypto.current_keyring()
        report = RotationReport(primary=ring.primary, added=added)
        for model, fld in encrypted_fields(models):
            done, failures = reencrypt_column(model, fld, batch_size=batch_size)
            report.columns.append(ColumnResult(f"{model._meta.label}.{fld.name}", done))
            report.failures += failures
        old = set(ring.keys) - {ring.primary}
        if report.failures or not old:
            report.still_used = sorted(old)
            return report
        used = key_ids_in_use(old, models or ())
        report.still_used = sorted(used)
        unused = old - used
        if source == "env":
            report.unused_env_keys = sorted(unused)
        elif unused:
            report.archive = _retire(path, unused)
            report.retired = sorted(unused)
    return report


def describe(report: RotationReport) -> str:
    """A short Chinese summary for the command line."""
    lines = []
    if report.added:
        lines.append(f"新主密钥: {report.added}")
    else:
        lines.append(f"主密钥: {report.primary}")
    for col in report.columns:
        lines.append(f"  {col.label}: 重新加密 {col.reencrypted} 条")
    lines.append(f"共重新加密 {report.reencrypted} 条。")
    if report.retired:
        lines.append(f"已停用旧密钥: {', '.join(report.retired)}；已归档到 {report.archive}")
        lines.append("  请把归档文件与轮换前的数据库备份一起保存，否则这些备份无法解密。")
    if report.unused_env_keys:
        lines.append(
            f"旧密钥 {', '.join(report.unused_env_keys)} 已不再使用：请从 PINGAN_DATA_KEY "
            "的 JSON 文档中删除并重启（副本与旧备份一起保存）。"
        )
    if report.still_used:
        lines.append(f"仍在使用的旧密钥: {', '.join(report.still_used)}（未停用）")
    for failure in report.failures[:20]:
        lines.append(f"  无法解密: {failure}")
    if len(report.failures) > 20:
        lines.append(f"  …… 另有 {len(report.failures) - 20} 条")
    return "\n".join(lines)


def env_document_json() -> str:
    return json.dumps(env_document_with_new_key(), indent=1)
