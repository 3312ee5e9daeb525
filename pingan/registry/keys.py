"""Blind-index keys of a person: full ID number, its last 4 and last 6 characters, phone.

Every key is an HMAC (`pingan.core.crypto.blind_index`) under its own purpose string, so an
ID tail and a phone number with the same digits never share a value. The tail indexes let a
grid worker find "the one ending in 1234" without decrypting anyone; they reveal which people
share a tail to whoever holds the database and the index key, a trade-off recorded in
docs/decisions/0009-registry.md.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pingan.core.crypto import blind_index

PURPOSE_ID = "registry.person.id_number"
PURPOSE_ID_TAIL4 = "registry.person.id_tail4"
PURPOSE_ID_TAIL6 = "registry.person.id_tail6"
PURPOSE_PHONE = "registry.person.phone"

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code 0xx/0xxx + 7–8 digit number


def id_hash(number: str) -> str:
    """Index of a normalised 18-character ID number."""
    return blind_index(number, PURPOSE_ID)


def id_tail_hash(tail: str) -> str:
    """Index of the last 4 or 6 characters of an ID number (`X` upper case)."""
    tail = tail.upper()
    if len(tail) == 4:
        return blind_index(tail, PURPOSE_ID_TAIL4)
    if len(tail) == 6:
        return blind_index(tail, PURPOSE_ID_TAIL6)
    raise ValueError("an ID tail has 4 or 6 characters")


def id_keys(number: str) -> dict[str, str]:
    """The three index columns of a person for a normalised ID number."""
    return {
        "id_hash": id_hash(number),
        "id_tail4_hash": id_tail_hash(number[-4:]),
        "id_tail6_hash": id_tail_hash(number[-6:]),
    }


def clean_phone_text(value: object) -> str:
    """Digits of a phone number as typed: full-width digits folded, separators and a
    +86/0086 country prefix removed. Not validated."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def normalize_phone(value: object) -> str:
    """A mobile (11 digits, 1[3-9]…) or landline (area code with leading 0) number as
    digits only; "" for empty input. Raises `ValidationError` with a Chinese message."""
    text = clean_phone_text(value)
    if not text:
        return ""
    if not text.isdigit():
        raise ValidationError(_("联系电话只能包含数字（可带区号分隔符“-”）。"), code="format")
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise ValidationError(
        _("联系电话应为11位手机号码，或带区号的固定电话号码（如 0871-12345678）。"),
        code="invalid",
    )


def phone_hash(phone: str) -> str:
    """Index of a normalised phone number; "" for no phone."""
    return blind_index(phone, PURPOSE_PHONE) if phone else ""
