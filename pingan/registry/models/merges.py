"""Merges of duplicate people (重复人员合并): who merged whom into whom, and what moved."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonMerge(models.Model):
    """One merge. The merged person's row is deleted by the merge; this row keeps a masked
    snapshot of it (ID number and phone masked), the blind index of its ID number (so the
    mistyped number can still be traced to the kept person without storing it), and what
    was moved (`moved`: cards, visits, houses, filled-in fields)."""

    kept = models.ForeignKey(
        "registry.Person",
        verbose_name=_("保留人员"),
        on_delete=models.PROTECT,
        related_name="merges",
    )
    merged_person_id = models.PositiveBigIntegerField(_("被合并人员编号"))
    merged_id_hash = models.CharField(max_length=64, db_index=True)
    merged_snapshot = models.JSONField(_("被合并人员信息（脱敏）"), default=dict)
    moved = models.JSONField(_("转移内容"), default=dict)
    region_code = models.CharField(_("所属网格"), max_length=18, db_index=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.ForeignKey(
        "accounts.Position", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("合并时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员合并记录")
        verbose_name_plural = _("人员合并记录")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.merged_person_id} → #{self.kept_id}"
