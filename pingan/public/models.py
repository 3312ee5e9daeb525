"""What the public channels add to a case: who reported it and how to reach them, the query
code, and the client systems allowed to post through Open311."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField


class PublicChannel(models.TextChoices):
    PORTAL = "portal", _("网上平台")
    OPEN311 = "open311", _("外部系统（Open311）")
    SMS = "sms", _("短信")
    HOTLINE = "hotline", _("热线电话")


class Open311Client(models.Model):
    """A client system allowed to POST requests, bound to a region (its reports must lie
    there). Only the SHA-256 of the key is kept; the key is shown once when issued."""

    name = models.CharField(_("客户端名称"), max_length=100)
    key_prefix = models.CharField(_("密钥前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("限定区划"), on_delete=models.PROTECT, related_name="+"
    )
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class PublicReport(models.Model):
    """The public side of a case reported by a citizen (portal, SMS, hotline) or a client
    system (Open311). Contact details are encrypted; the query code is kept as a keyed hash."""

    case = models.OneToOneField("flow.Case", on_delete=models.PROTECT, related_name="public_report")
    channel = models.CharField(_("渠道"), max_length=8, choices=PublicChannel.choices)
    query_code_hash = models.CharField(max_length=64)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    name = EncryptedTextField(_("称呼"), blank=True)
    email = EncryptedTextField(_("电子邮箱"), blank=True)
    wants_updates = models.BooleanField(_("短信告知进展"), default=True)
    client = models.ForeignKey(
        Open311Client,
        verbose_name=_("Open311 客户端"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    account_id = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), db_index=True)

    class Meta:
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}:{self.case_id}"


class Open311UpdateOutcome(models.TextChoices):
    NOTED = "noted", _("已记录留言")
    REOPENED = "reopened", _("已重新办理")
    REOPEN_EXPIRED = "reopen_expired", _("超过重新办理期限，未重新办理")
    REOPEN_MERGED = "reopen_merged", _("已合并办理，未单独重新办理")


class Open311Update(models.Model):
    """A citizen's comment on their own case, sent by the client system that posted the case
    (POST servicerequestupdates). `(client, update_id)` is the client's idempotency key.
    Shown to staff in the case timeline, never in the public GET answers."""

    client = models.ForeignKey(
        Open311Client,
        verbose_name=_("Open311 客户端"),
        on_delete=models.PROTECT,
        related_name="updates",
    )
    update_id = models.CharField(_("客户端更新编号"), max_length=100)
    case = models.ForeignKey(
        "flow.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("客户端状态"), max_length=32)
    description = models.TextField(_("留言"))
    name = EncryptedTextField(_("称呼"), blank=True)
    email = EncryptedTextField(_("电子邮箱"), blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    client_datetime = models.DateTimeField(_("客户端时间"))
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Open311UpdateOutcome.choices)
    # The history row of the reopen this comment asked for (outcome "reopened").
    reopen_seq = models.PositiveIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("接收时间"), db_index=True)

    class Meta:
        verbose_name = _("Open311 群众留言")
        verbose_name_plural = _("Open311 群众留言")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "update_id"], name="open311update_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.update_id}"


# The citizen portal's own tables live with its package (registered here, under `public`).
from pingan.public.callbacks.models import CallbackAttempt  # noqa: E402, F401
from pingan.public.portal.models import OtpChallenge, PortalSubmission, RateCounter  # noqa: E402, F401
from pingan.public.sms.models import SmsInbound  # noqa: E402, F401
