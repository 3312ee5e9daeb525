"""The case engine's tables (DESIGN §4.3–4.4).

One `Case` table for every module (events, disputes, petitions, hand-overs); modules keep
their own typed detail row with a one-to-one key to it. `CaseAction` is the immutable history.
The current clock lives on the case itself (and on each `CaseAssist` for 协办 units) so inbox
and deadline-scan queries filter one indexed table. Rows change only through `services.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HolderKind(models.TextChoices):
    REGION = "region", _("区划单位")
    DEPARTMENT = "department", _("职能部门")


class Urgency(models.TextChoices):
    """事件重大紧急等级 (REFERENCE §1.8: 低 / 中 / 高)."""

    LOW = "low", _("一般")
    MEDIUM = "medium", _("较急")
    HIGH = "high", _("紧急")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_DAYS = "natural_days", _("自然日")


class ClockKind(models.TextChoices):
    ACCEPT = "accept", _("受理时限")
    HANDLE = "handle", _("办理时限")
    VERIFY = "verify", _("核查时限")


class ClockBasis(models.TextChoices):
    """How remaining time is measured: wall-clock time, or office time on working days."""

    NATURAL = "natural", _("自然时间")
    WORKING = "working", _("工作时间")


class SupervisionLevel(models.TextChoices):
    NORMAL = "normal", _("普通督办")
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


SUPERVISION_RANK = {
    "": 0,
    SupervisionLevel.NORMAL: 1,
    SupervisionLevel.YELLOW: 2,
    SupervisionLevel.RED: 3,
}


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class ClockFields(models.Model):
    """One running deadline: warn point, due point, pause state (see `clocks.py`).

    A clock is (anchor, remaining time measured on `clock_basis`); the due and warn points are
    derived from it and stored so queries can filter them. `clock_seq` changes whenever a new
    clock starts or an extension moves it, so deadline alerts are unique per clock.
    """

    clock_kind = models.CharField(
        _("计时类型"), max_length=12, choices=ClockKind.choices, blank=True
    )
    clock_seq = models.PositiveIntegerField(_("计时序号"), default=0)
    clock_basis = models.CharField(max_length=8, choices=ClockBasis.choices, blank=True)
    clock_limit_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    clock_limit_unit = models.CharField(max_length=16, choices=LimitUnit.choices, blank=True)
    clock_started_at = models.DateTimeField(_("计时开始"), null=True, blank=True)
    clock_anchor_at = models.DateTimeField(null=True, blank=True)
    clock_total_seconds = models.BigIntegerField(null=True, blank=True)
    clock_remaining_seconds = models.BigIntegerField(null=True, blank=True)
    clock_paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    clock_provisional = models.BooleanField(_("暂定期限"), default=False)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    is_warned = models.BooleanField(_("已预警"), default=False)
    is_overdue = models.BooleanField(_("已超期"), default=False)

    class Meta:
        abstract = True


class Case(ClockFields):
    """Anything that flows between units with a deadline."""

    number = models.CharField(_("编号"), max_length=40, unique=True)
    case_type = models.CharField(_("案件类型"), max_length=24, db_index=True)
    state = models.CharField(_("状态"), max_length=24, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    category_code = models.CharField(_("事项类别"), max_length=40, blank=True)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.LOW
    )
    # Finest known region of the case (grid, or the unit chosen outside every grid).
    region_code = models.CharField(_("所属区划"), max_length=18, db_index=True)
    holder_kind = models.CharField(_("承办单位类型"), max_length=12, choices=HolderKind.choices)
    holder_code = models.CharField(_("当前承办单位"), max_length=40, db_index=True)
    # The region unit that answers for closing the case (受理 at the highest level so far).
    command_code = models.CharField(_("主责单位"), max_length=18, blank=True)
    origin_code = models.CharField(_("上报单位"), max_length=40, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suspended_from_state = models.CharField(max_length=24, blank=True)
    is_urgent = models.BooleanField(_("加急"), default=False)
    is_returned = models.BooleanField(_("被退回"), default=False)
    supervision_level = models.CharField(
        _("督办级别"), max_length=8, choices=SupervisionLevel.choices, blank=True, db_index=True
    )
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    satisfaction = models.CharField(
        _("满意度"), max_length=24, choices=Satisfaction.choices, blank=True
    )
    # A pending extension request: {"due_at", "requested_by", "reason", "seq"}.
    pending_extension = models.JSONField(_("待批延期"), null=True, blank=True)
    pending_approver_code = models.CharField(max_length=40, blank=True, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["holder_code", "state"], name="case_holder_state"),
            models.Index(
                fields=["due_at"],
                name="case_due_open",
                condition=models.Q(
                    clock_paused_at__isnull=True, due_at__isnull=False, is_overdue=False
                ),
            ),
            models.Index(
                fields=["warn_at"],
                name="case_warn_open",
                condition=models.Q(
                    clock_paused_at__isnull=True, warn_at__isnull=False, is_warned=False
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseActionQuerySet(models.QuerySet):
    """History is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("CaseAction rows are immutable")

    def delete(self):
        raise TypeError("CaseAction rows are immutable")


