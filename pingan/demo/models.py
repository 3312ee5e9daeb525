"""What the last `pingan demo` build made, for later modules that add data to the demo."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoBuild(models.Model):
    """The demo county currently in the database (one row, id 1, replaced on every build).

    Later modules (people, events, petitions …) read `target_residents` and
    `residents_by_village` to generate their demo data at the right scale and place.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    county_code = models.CharField(_("县级编码"), max_length=6, default="990101")
    size = models.CharField(_("规模"), max_length=16)
    seed = models.BigIntegerField(_("随机种子"))
    target_residents = models.PositiveIntegerField(_("目标常住人口"))
    # {village code: residents}: the county target split over villages (社区 denser than 村).
    residents_by_village = models.JSONField(_("各村/社区人口"), default=dict)
    counts = models.JSONField(_("数量统计"), default=dict)
    built_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("示范数据")
        verbose_name_plural = _("示范数据")

    def __str__(self) -> str:
        return f"{self.county_code} {self.size} seed={self.seed}"
