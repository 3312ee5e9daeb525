"""Append-only, hash-chained audit log (DESIGN §4.5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    """One audited fact. `hash` covers this row's content and the previous row's hash."""

    seq = models.BigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    position_id = models.BigIntegerField(_("岗位"), null=True, blank=True)
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    region_code = models.CharField(_("区划"), max_length=18, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, default="ok")
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.actor_username}"


class AuditChainHead(models.Model):
    """Single row holding the chain tip; locked while appending so the chain stays linear.

    The anchor is the seq and hash of the last record deleted by a retention purge (defaults:
    0 and the genesis hash, "nothing purged"). The first remaining record has
    `seq == anchor_seq + 1` and `prev_hash == anchor_hash`, so the rest of the chain still
    verifies after a purge.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
