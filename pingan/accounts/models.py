"""Users and positions (岗位 = unit + role)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.accounts.roles import Role


class User(AbstractUser):
    """A person who signs in. What they may see and do comes from their positions."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)

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
