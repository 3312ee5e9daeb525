"""Typed cards: what a person is to the registry (户籍, 流动, 社区矫正 …), one per kind."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.registry.kinds import ALL_ATTRIBUTE_NAMES, SENSITIVE_KINDS, CardKind


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    CLOSED = "closed", _("已注销")


class Card(models.Model):
    """A person's membership of one kind, with the kind's typed attributes.

    Attributes of sensitive kinds (criminal, health, minors, petitions; `kinds.SENSITIVE_KINDS`)
    are stored as encrypted JSON in `attributes_secret`; the others as plain JSON in
    `attributes`. Read them with `attribute_values()` or by name (`card.diagnosis`), which is
    how the audited reveal reads one attribute.
    """

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="cards"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=CardKind.choices)
    region_code = models.CharField(_("责任网格"), max_length=18)
    status = models.CharField(
        _("状态"), max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    risk_level = models.PositiveSmallIntegerField(_("风险/管理等级"), null=True, blank=True)
    attention = models.CharField(_("关注程度"), max_length=20, blank=True)
    attributes = models.JSONField(_("类型信息"), default=dict, blank=True)
    attributes_secret = EncryptedTextField(_("类型信息（加密）"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registry_cards",
    )
    helpers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("帮扶人"), blank=True, related_name="+"
    )
    opened_on = models.DateField(_("列管日期"))
    closed_on = models.DateField(_("注销日期"), null=True, blank=True)
    close_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    last_visit_at = models.DateTimeField(_("最近走访时间"), null=True, blank=True)
    next_visit_on = models.DateField(_("下次走访日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    REVEALABLE_FIELDS = tuple(sorted(ALL_ATTRIBUTE_NAMES))

    class Meta:
        verbose_name = _("人员类型卡")
        verbose_name_plural = _("人员类型卡")
        ordering = ["person_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(status="active"),
                name="registry_card_one_active_per_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["region_code", "kind"], name="registry_card_region_kind"),
            models.Index(fields=["status", "next_visit_on"], name="registry_card_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: card attributes by name, for reveal_field.
        if name in ALL_ATTRIBUTE_NAMES:
            return self.attribute_values().get(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def record_kind(self) -> str:
        """The gated record kind (`pingan.accounts.gates`), read by `reveal_field`."""
        return self.kind

    @property
    def is_sensitive(self) -> bool:
        return self.kind in SENSITIVE_KINDS

    def attribute_values(self) -> dict[str, Any]:
        if not self.is_sensitive:
            return dict(self.attributes or {})
        cached = self.__dict__.get("_attribute_cache")
        if cached is None or cached[0] != self.attributes_secret:
            values = json.loads(self.attributes_secret) if self.attributes_secret else {}
            cached = (self.attributes_secret, values)
            self.__dict__["_attribute_cache"] = cached
        return dict(cached[1])

    def set_attribute_values(self, values: dict[str, Any]) -> None:
        """Store validated attributes in the column this kind uses."""
        if self.is_sensitive:
            self.attributes = {}
            self.attributes_secret = json.dumps(values, ensure_ascii=False, sort_keys=True)
        else:
            self.attributes = dict(values)
            self.attributes_secret = ""
