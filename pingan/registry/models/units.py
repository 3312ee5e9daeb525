"""Organizations, places and protected lines (REFERENCE §1.6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    NON_PUBLIC = "non_public", _("非公有制经济组织")
    SOCIAL = "social", _("社会组织")


class PlaceKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    LOGISTICS = "logistics", _("寄递物流")
    KEY_PLACE = "key_place", _("重点场所")


class RouteKind(models.TextChoices):
    RAILWAY = "railway", _("铁路")
    OIL_GAS = "oil_gas", _("油气管线")
    POWER = "power", _("电力线")


class _Unit(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    region_code = models.CharField(_("责任网格"), max_length=18, db_index=True)
    attention = models.CharField(_("关注程度"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
        ordering = ["region_code", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Organization(_Unit):
    kind = models.CharField(_("类型"), max_length=20, choices=OrganizationKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    security_contact = models.CharField(_("治保负责人"), max_length=50, blank=True)

    class Meta(_Unit.Meta):
        verbose_name = _("组织")
        verbose_name_plural = _("组织")


class Place(_Unit):
    kind = models.CharField(_("类型"), max_length=20, choices=PlaceKind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    principal = models.CharField(_("负责人"), max_length=50, blank=True)

    class Meta(_Unit.Meta):
        verbose_name = _("场所")
        verbose_name_plural = _("场所")


class Route(_Unit):
    """护路护线: a railway, oil/gas pipeline or power line section a grid is responsible for."""

    kind = models.CharField(_("路线类型"), max_length=20, choices=RouteKind.choices)
    owner_unit = models.CharField(_("隶属单位"), max_length=100, blank=True)
    hazard = models.CharField(_("治安隐患情况"), max_length=500, blank=True)
    geometry = models.JSONField(_("线路 (GeoJSON LineString, WGS84)"), null=True, blank=True)

    class Meta(_Unit.Meta):
        verbose_name = _("护路护线路线")
        verbose_name_plural = _("护路护线路线")
