from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from pingan.core.idnumber import (
    IdNumberFormField,
    IdNumberSerializerField,
    Sex,
    birth_date_of,
    check_character,
    normalize_id_number,
    sex_of,
    upgrade_15_to_18,
    validate_id_number,
)
from tests.factories import region_chain

TODAY = date(2026, 11, 21)


def _make(first17: str) -> str:
    return first17 + check_character(first17)


def _error(value, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        normalize_id_number(value, today=TODAY, **kwargs)
    return info.value


def test_valid_numbers_are_returned_normalized():
    assert normalize_id_number("11010519491231002X", today=TODAY) == "11010519491231002X"
    assert normalize_id_number("11010519491231002x", today=TODAY) == "11010519491231002X"
    assert normalize_id_number(" 110105 19491231 002X ", today=TODAY) == "11010519491231002X"
    # Full-width digits and letter typed with a Chinese input method.
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == (
        "11010519491231002X"
    )


def test_check_character_follows_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    assert check_character("99010120000229001") == "1"  # sum 242, mod 11 = 0


def test_15_digit_numbers_are_upgraded():
    assert normalize_id_number("110105491231002", today=TODAY) == "11010519491231002X"
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"
    with pytest.raises(ValidationError, match="只有15位"):
        upgrade_15_to_18("11010519491231002X")
    assert _error("110105491331002").code == "birth_date"
    assert _error("11010549123100A").code == "format"


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "请填写公民身份号码"),
        ("1101051949123100", "length", "输入的是16位"),
        ("11010519491231002XX", "length", "输入的是19位"),
        ("1101051949123100X2", "format", "前17位必须是数字"),
        ("11010519491231002Y", "format", "最后一位是数字或X"),
        (_make("00010519491231002"), "province", "前两位“00”"),
        (_make("16010519491231002"), "province", "前两位“16”"),
        (_make("90010519491231002"), "province", "前两位“90”"),
        (_make("11010519490230002"), "birth_date", "“19490230”不是有效日期"),
        (_make("11010519491301002"), "birth_date", "“19491301”不是有效日期"),
        (_make("11010520261122002"), "birth_future", "晚于今天"),
        (_make("11010518991231002"), "birth_too_early", "早于1900年"),
        ("110105194912310021", "checksum", "最后一位应为“X”"),
    ],
)
def test_each_rule_has_its_own_chinese_message(value, code, message):
    error = _error(value)
    assert error.code == code
    assert message in error.messages[0]


@pytest.mark.parametrize(
    "prefix",
    [
        "11",
        "15",
        "21",
        "23",
        "31",
        "37",
        "41",
        "46",
        "50",
        "54",
        "61",
        "65",
        "71",
        "81",
        "82",
        "99",
    ],
)
def test_every_province_prefix_is_accepted(prefix):
    number = _make(prefix + "010519800101001")
    assert normalize_id_number(number, today=TODAY) == number


def test_birth_date_boundaries():
    assert normalize_id_number(_make("11010520261121002"), today=TODAY)
    assert normalize_id_number(_make("11010519000101002"), today=TODAY)
    assert normalize_id_number(_make("99010120000229001"), today=TODAY)  # leap day


def test_birth_date_and_sex():
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_of("110105491231002") == date(1949, 12, 31)
    assert sex_of("11010519491231002X") == Sex.FEMALE  # sequence 002: even
    assert sex_of(_make("11010519491231001")) == Sex.MALE
    assert Sex.MALE.label == "男"
    with pytest.raises(ValidationError):
        sex_of("110105194912310021")


@pytest.mark.django_db
def test_region_table_check_is_opt_in():
    region_chain("990101")
    known = _make("99010119800101001")
    unknown = _make("99020219800101001")
    other_province = _make("11010519800101001")
    assert normalize_id_number(known, today=TODAY, check_region=True) == known
    error = _error(unknown, check_region=True)
    assert (error.code, error.messages) == (
        "region",
        ["前六位“990202”不是本系统登记的县级行政区划代码。"],
    )
    # Without the province in the table, or without the option, no region-table check.
    assert normalize_id_number(other_province, today=TODAY, check_region=True)
    assert normalize_id_number(unknown, today=TODAY) == unknown


def test_validator_for_django_and_drf():
    validate_id_number("11010519491231002X")
    validate_id_number("")
    validate_id_number(None)
    with pytest.raises(ValidationError):
        validate_id_number("110105194912310021")

    class PersonForm(forms.Form):
        id_number = IdNumberFormField()

    form = PersonForm({"id_number": "110105491231002"})
    assert form.is_valid()
    assert form.cleaned_data["id_number"] == "11010519491231002X"
    form = PersonForm({"id_number": "110105194912310021"})
    assert not form.is_valid()
    assert "校验码错误" in form.errors["id_number"][0]

    class PersonSerializer(serializers.Serializer):
        id_number = IdNumberSerializerField()
        other = serializers.CharField(validators=[validate_id_number], required=False)

    ok = PersonSerializer(data={"id_number": "11010519491231002x"})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["id_number"] == "11010519491231002X"
    bad = PersonSerializer(data={"id_number": "123", "other": "110105194912310021"})
    assert not bad.is_valid()
    assert bad.errors["id_number"][0].code == "length"
    assert "应为18位" in str(bad.errors["id_number"][0])
    assert "校验码错误" in str(bad.errors["other"][0])
