"""Departments of the demo county: every department type at county level, and the
派出所 (公安) and 司法所 (司法) of every town.

The town's 综治中心 is not a department: it is the town region itself, worked by the
town operators.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan.regions.models import DepartmentType

# (code, short name, sort, county-level office name). The short names are the code table's;
# the office names are what the 县 bureau is actually called.
STANDARD_TYPES: tuple[tuple[str, str, int, str], ...] = (
    ("gongan", "公安", 10, "公安局"),
    ("jiancha", "检察", 20, "人民检察院"),
    ("fayuan", "法院", 30, "人民法院"),
    ("sifa", "司法", 40, "司法局"),
    ("minzheng", "民政", 50, "民政局"),
    ("renshe", "人社", 60, "人力资源和社会保障局"),
    ("weijian", "卫健", 70, "卫生健康局"),
    ("yingji", "应急", 80, "应急管理局"),
    ("shichang", "市场监管", 90, "市场监督管理局"),
    ("zhujian", "住建", 100, "住房和城乡建设局"),
    ("chengguan", "城管", 110, "综合行政执法局"),
    ("xinfang", "信访", 120, "信访局"),
)
# Further types the regions app seeds (county office names only; the demo does not add them).
EXTRA_OFFICE_NAMES = {
    "jiaoyu": "教育局",
    "ziranziyuan": "自然资源局",
    "shengtai": "生态环境局",
    "nongye": "农业农村局",
}
# A catch-all classification, not an agency: no demo department.
NOT_AN_OFFICE = frozenset({"other"})
OFFICE_SUFFIXES = ("局", "院", "所", "委", "办", "队", "中心")
OFFICE_NAMES = {code: office for code, _name, _sort, office in STANDARD_TYPES} | EXTRA_OFFICE_NAMES
# Department types with a station in every town, and what the station is called.
TOWN_STATIONS = {"gongan": "派出所", "sifa": "司法所"}


@dataclass(frozen=True)
class PlannedDepartment:
    code: str
    name: str
    type_code: str
    region_code: str


def ensure_department_types() -> list[DepartmentType]:
    """Add any standard type the code table lacks; return every active type.

    Types are a code table that deployments extend; the demo never renames or removes
    existing rows, it only fills in the ones it needs.
    """
    existing = set(DepartmentType.objects.values_list("code", flat=True))
    DepartmentType.objects.bulk_create(
        DepartmentType(code=code, name=name, sort=sort)
        for code, name, sort, _office in STANDARD_TYPES
        if code not in existing
    )
    return list(DepartmentType.objects.filter(active=True).order_by("sort", "code"))


def office_name(dtype: DepartmentType) -> str:
    """What the county office of this type is called: 公安 → 公安局, 法院 → 人民法院."""
    if dtype.code in OFFICE_NAMES:
        return OFFICE_NAMES[dtype.code]
    return dtype.name if dtype.name.endswith(OFFICE_SUFFIXES) else f"{dtype.name}局"


def plan_departments(
    types: list[DepartmentType], county: tuple[str, str], towns: list[tuple[str, str]]
) -> list[PlannedDepartment]:
    """County departments for every type (but 其他), then each town's stations.

    Codes follow the regions convention `<region code>-<type code>`.
    """
    county_code, county_name = county
    planned = [
        PlannedDepartment(
            code=f"{county_code}-{dtype.code}",
            name=f"{county_name}{office_name(dtype)}",
            type_code=dtype.code,
            region_code=county_code,
        )
        for dtype in types
        if dtype.code not in NOT_AN_OFFICE
    ]
    available = {dtype.code for dtype in types}
    for town_code, town_name in towns:
        for type_code, station in TOWN_STATIONS.items():
            if type_code in available:
                planned.append(
                    PlannedDepartment(
                        code=f"{town_code}-{type_code}",
                        name=f"{town_name}{station}",
                        type_code=type_code,
                        region_code=town_code,
                    )
                )
    return planned
