"""Region tree (code = path), grids and departments.

A region's code is its path (DESIGN §4.1): province 2 digits, city 4, county 6, town 9,
village 12, grid 15, micro-grid 18. Subtree queries are prefix matches on `code`.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWN = "town", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")
    GRID = "grid", _("网格")
    MICROGRID = "microgrid", _("微网格")


CODE_LENGTH_BY_LEVEL = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
    RegionLevel.GRID: 15,
    RegionLevel.MICROGRID: 18,
}
LEVEL_BY_CODE_LENGTH = {length: level for level, length in CODE_LENGTH_BY_LEVEL.items()}
GRID_LEVELS = (RegionLevel.GRID, RegionLevel.MICROGRID)
# Departments sit at town level or above (a 派出所 is a town-level unit; villages have none).
DEPARTMENT_LEVELS = (
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWN,
)
# `<region code>-<type code>` with an optional `-<suffix>` when a region has several
# departments of one type (e.g. 990101-other-caizheng).
DEPARTMENT_CODE_RE = re.compile(
    r"^(?P<region>\d+)-(?P<type>[a-z][a-z0-9_]*)(?:-(?P<suffix>[a-z0-9]+))?$"
)


class Region(models.Model):
    """One node of the region tree. Grids and micro-grids are regions too."""

    code = models.CharField(_("编码"), max_length=18, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    geometry = models.JSONField(_("边界 (GeoJSON, WGS84)"), null=True, blank=True)
    centroid_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("行政区划/网格")
        verbose_name_plural = _("行政区划/网格")
        ordering = ["code"]
        indexes = [
            # Subtree queries are prefix matches on the primary key; on PostgreSQL Django adds
            # a varchar_pattern_ops "_like" index to it so LIKE 'x%' is indexable.
            models.Index(fields=["level", "code"], name="region_level_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_grid(self) -> bool:
        return self.level in GRID_LEVELS

    def contains_code(self, code: str) -> bool:
        return code.startswith(self.code)


class DepartmentType(models.Model):
    """Code table of department kinds (公安, 检察, 法院, 司法, 民政 …): data, extensible."""

    code = models.CharField(_("编码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门类型")
        verbose_name_plural = _("部门类型")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A functional department sitting at a region level. A holder of cases, not a region."""

    code = models.CharField(_("编码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    type = models.ForeignKey(DepartmentType, verbose_name=_("类型"), on_delete=models.PROTECT)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="departments"
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.region_id

    def clean(self) -> None:
        """The code must be `<region code>-<type code>[-suffix]` of this row's region and type."""
        if self.region_id is None or self.type_id is None:
            return  # the missing field reports itself; the code cannot be checked yet
        errors = department_code_errors(self.code, self.region_id, self.type_id)
        if errors:
            raise ValidationError({"code": errors})


def department_code_errors(code: str, region_code: str | None, type_code: str | None) -> list:
    """Chinese messages for a department code that breaks the naming convention (or [])."""
    match = DEPARTMENT_CODE_RE.match(code or "")
    expected = f"{region_code}-{type_code}"
    if not match or match["region"] != region_code or match["type"] != type_code:
        return [
            _("部门编码必须是“区划编码-类型编码”（如 %(expected)s），可再加“-后缀”。")
            % {"expected": expected}
        ]
    if len(code) > 40:
        return [_("部门编码不能超过 40 个字符。")]
    return []


class GridIndexVersion(models.Model):
    """Single row stamped by every service that changes grids, in the same transaction.

    Each worker process caches the point → grid index and compares this stamp at most every
    PINGAN_GRID_INDEX_CHECK_SECONDS; a different stamp means "rebuild before answering".
    The random `stamp` (not only the counter) also catches restores and test databases that
    reuse a counter value.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(_("版本"), default=0)
    stamp = models.CharField(_("标记"), max_length=32, default="")
    changed_at = models.DateTimeField(_("变更时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格索引版本")
        verbose_name_plural = _("网格索引版本")

    def __str__(self) -> str:
        return f"v{self.version}"
