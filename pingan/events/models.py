"""网格事件: the event case type's categories and its typed detail row on `flow.Case`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventCategory(models.Model):
    """Event category code table (REFERENCE §1.8), seeded and editable (the "X" of 9+X)."""

    code = models.CharField(_("编码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def chain(self) -> list[str]:
        """This code and its ancestors' codes, finest first (for the matter catalogue)."""
        codes, node, seen = [], self, set()
        while node is not None and node.code not in seen:
            seen.add(node.code)
            codes.append(node.code)
            node = node.parent
        return codes


class ReporterKind(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    CITIZEN = "citizen", _("群众")
    HOTLINE = "hotline", _("热线电话")
    SMS = "sms", _("短信")
    API = "api", _("接口")
    IMPORT = "import", _("导入")


class EventDetail(models.Model):
    """The event-specific part of a case (one row per `flow.Case` of type "event")."""

    case = models.OneToOneField(
        "flow.Case", primary_key=True, on_delete=models.CASCADE, related_name="event"
    )
    category = models.ForeignKey(EventCategory, verbose_name=_("类别"), on_delete=models.PROTECT)
    description = models.TextField(_("事件描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Empty for a citizen report by address only (Open311 `address_string`, SMS).
    lng = models.FloatField(_("经度 (WGS84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 (WGS84)"), null=True, blank=True)
    grid_code = models.CharField(_("所在网格"), max_length=18, blank=True)
    outside_grid = models.BooleanField(_("网格外"), default=False, db_index=True)
    reporter_kind = models.CharField(_("来源"), max_length=16, choices=ReporterKind.choices)
    # Empty for citizens and client systems (their contact is on `public.PublicReport`).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("上报时间"))

    class Meta:
        verbose_name = _("网格事件")
        verbose_name_plural = _("网格事件")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="eventdetail_reporter_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.category_id}"


# Attachments, merges and disputes live in their own module (registered here).
from pingan.events.models_extra import (  # noqa: E402, F401
    AgreementReminder,
    Attachment,
    CaseMerge,
    DisputeCategory,
    DisputeDetail,
    DisputeParty,
    MediationAgreement,
    MediationAttempt,
)
