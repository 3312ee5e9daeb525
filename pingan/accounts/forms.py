"""Forms of the sign-in pages. Checks that touch lockout and audit live in `authflow`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
        error_messages={"required": _("请输入用户名。")},
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("请输入密码。")},
    )


class CodeForm(forms.Form):
    """A 6-digit TOTP code; `allow_recovery` also accepts a recovery code."""

    code = forms.CharField(
        label=_("动态验证码"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "code-input",
            }
        ),
        error_messages={"required": _("请输入验证码。")},
    )

    def __init__(self, *args, allow_recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if allow_recovery:
            self.fields["code"].label = _("动态验证码或恢复码")
            self.fields["code"].widget.attrs["inputmode"] = "text"
            self.fields["code"].help_text = _(
                "手机丢失时可输入一个恢复码，每个恢复码只能使用一次。"
            )


class PositionForm(forms.Form):
    position = forms.TypedChoiceField(
        label=_("岗位"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择一个岗位。"),
            "invalid_choice": _("岗位不存在或不属于您。"),
        },
    )

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].choices = [(p.pk, str(p)) for p in positions]