class CaseAction(models.Model):
    """One step in a case's history, written in the same transaction as the change."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("操作"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.ForeignKey(
        "accounts.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_code = models.CharField(_("操作单位"), max_length=40, blank=True, db_index=True)
    role = models.CharField(_("角色"), max_length=32, blank=True)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    from_holder = models.CharField(max_length=40, blank=True)
    to_holder = models.CharField(max_length=40, blank=True, db_index=True)
    note = models.TextField(_("意见"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    objects = CaseActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件操作记录")
        verbose_name_plural = _("案件操作记录")
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="caseaction_case_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        # Guard, not logic: an existing history row must never be rewritten.
        if not self._state.adding:
            raise TypeError("CaseAction rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("CaseAction rows are immutable")


class CaseAssist(ClockFields):
    """A 协办 unit on a case, with its own clock and its own feedback."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assists")
    unit_kind = models.CharField(max_length=12, choices=HolderKind.choices)
    unit_code = models.CharField(_("协办单位"), max_length=40, db_index=True)
    added_seq = models.PositiveIntegerField()
    done_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    note = models.TextField(_("协办反馈"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("协办单位")
        verbose_name_plural = _("协办单位")
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "unit_code"], name="caseassist_case_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.unit_code}"


class Supervision(models.Model):
    """督办: a card issued by a higher level to the unit holding the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    level = models.CharField(_("级别"), max_length=8, choices=SupervisionLevel.choices)
    penalty_points = models.PositiveSmallIntegerField(_("扣分"), default=0)
    target_code = models.CharField(_("被督办单位"), max_length=40, db_index=True)
    issuer_code = models.CharField(_("督办单位"), max_length=40, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("督办意见"))
    response_due_at = models.DateTimeField(_("回复期限"))
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    response_seq = models.PositiveIntegerField(null=True, blank=True)
    action_seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_level_display()}"


class MatterLimit(models.Model):
    """事项目录: the limits for one case type × category × urgency.

    An empty `category_code` is the default for the case type; an empty `urgency` applies to
    every urgency. The most specific row wins (see `clocks.limit_for`).
    """

    case_type = models.CharField(_("案件类型"), max_length=24)
    category_code = models.CharField(_("类别编码"), max_length=40, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, blank=True)
    accept_amount = models.DecimalField(_("受理时限"), max_digits=8, decimal_places=2)
    accept_unit = models.CharField(_("受理时限单位"), max_length=16, choices=LimitUnit.choices)
    handle_amount = models.DecimalField(_("办理时限"), max_digits=8, decimal_places=2)
    handle_unit = models.CharField(_("办理时限单位"), max_length=16, choices=LimitUnit.choices)
    verify_amount = models.DecimalField(_("核查时限"), max_digits=8, decimal_places=2)
    verify_unit = models.CharField(_("核查时限单位"), max_length=16, choices=LimitUnit.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("事项目录时限")
        verbose_name_plural = _("事项目录时限")
        ordering = ["case_type", "category_code", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_type", "category_code", "urgency"], name="matterlimit_key"
            ),
            models.CheckConstraint(
                condition=models.Q(accept_amount__gt=0, handle_amount__gt=0, verify_amount__gt=0),
                name="matterlimit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_type}/{self.category_code or '*'}/{self.urgency or '*'}"


class CaseNumberCounter(models.Model):
    """Per (prefix, county, local date) sequence for case numbers; locked while allocating."""

    prefix = models.CharField(max_length=8)
    county_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "county_code", "day"], name="casenumber_key"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.county_code}{self.day:%Y%m%d}:{self.last}"


class AlertLevel(models.TextChoices):
    WARN = "warn", _("预警")
    DUE = "due", _("超期")


class ClockAlert(models.Model):
    """A warn or due crossing found by the deadline scan: at most one per clock and level.

    The unique key makes the scan idempotent. Delivery to people comes with the `notify` app;
    until then these rows (and the audit record of the scan) are the notification record.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    # "" for the case's main clock, otherwise the 协办 unit code.
    assist_unit = models.CharField(max_length=40, blank=True)
    clock_seq = models.PositiveIntegerField()
    clock_kind = models.CharField(max_length=12, choices=ClockKind.choices)
    level = models.CharField(max_length=8, choices=AlertLevel.choices)
    holder_code = models.CharField(max_length=40)
    point_at = models.DateTimeField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "assist_unit", "clock_seq", "level"], name="clockalert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.level} {self.point_at}"


class CaseActionKey(models.Model):
    """An idempotency key a client sent with an action, stored with the history row it made.

    A phone that lost the response resends the same action with the same key; the engine
    finds the key (unique per user) and answers with the case as it is now instead of a
    conflict. Written in the same transaction as the action (`services.case_act_keyed`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("幂等键"), max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="action_keys")
    seq = models.PositiveIntegerField(_("操作序号"))
    action = models.CharField(_("操作"), max_length=24)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("操作幂等键")
        verbose_name_plural = _("操作幂等键")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="caseactionkey_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} → {self.case_id}#{self.seq}"
