"""Import jobs: what a spreadsheet import checked or wrote, for the preview and error report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("预检通过")
    FAILED = "failed", _("有错误，未导入")
    COMMITTED = "committed", _("已导入")


class RegistryImport(models.Model):
    """One upload (dry run or commit) and its result.

    `result` holds counts and row-level errors (row, column, message: no resident data).
    `report` holds, encrypted, the uploaded rows with their error messages, so the importer
    can download the error report; it is only kept when there were errors. `staged` holds a
    web upload awaiting the importer's confirmation (`imports.staging`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("导入人"),
    )
    position = models.ForeignKey(
        "accounts.Position", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("人员类型"), max_length=32)
    mode = models.CharField(_("已登记人员"), max_length=10)
    dry_run = models.BooleanField(_("仅预检"), default=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices)
    result = models.JSONField(_("结果"), default=dict)
    report = EncryptedTextField(_("错误报告数据（加密）"), blank=True)
    # The uploaded file of a web preview, kept (compressed, encrypted) until the importer
    # commits it or stages another file: the commit must import exactly what was checked.
    staged = EncryptedTextField(_("待确认导入的文件（加密）"), blank=True)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("基础信息导入")
        verbose_name_plural = _("基础信息导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
