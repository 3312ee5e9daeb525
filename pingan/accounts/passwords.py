"""Password policy: ≥ 10 characters, three of four character classes, not the username.

Installed through AUTH_PASSWORD_VALIDATORS, so Django's forms, `createsuperuser`,
`changepassword` and our services (`user_create`, `user_set_password`) all apply it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_LENGTH = 10
MIN_CLASSES = 3
MIN_USERNAME_FOR_CONTAINS = 3


def character_classes(password: str) -> set[str]:
    """Which of upper, lower, digit, symbol occur. Letters without case (汉字) count as symbols,
    so a passphrase mixing Chinese with digits and Latin letters is judged fairly."""
    found: set[str] = set()
    for ch in password:
        if ch.isupper():
            found.add("upper")
        elif ch.islower():
            found.add("lower")
        elif ch.isdigit():
            found.add("digit")
        elif not ch.isspace():
            found.add("symbol")
    return found


class PasswordPolicyValidator:
    """Django password validator implementing the Pingan policy (Chinese messages)."""

    def __init__(self, min_length: int = MIN_LENGTH, min_classes: int = MIN_CLASSES):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        errors: list[ValidationError] = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _("密码至少需要 %(min)d 个字符。"),
                    code="password_too_short",
                    params={"min": self.min_length},
                )
            )
        if len(character_classes(password)) < self.min_classes:
            errors.append(
                ValidationError(
                    _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。"),
                    code="password_too_simple",
                    params={"n": self.min_classes},
                )
            )
        username = (getattr(user, "username", "") or "").strip().casefold()
        folded = password.casefold()
        # Containment only for usernames of 3+ characters: a 2-letter username like "li"
        # would otherwise forbid half the dictionary; equality is always refused.
        if username and (
            folded == username
            or (len(username) >= MIN_USERNAME_FOR_CONTAINS and username in folded)
        ):
            errors.append(
                ValidationError(
                    _("密码不能与用户名相同或包含用户名。"), code="password_has_username"
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "密码至少 %(min)d 个字符，包含大写字母、小写字母、数字、符号中的至少 %(n)d 类，"
            "且不能与用户名相同或包含用户名。"
        ) % {"min": self.min_length, "n": self.min_classes}
