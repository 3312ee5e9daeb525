"""What the public GET answers may carry of a citizen's text and place.

Descriptions are citizen text: ID numbers and phone numbers in them are masked the way the
rest of the system masks them. Coordinates are rounded to 3 decimals (about 110 m
north–south), enough to place the problem on a map without pointing at a door.
"""

from __future__ import annotations

import re

from pingan.core.masking import mask_id_number, mask_phone, mask_point

POINT_PLACES = 3
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)")


def scrub(text: str) -> str:
    """Mask ID numbers, mobile and landline numbers inside free text."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text or "")
    text = _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group())[-11:]), text)
    return _LANDLINE.sub(lambda m: mask_phone(m.group()), text)


def rounded_point(lng: float | None, lat: float | None) -> tuple[float, float] | None:
    return mask_point(lng, lat, places=POINT_PLACES)
