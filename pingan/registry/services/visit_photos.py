"""Photos of visits (走访照片): adding them to a recorded visit and opening one (audited).

The grid worker app records the visit first and uploads its photos afterwards, with an
idempotency key of their own, so a visit recorded offline is never lost because of its
pictures and a repeated upload stores them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.core.uploads import IMAGE_TYPES, CheckedFile, check_uploads
from pingan.registry.models import Visit, VisitPhoto
from pingan.registry.photo_selectors import visit_photo_rows
from pingan.registry.services.common import require_in_scope, require_registry_write
from pingan.registry.services.submissions import VISIT_PHOTOS, clean_key, remember, remembered

MAX_PER_VISIT = 9
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
OBJECT_TYPE = "registry.visit"


def max_bytes() -> int:
    """Per-photo size limit: the same setting as case attachments."""
    return int(getattr(settings, "PINGAN_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _check(files: Sequence[Any], existing: int) -> list[CheckedFile]:
    errors: list[str] = []
    if not files:
        errors.append(_("请选择要上传的照片。"))
    elif existing + len(files) > MAX_PER_VISIT:
        errors.append(
            _("每次走访最多 %(max)d 张照片，已有 %(existing)d 张，本次上传 %(new)d 张。")
            % {"max": MAX_PER_VISIT, "existing": existing, "new": len(files)}
        )
    checked, problems = check_uploads(files, limit=max_bytes(), allowed=IMAGE_TYPES)
    errors.extend(problems)
    if errors:
        raise ValidationError({"photos": errors})
    return checked


def _store(actor: Actor, visit: Visit, files: list[CheckedFile]) -> list[VisitPhoto]:
    now = timezone.now()
    rows: list[VisitPhoto] = []
    try:
        for item in files:
            row = VisitPhoto(
                visit=visit,
                original_name=item.name or "photo",
                content_type=item.content_type,
                size=len(item.content),
                sha256=item.sha256,
                uploaded_by=actor.user,
                created_at=now,
            )
            row.file.save(item.name or "photo", ContentFile(item.content), save=False)
            rows.append(row)
            row.save(force_insert=True)
    except BaseException:
        _remove([row.file.name for row in rows])
        raise
    return rows


def _remove(names: list[str]) -> None:
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def visit_photos_add(
    *, actor: Actor, visit: Visit, files: Sequence[Any], idempotency_key: str = ""
) -> tuple[list[VisitPhoto], bool]:
    """Add photos to a recorded visit: returns (the visit's photos, created).

    Permission: region positions with a writing role (`require_registry_write`), the visit's
    card in scope (callers fetch the visit with `access_visit`). Checks: at most
    MAX_PER_VISIT photos per visit, each at most PINGAN_ATTACHMENT_MAX_BYTES, JPEG/PNG/WebP by
    content (magic bytes); every problem is reported under ``photos`` and nothing is stored.
    With `idempotency_key`, a repeat of the same key returns the visit's photos with
    created=False and stores nothing. Side effects: the files under
    MEDIA_ROOT/visit_photos/<yyyy>/<mm>/, one row each, one ``registry.visit_photo.add``
    audit record.
    """
    key = clean_key(idempotency_key) if idempotency_key else ""
    require_registry_write(actor)
    require_in_scope(actor, visit, OBJECT_TYPE)
    if key and _done(actor, key, visit):
        return list(visit_photo_rows(visit)), False
    stored: list[VisitPhoto] = []
    try:
        with transaction.atomic():
            # Lock the visit so two uploads at once cannot pass the limit together.
            locked = Visit.objects.select_for_update().get(pk=visit.pk)
            checked = _check(files, locked.photos.count())
            stored = _store(actor, locked, checked)
            if key:
                remember(actor, key, VISIT_PHOTOS, locked.pk)
            audit_log(
                actor=actor,
                action="registry.visit_photo.add",
                object_type=OBJECT_TYPE,
                object_id=str(locked.pk),
                region_code=locked.region_code,
                ip=actor.ip,
                detail={
                    "card": locked.card_id,
                    "photos": [
                        {"id": r.pk, "type": r.content_type, "size": r.size, "sha256": r.sha256}
                        for r in stored
                    ],
                },
            )
    except IntegrityError:
        _remove([row.file.name for row in stored])
        if key and _done(actor, key, visit):  # a concurrent send of the same key won
            return list(visit_photo_rows(visit)), False
        raise
    except BaseException:
        _remove([row.file.name for row in stored])
        raise
    return stored, True


def _done(actor: Actor, key: str, visit: Visit) -> bool:
    visit_id = remembered(actor, key, VISIT_PHOTOS)
    if visit_id is None:
        return False
    if visit_id != visit.pk:
        raise ValidationError({"idempotency_key": [_("该幂等键已用于其他记录。")]})
    return True


def visit_photo_open(*, actor: Actor, photo: VisitPhoto) -> File:
    """Open a photo's file for the actor (callers fetch it with `access_visit_photo`, which
    checks that the actor's scope or gate covers the visit's card). Every view is audited
    as ``registry.visit_photo.view``."""
    audit_log(
        actor=actor,
        action="registry.visit_photo.view",
        object_type=OBJECT_TYPE,
        object_id=str(photo.visit_id),
        region_code=photo.visit.region_code,
        ip=actor.ip,
        detail={"photo": photo.pk},
    )
    return photo.file.open("rb")
