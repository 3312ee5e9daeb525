"""Forms of the calendar admin page. Checking of the schedule itself is in `importing.py`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pingan.workdays.importing import MAX_FILE_BYTES, MAX_YEAR, MIN_YEAR

DAY_ACTIONS = [
    ("holiday", _("休息（节假日）")),
    ("workday", _("调休上班")),
    ("normal", _("恢复为普通日（工作日上班、周末休息）")),
]


class ImportForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    file = forms.FileField(
        label=_("安排文件"),
        help_text=_("CSV（date,kind,name）或 JSON；UTF-8 或 GBK 编码"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件过大（最多 %(n)d KB）"), params={"n": MAX_FILE_BYTES // 1024}
            )
        return upload


class ConfirmImportForm(forms.Form):
    """Second step: the checked content travels back in a hidden field and is checked again."""

    year = forms.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    content = forms.CharField(max_length=MAX_FILE_BYTES, strip=False, widget=forms.HiddenInput)


class DayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(label=_("设为"), choices=DAY_ACTIONS)
    name = forms.CharField(
        label=_("名称"),
        required=False,
        max_length=50,
        help_text=_("如“国庆节”；调休上班日填所属节日"),
    )

    def __init__(self, *args, year: int, **kwargs):
        self.year = year
        super().__init__(*args, **kwargs)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day.year != self.year:
            raise forms.ValidationError(_("日期必须在 %(year)d 年内"), params={"year": self.year})
        return day

    def clean(self):
        data = super().clean()
        if data.get("action") in ("holiday", "workday") and not data.get("name"):
            self.add_error("name", _("请填写名称（如“国庆节”）"))
        return data
