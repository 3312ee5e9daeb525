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


# The citizen portal's own tables live with its package (registered here, under `public`).
from pingan.public.callbacks.models import CallbackAttempt  # noqa: E402, F401
from pingan.public.portal.models import OtpChallenge, PortalSubmission, RateCounter  # noqa: E402, F401
from pingan.public.sms.models import SmsInbound  # noqa: E402, F401
