"""Masked display of sensitive values (DESIGN §4.5): what lists and detail pages show.

The full value is only ever shown through `pingan.core.reveal.reveal_field`, which checks
permission and writes an audit record. Every helper accepts None/"" and returns "" (or
None for points) so templates need no guards.
"""

from __future__ import annotations

MASK = "*"


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        # Too short to keep both ends without revealing (nearly) everything.
        return MASK * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + MASK * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str | None) -> str:
    """`530623199001011234` → `530623********1234` (region prefix and last four kept)."""
    value = (value or "").strip()
    return _mask_middle(value, 6, 4) if value else ""


def mask_phone(value: str | None) -> str:
    """`13812345678` → `138****5678`; landlines keep the first three and last four
    characters (`0871-12345678` → `087******5678`); short numbers show only the last two."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) < 8:
        return _mask_middle(value, 0, 2)
    return _mask_middle(value, 3, 4)


def mask_name(value: str | None) -> str:
    """`张三丰` → `张*丰`, `张三` → `张*`, `欧阳娜娜` → `欧**娜`, single character → `*`."""
    value = (value or "").strip()
    if len(value) <= 1:
        return MASK * len(value)
    if len(value) == 2:
        return value[0] + MASK
    return _mask_middle(value, 1, 1)


def mask_address(value: str | None) -> str:
    """Keep the first six characters (roughly province/city/county) and hide the rest behind
    a fixed-length mask, so the length of the real address is not shown either."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= 6:
        return value[:2] + MASK * 4
    return value[:6] + MASK * 4


def mask_point(lng: float | None, lat: float | None, places: int = 2) -> tuple[float, float] | None:
    """Round a WGS84 point to `places` decimals: 0.01° is about 1.1 km north–south (and
    0.9–1.1 km east–west at Chinese latitudes), enough to place a dot on a county map
    without pointing at a house."""
    if lng is None or lat is None:
        return None
    return (round(float(lng), places), round(float(lat), places))


__all__ = ["mask_address", "mask_id_number", "mask_name", "mask_phone", "mask_point"]
