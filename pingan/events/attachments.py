"""Attachments on cases: checking uploads and storing them with the case (audited).

A file's type is decided by its first bytes (magic numbers), never by the name or the
browser's Content-Type; the name's extension, when it names a known type, must agree (the
shared checks in `pingan.core.uploads`). Every file of one request is checked before anything
is written, and the files are written inside the transaction and removed again if it fails,
so a bad upload leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.core.uploads import CheckedFile, check_uploads
from pingan.core.uploads import sniff_type as sniff_type  # re-exported for callers
from pingan.events.models_extra import Attachment
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case

MAX_PER_CASE = 9
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "PINGAN_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_files(
    files: Sequence[Any], *, existing: int = 0, field: str = "files"
) -> list[CheckedFile]:
    """Read and check uploaded files; raises `ActionInvalid({field: [...]})` listing every
    problem (count, size, type), or returns the files ready to store. The per-file checks
    (size, type by magic bytes, extension) are `pingan.core.uploads.check_uploads`."""
    errors: list[str] = []
    if existing + len(files) > MAX_PER_CASE:
        errors.append(
            _("每个案件最多 %(max)d 个附件，已有 %(existing)d 个，本次上传 %(new)d 个。")
            % {"max": MAX_PER_CASE, "existing": existing, "new": len(files)}
        )
    checked, problems = check_uploads(files, limit=max_bytes())
    errors.extend(problems)
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
