"""The web import flow: check a file, keep it until the importer confirms, then import it.

The API imports in two requests that each carry the file (dry run, then commit). A web page
cannot ask for the file twice, so `import_stage` runs the dry run and keeps the uploaded
bytes (zlib-compressed, base64, encrypted: they hold ID numbers and phones) on the job.
`import_commit` imports exactly those bytes with the update/skip choice the importer made
after seeing the preview, through `registry_import` (same checks, one transaction, audited).

Retention: one staged file per user. Staging a new file, committing, or rechecking clears
the previous one, so confirmed or abandoned uploads do not pile up.
"""

from __future__ import annotations

import base64
import zlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.registry.imports.services import registry_import
from pingan.registry.imports.validate import MODES, UPDATE
from pingan.registry.models import ImportStatus, RegistryImport
from pingan.registry.services.common import require_registry_write


def _pack(content: bytes) -> str:
    return base64.b64encode(zlib.compress(content, 6)).decode("ascii")


def _unpack(staged: str) -> bytes:
    return zlib.decompress(base64.b64decode(staged))


def _keep(actor: Actor, job: RegistryImport, content: bytes) -> None:
    """Make `job` the user's only staged upload."""
    with transaction.atomic():
        RegistryImport.objects.filter(user=actor.user).exclude(pk=job.pk).exclude(staged="").update(
            staged=""
        )
        job.staged = _pack(content)
        job.save(update_fields=["staged"])


def _own(actor: Actor, job: RegistryImport) -> None:
    if job.user_id != actor.user.pk:  # callers fetch the user's own jobs; defence in depth
        raise PermissionDenied(_("只能处理本人上传的导入文件。"))


def import_stage(
    *, actor: Actor, kind: str, filename: str, content: bytes, mode: str = UPDATE
) -> RegistryImport:
    """Dry-run an uploaded file (`registry_import`, nothing written to the registry) and keep
    the file for `import_commit` / `import_recheck`.

    Permission: as `registry_import` (region positions with a writing role; every row's
    grid in scope); denials raise `PermissionDenied` (audited). An unreadable file raises
    `ValidationError` ({"file": …}) and nothing is kept. Returns the preview job (status
    preview, or failed with row errors and an error report). Side effect: the user's
    previously staged file, if any, is discarded.
    """
    job = registry_import(
        actor=actor, kind=kind, mode=mode, filename=filename, content=content, dry_run=True
    )
    _keep(actor, job, content)
    return job


def _staged_content(job: RegistryImport) -> bytes:
    if not job.staged:
        raise ValidationError(
            {"import": [_("该预检结果已失效（已导入或已上传新文件），请重新上传文件。")]}
        )
    return _unpack(job.staged)


def import_recheck(*, actor: Actor, job: RegistryImport, mode: str) -> RegistryImport:
    """Check the staged file of `job` again with another update/skip `mode` (a new preview
    job, which keeps the file). Permission as `import_stage`; only the job's own user."""
    require_registry_write(actor)
    _own(actor, job)
    if mode not in MODES:
        raise ValidationError({"mode": [_("请选择已登记人员的处理方式：更新或跳过。")]})
    content = _staged_content(job)
    return import_stage(
        actor=actor, kind=job.kind, filename=job.filename, content=content, mode=mode
    )


def import_commit(*, actor: Actor, job: RegistryImport, mode: str) -> RegistryImport:
    """Import the file a preview job checked, with the importer's `mode` for people already
    registered (``update`` / ``skip``).

    Permission: as `registry_import`; only the user who uploaded the file. The job must be
    a passed preview whose file is still staged; the file is claimed first, so a second
    click (or a second tab) gets a Chinese error instead of importing twice. The import is
    all-or-nothing and audited as ``registry.import`` by `registry_import`. Returns the new
    job: committed, or failed with row errors (nothing imported; the file stays staged on
    the failed job so it can be rechecked with the other mode).
    """
    require_registry_write(actor)
    _own(actor, job)
    if mode not in MODES:
        raise ValidationError({"mode": [_("请选择已登记人员的处理方式：更新或跳过。")]})
    if job.status != ImportStatus.PREVIEW:
        raise ValidationError({"import": [_("预检有错误的文件不能导入，请修改后重新上传。")]})
    content = _staged_content(job)
    claimed = (
        RegistryImport.objects.filter(pk=job.pk, user=actor.user)
        .exclude(staged="")
        .update(staged="")
    )
    if not claimed:
        raise ValidationError({"import": [_("该文件已经提交导入，请勿重复提交。")]})
    job.staged = ""
    result = registry_import(
        actor=actor,
        kind=job.kind,
        mode=mode,
        filename=job.filename,
        content=content,
        dry_run=False,
    )
    if result.status == ImportStatus.FAILED:
        _keep(actor, result, content)
    return result
