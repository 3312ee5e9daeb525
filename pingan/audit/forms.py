"""Filter form of the audit page and export."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from pingan.audit.selectors import AuditFilters

OUTCOME_CHOICES = [
    ("", _("全部")),
    ("ok", _("成功")),
    ("denied", _("拒绝")),
    ("failed", _("失败")),
    ("locked", _("已锁定")),
    ("expired", _("已过期")),
]
OUTCOME_LABELS = dict(OUTCOME_CHOICES[1:])


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人（用户名）"), required=False, max_length=150)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=64)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    action = forms.CharField(
        label=_("动作"),
        required=False,
        max_length=64,
        help_text=_("按前缀匹配，例如 auth. 匹配所有登录类动作。"),
    )
    outcome = forms.ChoiceField(label=_("结果"), required=False, choices=OUTCOME_CHOICES)
    since = forms.DateTimeField(
        label=_("起始时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = forms.DateTimeField(
        label=_("截止时间"),
        required=False,
        help_text=_("含该分钟。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("截止时间不能早于起始时间。"))
        return data

    def filters(self) -> AuditFilters:
        """Valid form → filters. `until` includes its whole minute (the input has minutes)."""
        data = self.cleaned_data
        until = data.get("until")
        if until is not None and until.second == 0 and until.microsecond == 0:
            until += timedelta(minutes=1)
        return AuditFilters(
            actor_username=data.get("actor", "").strip(),
            object_type=data.get("object_type", "").strip(),
            object_id=data.get("object_id", "").strip(),
            action=data.get("action", "").strip(),
            outcome=data.get("outcome", ""),
            since=data.get("since"),
            until=until,
        )
