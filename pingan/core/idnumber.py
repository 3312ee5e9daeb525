"""Citizen ID numbers (公民身份号码) per GB 11643-1999.

18 characters: 6-digit region code of the place of first registration, 8-digit birth date
(YYYYMMDD), 3-digit sequence (odd = male, even = female), and a check character computed
with ISO 7064 MOD 11-2 (0–9 or X). Numbers issued before 1999 may have 15 digits (2-digit
year, no check character); `normalize_id_number` upgrades them to 18.

`normalize_id_number` returns the canonical form or raises a `ValidationError` whose
Chinese message and `code` name the rule that failed; use it before storing or computing a
blind index. `validate_id_number` is the Django/DRF validator form.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
# First two digits: province-level codes of GB/T 2260, plus 99, our demo province (DESIGN §6).
PROVINCE_CODES = frozenset(
    [f"{n}" for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))]
    + [f"{n}" for n in (*range(50, 55), *range(61, 66), 71, 81, 82, 99)]
)
EARLIEST_BIRTH = date(1900, 1, 1)
_RE_18 = re.compile(r"^\d{17}[\dX]$")
_RE_15 = re.compile(r"^\d{15}$")


class Sex(models.TextChoices):
    """GB/T 2261.1 sex codes."""

    MALE = "1", _("男")
    FEMALE = "2", _("女")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _clean(value: object) -> str:
    # NFKC turns full-width digits and "Ｘ" typed with a Chinese IME into ASCII.
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"\s+", "", text).upper()


def _birth_date(digits8: str, today: date) -> date:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError as exc:
        raise ValidationError(
            _("出生日期“%(value)s”不是有效日期。"), code="birth_date", params={"value": digits8}
        ) from exc
    if born > today:
        raise ValidationError(
            _("出生日期“%(value)s”晚于今天。"), code="birth_future", params={"value": digits8}
        )
    if born < EARLIEST_BIRTH:
        raise ValidationError(
            _("出生日期“%(value)s”早于1900年。"), code="birth_too_early", params={"value": digits8}
        )
    return born


def _check_region_table(code6: str) -> None:
    """Where the Region table holds this province, the county code must be in it too.

    Opt-in: a number keeps the county code of its first registration, and counties are
    merged and renamed, so old codes legitimately disappear from a current table.
    """
    from pingan.regions.models import Region

    if Region.objects.filter(code=code6[:2]).exists() and not (
        Region.objects.filter(code=code6).exists()
    ):
        raise ValidationError(
            _("前六位“%(value)s”不是本系统登记的县级行政区划代码。"),
            code="region",
            params={"value": code6},
        )


def normalize_id_number(
    value: object, *, today: date | None = None, check_region: bool = False
) -> str:
    """Validate and return the 18-character form (15-digit numbers are upgraded, `x` → `X`).

    Checks, in order: length, characters, province prefix, (optionally) the 6-digit region
    against the Region table, birth date (valid, not in the future, not before 1900), and
    the check character. Raises `ValidationError` (code: length, format, province, region,
    birth_date, birth_future, birth_too_early, checksum).
    """
    text = _clean(value)
    today = today or timezone.localdate()
    if not text:
        raise ValidationError(_("请填写公民身份号码。"), code="required")
    if len(text) not in (15, 18):
        raise ValidationError(
            _("公民身份号码应为18位（旧版为15位），输入的是%(length)d位。"),
            code="length",
            params={"length": len(text)},
        )
    if len(text) == 15 and not _RE_15.match(text):
        raise ValidationError(_("15位公民身份号码只能包含数字。"), code="format")
    if len(text) == 18 and not _RE_18.match(text):
        raise ValidationError(_("公民身份号码前17位必须是数字，最后一位是数字或X。"), code="format")
    if text[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("前两位“%(value)s”不是有效的省级行政区划代码。"),
            code="province",
            params={"value": text[:2]},
        )
    if check_region:
        _check_region_table(text[:6])
    if len(text) == 15:
        # 15-digit numbers were issued to people born in the 1900s: the century is "19".
        first17 = text[:6] + "19" + text[6:]
        _birth_date(first17[6:14], today)
        return first17 + check_character(first17)
    _birth_date(text[6:14], today)
    expected = check_character(text[:17])
    if text[17] != expected:
        raise ValidationError(
            _("校验码错误：按前17位计算最后一位应为“%(expected)s”，请核对号码是否录入有误。"),
            code="checksum",
            params={"expected": expected},
        )
    return text


def validate_id_number(value: object) -> None:
    """Validator for Django model/form fields and DRF serializers (empty is left to
    `required`/`blank`)."""
    if value in (None, ""):
        return
    normalize_id_number(value)


def upgrade_15_to_18(value: str) -> str:
    """The 18-digit number for a valid 15-digit one."""
    if len(_clean(value)) != 15:
        raise ValidationError(_("只有15位公民身份号码需要升位。"), code="length")
    return normalize_id_number(value)


def birth_date_of(value: str) -> date:
    """Birth date encoded in a (valid) ID number."""
    number = normalize_id_number(value)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(value: str) -> Sex:
    """Sex encoded in a (valid) ID number: odd sequence digit male, even female."""
    number = normalize_id_number(value)
    return Sex.MALE if int(number[16]) % 2 else Sex.FEMALE


class IdNumberFormField(forms.CharField):
    """Form field whose cleaned value is the normalized 18-character number."""

    def __init__(self, *, check_region: bool = False, **kwargs):
        self.check_region = check_region
        kwargs.setdefault("max_length", 40)  # room for spaces typed between groups
        kwargs.setdefault("label", _("公民身份号码"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return normalize_id_number(value, check_region=self.check_region)


class IdNumberSerializerField(serializers.CharField):
    """DRF field whose validated value is the normalized 18-character number."""

    def __init__(self, *, check_region: bool = False, **kwargs):
        self.check_region = check_region
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalize_id_number(value, check_region=self.check_region)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc


__all__ = [
    "IdNumberFormField",
    "IdNumberSerializerField",
    "Sex",
    "birth_date_of",
    "check_character",
    "normalize_id_number",
    "sex_of",
    "upgrade_15_to_18",
    "validate_id_number",
]
