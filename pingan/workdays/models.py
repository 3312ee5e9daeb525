"""The holiday table: which dates differ from "Monday–Friday work, weekend rest" (DESIGN §3 Time).

A working day is (a weekday and not a holiday) or an explicit make-up workday (调休上班).
Only the exceptions are stored; every other date follows the weekday rule. A year's
`YearSchedule` says whether its exceptions are the published State Council schedule
(official) or an estimate (provisional). Rows are written only through `services.py`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息（节假日）")
    WORKDAY = "workday", _("调休上班")


class ScheduleStatus(models.TextChoices):
    OFFICIAL = "official", _("正式")
    PROVISIONAL = "provisional", _("暂定")


class ScheduleSource(models.TextChoices):
    CHINESECALENDAR = "chinesecalendar", _("chinesecalendar 库")
    ADMIN = "admin", _("管理员逐日录入")
    IMPORT = "import", _("文件导入")


class YearSchedule(models.Model):
    """One calendar year's holiday arrangement and where it came from."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ScheduleStatus.choices, default=ScheduleStatus.OFFICIAL
    )
    source = models.CharField(_("来源"), max_length=16, choices=ScheduleSource.choices)
    entered_at = models.DateTimeField(_("录入时间"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Bumped on every change; the per-process calendar cache compares it to notice edits
    # made by other processes.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=1900, year__lte=2099), name="yearschedule_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"

    @property
    def is_official(self) -> bool:
        return self.status == ScheduleStatus.OFFICIAL


class SpecialDay(models.Model):
    """A date that is a holiday (休) or a make-up workday (调休上班)."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    # Denormalised from `date` so a whole year is replaced and loaded with one indexed query.
    year = models.PositiveSmallIntegerField(_("年份"), db_index=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name} {self.get_kind_display()}"
