"""Idempotency keys of registry writes sent by offline clients (the grid worker app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrySubmission(models.Model):
    """One client-generated key per user, naming the row its first submission created.

    The grid worker app queues a new person or a visit on the phone with a random key and
    sends it until an answer arrives; a repeat of the same key (the first answer was lost)
    returns this row's object instead of creating another. `object_type` is the audit
    object type (``registry.person``, ``registry.visit``, ``registry.visit_photos``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("幂等键"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("离线提交记录")
        verbose_name_plural = _("离线提交记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="registry_submission_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} ({self.key})"
