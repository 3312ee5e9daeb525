"""Call attempts of the callback queue (registered under the `public` app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.flow.models import Satisfaction


class CallbackAttempt(models.Model):
    """One phone call to a reporter about a closed case.

    Reached: the verdict (`satisfaction`) was recorded on the case as its `callback` step in
    the same transaction. Not reached: only this row; after PINGAN_CALLBACK_MAX_ATTEMPTS of
    them an operator may close the callback out as 无法联系 (`gave_up`), which takes the
    case off the queue without a satisfaction value (the engine has none for "unreachable").
    """

    case = models.ForeignKey(
        "flow.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="callback_attempts",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.ForeignKey(
        "accounts.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_code = models.CharField(_("回访单位"), max_length=40)
    reached = models.BooleanField(_("已联系上"))
    satisfaction = models.CharField(
        _("满意度"), max_length=24, choices=Satisfaction.choices, blank=True
    )
    gave_up = models.BooleanField(_("按无法联系结束"), default=False)
    note = models.TextField(_("回访记录"), blank=True)
    at = models.DateTimeField(_("回访时间"), db_index=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["case_id", "at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="callback_attempt_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id}@{self.at:%Y-%m-%d %H:%M}"
