"""Visit rules (走访频次) and visit records (走访记录)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.registry.kinds import CardKind


class VisitRule(models.Model):
    """How often a card of `kind` with a risk level in [risk_min, risk_max] is visited.

    An empty bound is open; the most specific active rule wins (see `visits.interval_for`).
    Seeded with defaults (`seed.VISIT_RULES`); edited by system admins as local rules require.
    """

    kind = models.CharField(_("人员类型"), max_length=32, choices=CardKind.choices)
    risk_min = models.PositiveSmallIntegerField(_("风险等级下限"), null=True, blank=True)
    risk_max = models.PositiveSmallIntegerField(_("风险等级上限"), null=True, blank=True)
    interval_days = models.PositiveSmallIntegerField(
        _("走访间隔（天）"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    note = models.CharField(_("依据/说明"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("走访规则")
        verbose_name_plural = _("走访规则")
        ordering = ["kind", "risk_min", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.risk_min}–{self.risk_max}: {self.interval_days}天"

    def clean(self) -> None:
        if (
            self.risk_min is not None
            and self.risk_max is not None
            and self.risk_min > self.risk_max
        ):
            raise ValidationError({"risk_max": _("风险等级上限不能小于下限。")})

    def matches(self, risk_level: int | None) -> bool:
        if risk_level is None:
            return self.risk_min is None and self.risk_max is None
        low_ok = self.risk_min is None or risk_level >= self.risk_min
        high_ok = self.risk_max is None or risk_level <= self.risk_max
        return low_ok and high_ok


class Visit(models.Model):
    """One visit (走访/随访) to a card's person. Notes may hold health or conduct details,
    so they are encrypted."""

    card = models.ForeignKey(
        "registry.Card",
        verbose_name=_("人员类型卡"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    region_code = models.CharField(_("所属网格"), max_length=18, db_index=True)
    visited_at = models.DateTimeField(_("走访时间"))
    method = models.CharField(_("走访方式"), max_length=20)
    place = models.CharField(_("走访地点"), max_length=200, blank=True)
    notes = EncryptedTextField(_("走访情况"), blank=True)
    risk_level_before = models.PositiveSmallIntegerField(_("走访前等级"), null=True, blank=True)
    risk_level_after = models.PositiveSmallIntegerField(_("评估后等级"), null=True, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.ForeignKey(
        "accounts.Position", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_visit_on = models.DateField(_("下次走访日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["card_id", "-visited_at", "-id"]
        indexes = [models.Index(fields=["card", "visited_at"], name="registry_visit_card_time")]

    def __str__(self) -> str:
        return f"{self.card} {self.visited_at:%Y-%m-%d}"
