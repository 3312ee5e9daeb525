"""Photos taken on a visit (走访照片), stored under MEDIA_ROOT and served only through a
scoped, audited view (never a public media URL)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.uploads import STORED_EXTENSION


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    """visit_photos/<yyyy>/<mm>/<random>.<ext>: the client's name never reaches the disk."""
    now = timezone.localtime(instance.created_at or timezone.now())
    ext = STORED_EXTENSION.get(instance.content_type, "bin")
    return f"visit_photos/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{ext}"


class VisitPhoto(models.Model):
    """One photo of a visit. The type is checked by content (JPEG, PNG or WebP)."""

    visit = models.ForeignKey(
        "registry.Visit",
        verbose_name=_("走访记录"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    file = models.FileField(_("文件"), upload_to=visit_photo_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.original_name}"

    @property
    def region_code(self) -> str:
        """The visit's grid: what scope checks and audit records file the photo under."""
        return self.visit.region_code
