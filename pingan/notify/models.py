"""Every message the platform sends (in-app, SMS, email, voice), and who does not want them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField


class Channel(models.TextChoices):
    INAPP = "inapp", _("站内消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    VOICE = "voice", _("语音")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送（退订或关闭）")


class Notification(models.Model):
    """One message to one recipient on one channel.

    `key` is the idempotency key: asking to send the same key again returns this row and
    sends nothing; backends pass it on (e.g. the SMS gateway's `Idempotency-Key`), so a retry
    after a lost answer is recognised by the gateway too. Citizens have no account, so the
    recipient is a user or a phone/email (encrypted, with a blind index for opt-outs).
    """

    key = models.CharField(_("幂等键"), max_length=160, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    topic = models.CharField(_("类型"), max_length=40, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    email = EncryptedTextField(_("电子邮箱"), blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    case_number = models.CharField(_("案件编号"), max_length=40, blank=True, db_index=True)
    region_code = models.CharField(_("所属区划"), max_length=40, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    backend = models.CharField(_("发送通道"), max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    provider_id = models.CharField(_("网关消息号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(
                fields=["user", "channel", "read_at"],
                name="notification_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.topic}:{self.pk}"


class NotificationPreference(models.Model):
    """A user's choice for one topic on one channel; absent means the topic's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    topic = models.CharField(_("类型"), max_length=40)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("接收"), default=True)

    class Meta:
        verbose_name = _("消息偏好")
        verbose_name_plural = _("消息偏好")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic", "channel"], name="notification_pref_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.topic}:{self.channel}={self.enabled}"


class SmsOptOut(models.Model):
    """A phone number that sent the unsubscribe command (TD): no more SMS except replies to
    its own queries and one-time codes it asked for."""

    phone_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("退订时间"))

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")

    def __str__(self) -> str:
        return self.phone_hash[:12]
