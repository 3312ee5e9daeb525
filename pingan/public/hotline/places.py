"""Where a caller is: a map point, a grid (or village) code, or an address, resolved to the
grid, village, town and county that answer for it.

- A point goes through the shared point → grid index (`regions.lookup.lookup_point`).
- A code names a grid, micro-grid, village or town directly.
- An address is matched against the registry's standard addresses (房屋, 一标三实): an exact
  match whose houses all lie in one grid gives that grid (and the house's point, when it has
  one). Otherwise the names of the villages and towns in scope are looked for in the text;
  the deepest unambiguous one wins (a village is better than a town). There is no external
  geocoder: an address that names no known house, village or town is "not found".

Every resolution is limited to a region prefix (the operator's scope, or the bridge's
region): a place outside it is answered as outside, never with its contacts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from pingan.regions.lookup import RegionRef, lookup_point
from pingan.regions.models import LEVEL_BY_CODE_LENGTH, Region, RegionLevel

CODE_PATTERN = re.compile(r"^\d{6,18}$")
# Levels an operator or a bridge may name by code.
NAMEABLE_LEVELS = (RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID, RegionLevel.MICROGRID)
ADDRESS_MAX = 200
# Region names shorter than this are too generic to find inside an address ("一组").
MIN_NAME_CHARS = 2


@dataclass(frozen=True)
class Place:
    """A resolved place. `found` is False with a Chinese `message` when nothing answers for
    it (outside every grid, unknown address, outside the allowed region)."""

    found: bool
    source: str  # "point", "grid" or "address"
    lng: float | None = None
    lat: float | None = None
    grid: RegionRef | None = None
    microgrid: RegionRef | None = None
    village: RegionRef | None = None
    town: RegionRef | None = None
    county: RegionRef | None = None
    message: str = ""

    @property
    def code(self) -> str:
        """The finest region code known ("" when not found)."""
        for ref in (self.microgrid, self.grid, self.village, self.town, self.county):
            if ref is not None:
                return ref.code
        return ""

    def as_dict(self) -> dict:
        def ref(value: RegionRef | None) -> dict | None:
            return value.as_dict() if value else None

        return {
            "found": self.found,
            "source": self.source,
            "lng": self.lng,
            "lat": self.lat,
            "grid": ref(self.grid),
            "microgrid": ref(self.microgrid),
            "village": ref(self.village),
            "town": ref(self.town),
            "county": ref(self.county),
            "message": self.message,
        }


def not_found(source: str, message: str, lng: float | None = None, lat: float | None = None):
    return Place(found=False, source=source, lng=lng, lat=lat, message=message)


def within(place: Place, prefix: str) -> Place:
    """`place` when it lies inside the region `prefix` ("" = everywhere), else "outside"."""
    if not place.found or place.code.startswith(prefix):
        return place
    return not_found(place.source, _("该位置不在查询范围（辖区）内。"), place.lng, place.lat)


def place_for_point(lng: float, lat: float, *, crs: str = "wgs84") -> Place:
    result = lookup_point(lng, lat, crs=crs)
    if not result.found:
        return not_found("point", _("该位置不在任何网格内。"), result.lng, result.lat)
    return Place(
        found=True,
        source="point",
        lng=result.lng,
        lat=result.lat,
        grid=result.grid,
        microgrid=result.microgrid,
        village=result.village,
        town=result.town,
        county=result.county,
    )


def place_for_code(code: str, *, source: str = "grid") -> Place:
    """The place a region code names (town, village, grid or micro-grid); not found for
    anything else. The point is the region's centre when it has one."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code) or LEVEL_BY_CODE_LENGTH.get(len(code)) not in NAMEABLE_LEVELS:
        return not_found(source, _("网格编码不存在。"))
    prefixes = [code[:n] for n in (6, 9, 12, 15, 18) if n <= len(code)]
    rows = {
        row.code: row
        for row in Region.objects.filter(code__in=prefixes).only(
            "code", "name", "level", "centroid_lng", "centroid_lat"
        )
    }
    own = rows.get(code)
    if own is None or own.level not in NAMEABLE_LEVELS:
        return not_found(source, _("网格编码不存在。"))

    def ref(length: int) -> RegionRef | None:
        row = rows.get(code[:length]) if len(code) >= length else None
        return RegionRef(row.code, row.name) if row else None

    return Place(
        found=True,
        source=source,
        lng=own.centroid_lng,
        lat=own.centroid_lat,
        grid=ref(15),
        microgrid=ref(18),
        village=ref(12),
        town=ref(9),
        county=ref(6),
    )


def clean_address(text: str) -> str:
    """Full-width folded, spaces removed (door plates are written with and without them)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def place_for_address(text: str, *, prefix: str = "") -> Place:
    """The grid of a registry address, else the village or town the text names (see the
    module docstring). Only houses and regions inside `prefix` are considered."""
    from pingan.registry.models import House  # the registry is optional for the hotline

    address = clean_address(text)
    if not address:
        return not_found("address", _("请填写地址。"))
    houses = list(
        House.objects.filter(address=address, region_code__startswith=prefix).values_list(
            "region_code", "lng", "lat"
        )[:50]
    )
    grids = {code[:15] for code, _lng, _lat in houses if len(code) >= 15}
    if len(grids) == 1:
        codes = {code for code, _lng, _lat in houses}
        place = place_for_code(codes.pop() if len(codes) == 1 else grids.pop(), source="address")
        points = {(lng, lat) for _code, lng, lat in houses if lng is not None and lat is not None}
        if place.found and len(points) == 1:
            lng, lat = points.pop()
            place = replace(place, lng=lng, lat=lat)
        if place.found:
            return place
    return _place_by_names(address, prefix)


def _place_by_names(address: str, prefix: str) -> Place:
    rows = (
        Region.objects.filter(
            code__startswith=prefix, level__in=(RegionLevel.VILLAGE, RegionLevel.TOWN)
        )
        .values_list("code", "name")
        .order_by("code")
    )
    named = [(code, name) for code, name in rows if len(name) >= MIN_NAME_CHARS and name in address]
    towns = {code for code, _name in named if len(code) == 9}
    villages = [code for code, _name in named if len(code) == 12]
    if towns and villages:
        # "城关镇东街社区": a village under a named town beats a same-named one elsewhere.
        villages = [code for code in villages if code[:9] in towns] or villages
    if len(villages) == 1:
        return place_for_code(villages[0], source="address")
    if len(villages) > 1:
        return not_found("address", _("地址对应多个村（社区），请在地图上点选位置或填写网格编码。"))
    if len(towns) == 1:
        return place_for_code(towns.pop(), source="address")
    if len(towns) > 1:
        return not_found("address", _("地址对应多个乡镇（街道），请在地图上点选位置。"))
    return not_found("address", _("未能按地址找到所在网格，请在地图上点选位置。"))
