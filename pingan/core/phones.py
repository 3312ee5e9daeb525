"""Phone numbers: normalising what people type, and the one blind index every app uses.

One purpose string for every stored phone (people, citizens' reports, SMS opt-outs, staff), so
a caller's number can be matched across the registry, the portal and the SMS gateway.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pingan.core.crypto import blind_index

# Kept from the registry, where the index was first stored: changing it would orphan rows.
PURPOSE_PHONE = "registry.person.phone"

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code 0xx/0xxx + 7–8 digit number


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


def normalize_mobile(value: object) -> str:
    """An 11-digit mobile number (SMS can reach it); raises `ValidationError` otherwise."""
    text = clean_phone_text(value)
    if not _MOBILE.match(text):
        raise ValidationError(_("请填写11位手机号码。"), code="mobile")
    return text


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone or ""))


def phone_hash(phone: str) -> str:
    """Index of a normalised phone number; "" for no phone."""
    return blind_index(phone, PURPOSE_PHONE) if phone else ""
