"""统一社会信用代码 (GB 32100-2015): 18 characters, check character MOD 31."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: object) -> str:
    """Upper-case, full-width folded, spaces removed, checked; "" stays "". Raises
    `ValidationError` with a Chinese message."""
    text = "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()
    if not text:
        return ""
    if len(text) != 18 or any(c not in ALPHABET for c in text) or not text[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码应为18位数字或大写字母（不含 I、O、S、V、Z）。"), code="format"
        )
    if check_character(text[:17]) != text[17]:
        raise ValidationError(_("统一社会信用代码校验位错误，请核对。"), code="checksum")
    return text
