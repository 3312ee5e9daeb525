"""Users and positions (岗位 = unit + role)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.accounts.roles import Role
from pingan.accounts.rules import check_separation_of_duties
from pingan.core.crypto import EncryptedTextField


class User(AbstractUser):
    """A person who signs in. What they may see and do comes from their positions."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Work phone: SMS notifications, and the hotline's "reach my grid worker" (*180).
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class Position(models.Model):
    """A role held in one unit: a region (any level, grids included) or a department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="positions")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划/网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
    )
    department = models.ForeignKey(
        "regions.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["user_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(region__isnull=False, department__isnull=True)
                    | models.Q(region__isnull=True, department__isnull=False)
                ),
                name="position_exactly_one_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_name} · {self.get_role_display()}"

    def clean(self) -> None:
        if (self.region_id is None) == (self.department_id is None):
            raise ValidationError(_("岗位必须且只能属于一个区划或一个部门。"))
        if self.role == Role.DEPARTMENT_HANDLER and self.department_id is None:
            raise ValidationError({"department": _("职能部门办理人必须属于一个部门。")})
        if self.active and self.user_id is not None:
            # 三员分立 is checked here too so every form (admin included) enforces it.
            check_separation_of_duties(self.user, self.role, exclude_position_id=self.pk)

    @property
    def unit_code(self) -> str:
        return self.department_id or self.region_id

    @property
    def unit_name(self) -> str:
        return self.department.name if self.department_id else self.region.name

    @property
    def scope_code(self) -> str:
        """Region prefix this position sees: its region, or its department's region."""
        return self.region_id if self.region_id else self.department.region_id


class LockScope(models.TextChoices):
    USERNAME = "username", _("用户名")
    IP = "ip", _("IP 地址")


class LoginLock(models.Model):
    """Failed-attempt counter and lock for one username or one client IP.

    Kept in the database (not a per-process cache) so every worker process sees the same
    count and the same lock. One row per (scope, key); updated under a row lock.
    """

    scope = models.CharField(_("范围"), max_length=16, choices=LockScope.choices)
    key = models.CharField(_("用户名/IP"), max_length=150)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_lock_scope_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class TwoFactorDevice(models.Model):
    """A user's TOTP authenticator. Unconfirmed until the user enters a first valid code."""

    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = EncryptedTextField(_("密钥"))
    confirmed_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    # Highest 30-second time step accepted so far: a code is accepted once, never replayed.
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("动态验证码设备")
        verbose_name_plural = _("动态验证码设备")

    def __str__(self) -> str:
        return f"{self.user} TOTP"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """One single-use recovery code, stored only as a keyed hash (HMAC, see core.crypto)."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_user_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.user} recovery code"
