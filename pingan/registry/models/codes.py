"""Code tables (代码表) as data: seeded from REFERENCE §1.9, edited by system admins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeTable(models.Model):
    """One code list (矫正类别, 诊断类型 …). `official` says whether the values are a published
    national code list; most are not (see `source`)."""

    code = models.CharField(_("编码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    official = models.BooleanField(_("官方标准代码"), default=False)
    source = models.CharField(_("来源说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("代码表")
        verbose_name_plural = _("代码表")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CodeValue(models.Model):
    table = models.ForeignKey(
        CodeTable, verbose_name=_("代码表"), on_delete=models.CASCADE, related_name="values"
    )
    code = models.CharField(_("代码"), max_length=20)
    label = models.CharField(_("名称"), max_length=100)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("代码值")
        verbose_name_plural = _("代码值")
        ordering = ["table_id", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="registry_code_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"
