"""Every SMS the short-code gateway delivered to us, once (registered under the `public` app,
imported by `pingan.public.models`).

The gateway's message id is unique, so a redelivered message (the gateway retries until it
gets a 2xx) finds its first row and is not processed again. Phone and text are encrypted.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField


class SmsCommand(models.TextChoices):
    QUERY = "query", _("查询进展")
    RATE = "rate", _("评价")
    UNSUBSCRIBE = "unsubscribe", _("退订")
    SUBSCRIBE = "subscribe", _("恢复订阅")
    REPORT = "report", _("反映问题")
    HELP = "help", _("帮助")


class SmsOutcome(models.TextChoices):
    CASE = "case", _("已登记为事件")
    INVALID = "invalid", _("内容有误，未登记")
    LIMITED = "limited", _("反映过于频繁，未登记")
    SILENCED = "silenced", _("短信过多，未回复")
    ANSWERED = "answered", _("已答复进展")
    NOT_FOUND = "not_found", _("未查到")
    RATED = "rated", _("已评价")
    NOT_RATED = "not_rated", _("不在评价期，未评价")
    UNSUBSCRIBED = "unsubscribed", _("已退订")
    SUBSCRIBED = "subscribed", _("已恢复订阅")
    HELPED = "helped", _("已回复使用说明")


class SmsInbound(models.Model):
    gateway_id = models.CharField(_("网关消息号"), max_length=64, unique=True)
    phone = EncryptedTextField(_("发送号码"))
    phone_hash = models.CharField(max_length=64, db_index=True)
    to = models.CharField(_("接收号码（短号）"), max_length=21, blank=True)
    text = EncryptedTextField(_("短信内容"), blank=True)
    command = models.CharField(_("指令"), max_length=12, choices=SmsCommand.choices)
    outcome = models.CharField(_("处理结果"), max_length=12, choices=SmsOutcome.choices)
    case = models.ForeignKey(
        "flow.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reply_key = models.CharField(_("回复消息幂等键"), max_length=160, blank=True)
    received_at = models.DateTimeField(_("网关接收时间"))
    created_at = models.DateTimeField(_("处理时间"), db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        app_label = "public"
        verbose_name = _("上行短信")
        verbose_name_plural = _("上行短信")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sms:{self.gateway_id}"
