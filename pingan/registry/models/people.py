"""People and houses (实有人口, 以房管人)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.core.idnumber import Sex


class House(models.Model):
    """A dwelling. Its point is stored in plain columns: a house address is already
    public-ish (door plates), unlike where a given person is at a given time; the point is
    shown rounded (`mask_point`) in listings and in full only through a reveal."""

    address = models.CharField(_("地址"), max_length=200)
    region_code = models.CharField(_("所属网格"), max_length=18, db_index=True)
    is_rental = models.BooleanField(_("出租房"), default=False)
    owner = models.ForeignKey(
        "registry.Person",
        verbose_name=_("房主"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_houses",
    )
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    REVEALABLE_FIELDS = ("lng", "lat")

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["region_code", "address", "id"]

    def __str__(self) -> str:
        return self.address


class Person(models.Model):
    """One natural person, keyed by the blind index of the ID number. Typed facts (户籍,
    流动, special populations …) are `Card`s; this row holds the base fields every card
    shares (REFERENCE §1.3)."""

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名全拼"), max_length=200, db_index=True)
    name_initials = models.CharField(_("姓名首字母"), max_length=50, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    id_number = EncryptedTextField(_("公民身份号码"))
    id_hash = models.CharField(max_length=64, unique=True)
    id_tail4_hash = models.CharField(max_length=64, db_index=True)
    id_tail6_hash = models.CharField(max_length=64, db_index=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address = models.CharField(_("现住详址"), max_length=200, blank=True)
    region_code = models.CharField(_("所属网格"), max_length=18, db_index=True)
    house = models.ForeignKey(
        House,
        verbose_name=_("所属房屋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occupants",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["region_code", "name_pinyin", "id"]

    def __str__(self) -> str:
        return self.name
