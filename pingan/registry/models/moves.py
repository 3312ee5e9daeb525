"""Moves of a person between grids, villages and counties (人员迁移交接)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MoveStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")
    MOVED_OUT = "moved_out", _("已迁出本系统")


class PersonMove(models.Model):
    """One hand-over of a person to another unit, with the case (`person_move`, QY…) that
    carries it through the case engine.

    The person's `region_code` keeps pointing at the sender until the receiving unit accepts;
    a move out of the installation (迁出) has no receiving unit and no case. At most one
    pending move per person (partial unique constraint). Rows change only through
    `pingan.registry.moves`.
    """

    case = models.OneToOneField(
        "flow.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person_move",
    )
    # PROTECT: a person with a move (open or done) cannot be deleted, e.g. by a merge.
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="moves"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=MoveStatus.choices, default=MoveStatus.PENDING
    )
    from_region = models.CharField(_("迁出网格"), max_length=18, db_index=True)
    # The region inside the installation that receives the person; for a move out of the
    # installation the destination code when known (else blank).
    to_region = models.CharField(_("迁入网格"), max_length=18, db_index=True, blank=True)
    # The unit whose acting position accepts (the target grid, or the finest unit above it
    # that has one); mirrors the case holder while pending.
    receiver_code = models.CharField(_("接收单位"), max_length=18, blank=True)
    to_address = models.CharField(_("迁入地址"), max_length=200, blank=True)
    to_house = models.ForeignKey(
        "registry.House",
        verbose_name=_("迁入房屋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("迁移原因"), max_length=200)
    moved_on = models.DateField(_("迁移日期"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_unit = models.CharField(_("发起单位"), max_length=18)
    requested_at = models.DateTimeField(_("发起时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_unit = models.CharField(_("办结单位"), max_length=18, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decision_note = models.CharField(_("退回/撤回原因"), max_length=2000, blank=True)
    cards_moved = models.PositiveIntegerField(_("随迁/注销类型卡数"), default=0)

    class Meta:
        verbose_name = _("人员迁移")
        verbose_name_plural = _("人员迁移")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="pending"),
                name="registry_move_one_pending_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "to_region"], name="registry_move_status_to"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.from_region} → {self.to_region or '-'} ({self.status})"
