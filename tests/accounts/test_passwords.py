import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from pingan.accounts.models import User
from pingan.accounts.passwords import PasswordPolicyValidator, character_classes


def codes_for(password: str, username: str = "zhangsan") -> set[str]:
    try:
        PasswordPolicyValidator().validate(password, User(username=username))
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        ("Abcdef12!x", "zhangsan", set()),  # 10 chars, four classes
        ("abcdefgh12", "zhangsan", {"password_too_simple"}),  # lower + digit only
        ("abcdefGHIJ", "zhangsan", {"password_too_simple"}),  # upper + lower only
        ("abcdefgh1!", "zhangsan", set()),  # lower + digit + symbol
        ("ABCDEFGH1!", "zhangsan", set()),  # upper + digit + symbol
        ("Ab1!Ab1!a", "zhangsan", {"password_too_short"}),  # 9 chars
        ("short", "zhangsan", {"password_too_short", "password_too_simple"}),
        ("Zhangsan2024!", "zhangsan", {"password_has_username"}),  # contains, other case
        ("xx-ZHANGSAN-1", "zhangsan", {"password_has_username"}),
        ("Li-Secret-99", "li", set()),  # 2-letter username: containment allowed
        ("平安建设abc123", "zhangsan", set()),  # 汉字 count as symbols: symbol+lower+digit
        ("平安建设平安建设平安", "zhangsan", {"password_too_simple"}),
    ],
)
def test_policy_cases(password, username, expected):
    assert codes_for(password, username) == expected


def test_password_equal_to_short_username_is_refused():
    assert codes_for("Ab1!Ab1!Ab", "ab1!ab1!ab") == {"password_has_username"}


def test_messages_are_chinese_and_all_reported():
    with pytest.raises(ValidationError) as info:
        PasswordPolicyValidator().validate("abc", User(username="abc"))
    assert info.value.messages == [
        "密码至少需要 10 个字符。",
        "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。",
        "密码不能与用户名相同或包含用户名。",
    ]


def test_installed_in_settings_validators():
    with pytest.raises(ValidationError) as info:
        validate_password("password12", User(username="someone"))
    assert "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。" in info.value.messages
    validate_password("Pingan-2026-ok", User(username="someone"))
    assert any("至少 10 个字符" in text for text in password_validators_help_texts())


def test_character_classes():
    assert character_classes("aA1 !") == {"lower", "upper", "digit", "symbol"}
    assert character_classes("   ") == set()
