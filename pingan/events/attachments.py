"""Attachments on cases: checking uploads and storing them with the case (audited).

A file's type is decided by its first bytes (magic numbers), never by the name or the
browser's Content-Type; the name's extension, when it names a known type, must agree. Every
file of one request is checked before anything is written, and the files are written inside
the transaction and removed again if it fails, so a bad upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.events.models_extra import Attachment
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case

MAX_PER_CASE = 9
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Extensions a client may use for each sniffed type.
EXTENSIONS = {
    "image/jpeg": {"jpg", "jpeg", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
}
KNOWN_EXTENSIONS = set().union(*EXTENSIONS.values()) | {
    "gif",
    "bmp",
    "heic",
    "heif",
    "tif",
    "tiff",
    "svg",
    "exe",
    "html",
    "htm",
    "js",
    "doc",
    "docx",
    "zip",
}


def max_bytes() -> int:
    return int(getattr(settings, "PINGAN_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff_type(head: bytes) -> str | None:
    """The content type for the file's first bytes, or None when not an allowed type."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} B"


def _label(index: int, name: str) -> str:
    return _("第 %(n)d 个文件（%(name)s）") % {"n": index, "name": name or _("未命名")}


def check_files(
    files: Sequence[Any], *, existing: int = 0, field: str = "files"
) -> list[CheckedFile]:
    """Read and check uploaded files; raises `ActionInvalid({field: [...]})` listing every
    problem (count, size, type), or returns the files ready to store."""
    errors: list[str] = []
    if existing + len(files) > MAX_PER_CASE:
        errors.append(
            _("每个案件最多 %(max)d 个附件，已有 %(existing)d 个，本次上传 %(new)d 个。")
            % {"max": MAX_PER_CASE, "existing": existing, "new": len(files)}
        )
    limit = max_bytes()
    checked: list[CheckedFile] = []
    for index, upload in enumerate(files, start=1):
        # Browsers may send a path ("C:\\fakepath\\x.jpg"): keep the last part only.
        name = PurePath(str(getattr(upload, "name", "") or "").replace("\\", "/")).name[:200]
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            errors.append(
                _("%(file)s超过大小上限 %(limit)s。")
                % {"file": _label(index, name), "limit": _human(limit)}
            )
            continue
        content = upload.read(limit + 1)
        if len(content) > limit:
            errors.append(
                _("%(file)s超过大小上限 %(limit)s。")
                % {"file": _label(index, name), "limit": _human(limit)}
            )
            continue
        if not content:
            errors.append(_("%(file)s是空文件。") % {"file": _label(index, name)})
            continue
        content_type = sniff_type(content[:16])
        if content_type is None:
            errors.append(
                _("%(file)s不是允许的文件类型，只能上传 JPEG、PNG、WebP 图片或 PDF 文件。")
                % {"file": _label(index, name)}
            )
            continue
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in KNOWN_EXTENSIONS and ext not in EXTENSIONS[content_type]:
            errors.append(_("%(file)s的扩展名与文件内容不符。") % {"file": _label(index, name)})
            continue
        checked.append(
            CheckedFile(name, content, content_type, hashlib.sha256(content).hexdigest())
        )
    if errors:
        raise ActionInvalid({field: errors})
    return checked


def store_files(*, actor: Actor, case: Case, files: list[CheckedFile]) -> list[Attachment]:
    """Write checked files and their rows; call inside the caller's transaction.

    If this fails, the files it wrote are removed. If the caller's transaction fails later,
    the caller removes them with `remove_files` (the rows go with the rollback; the disk
    does not).
    """
    now = timezone.now()
    rows: list[Attachment] = []
    try:
        for item in files:
            row = Attachment(
                case=case,
                uploaded_by=actor.user,
                original_name=item.name or "upload",
                content_type=item.content_type,
                size=len(item.content),
                sha256=item.sha256,
                created_at=now,
            )
            row.file.save(item.name or "upload", ContentFile(item.content), save=False)
            rows.append(row)
            row.save(force_insert=True)
    except BaseException:
        remove_files([row.file.name for row in rows])
        raise
    return rows


def remove_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def attachments_add(*, actor: Actor, case: Case, files: Sequence[Any]) -> list[Attachment]:
    """Attach files to a case the actor can see (the caller has used `access_case`).

    Permission: a writing position (read-only roles get `PermissionDenied`, audited).
    Checks: at most 9 attachments per case, each at most PINGAN_ATTACHMENT_MAX_BYTES, type
    JPEG/PNG/WebP/PDF by content. Bad input raises `ActionInvalid({"files": [...]})` and
    nothing is stored. Side effects: the files under MEDIA_ROOT/attachments/<yyyy>/<mm>/, one
    row each, one audit record.
    """
    require_write(actor)
    if not files:
        raise ActionInvalid({"files": [_("请选择要上传的文件。")]})
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            # Lock the case so two uploads at once cannot pass the limit together.
            locked = Case.objects.select_for_update().get(pk=case.pk)
            checked = check_files(files, existing=locked.attachments.count())
            stored = store_files(actor=actor, case=locked, files=checked)
            audit_log(
                actor=actor,
                action="case.attachment_add",
                object_type="flow.case",
                object_id=locked.number,
                region_code=locked.region_code,
                ip=actor.ip,
                detail={"attachments": [_audit_row(row) for row in stored]},
            )
    except BaseException:
        remove_files([row.file.name for row in stored])
        raise
    return stored


def _audit_row(row: Attachment) -> dict:
    return {"id": row.pk, "type": row.content_type, "size": row.size, "sha256": row.sha256}


def case_attachments(case: Case) -> QuerySet[Attachment]:
    """Attachments of a case the caller has already checked access to, oldest first."""
    return Attachment.objects.filter(case=case).select_related("uploaded_by").order_by("id")


def event_report_with_photos(
    *, actor: Actor, photos: Sequence[Any], **data: Any
) -> tuple[Case, bool]:
    """`event_report` plus photos in one transaction (multipart `POST /api/v1/events/`).

    Permission and idempotency as `event_report`; a repeated idempotency key returns the
    first case and stores no photos. Photo problems are reported under `photos` together
    with the event's own field errors; nothing is saved when any check fails. Side effects:
    those of `event_report` plus the stored photos and one `case.attachment_add` audit record.
    """
    from pingan.events import services as event_services

    require_write(actor)
    if actor.role not in event_services.REPORTER_ROLES:
        raise event_services.EventReportDenied(_("当前岗位不能上报事件。"))
    try:
        checked = check_files(photos, field="photos")
    except ActionInvalid as exc:
        errors = dict(exc.errors)
        try:
            event_services._clean(actor, data)
        except ActionInvalid as more:
            errors = {**more.errors, **errors}
        raise ActionInvalid(errors) from None
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            case, created = event_services.event_report(actor=actor, **data)
            if created and checked:
                stored = store_files(actor=actor, case=case, files=checked)
                audit_log(
                    actor=actor,
                    action="case.attachment_add",
                    object_type="flow.case",
                    object_id=case.number,
                    region_code=case.region_code,
                    ip=actor.ip,
                    detail={"attachments": [_audit_row(row) for row in stored]},
                )
    except BaseException:
        remove_files([row.file.name for row in stored])
        raise
    return case, created
