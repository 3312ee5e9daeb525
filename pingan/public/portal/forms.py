"""Forms of the citizen portal (Chinese messages, one per field)."""

from __future__ import annotations

import math
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pingan.core.phones import normalize_mobile
from pingan.core.uploads import IMAGE_TYPES, CheckedFile, check_uploads, human_size
from pingan.flow.models import Satisfaction
from pingan.public.portal.selectors import category_groups, counties, county_for_point

MAX_PHOTOS = 3
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
HONEYPOT = "website"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _mobile(value: str) -> str:
    return normalize_mobile(value)


class ReportForm(forms.Form):
    """The citizen's report: what, where (map point or address), photos, and a mobile
    number for the query code and progress messages."""

    idem = forms.CharField(widget=forms.HiddenInput, required=False)
    category = forms.ChoiceField(
        label=_("问题类别"),
        error_messages={
            "required": _("请选择问题类别。"),
            "invalid_choice": _("请选择有效的问题类别。"),
        },
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        error_messages={
            "required": _("请描述您反映的问题。"),
            "max_length": _("问题描述不能超过 2000 字（现有 %(show_value)d 字）。"),
        },
    )
    lat = forms.CharField(
        label=_("纬度"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lng = forms.CharField(
        label=_("经度"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("地址"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("地址不能超过 200 字。")},
    )
    county = forms.ChoiceField(
        label=_("所在县（市、区）"),
        required=False,
        error_messages={"invalid_choice": _("请选择有效的县（市、区）。")},
    )
    photos = forms.Field(
        label=_("现场照片"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写手机号码，用于接收查询码和办理进展短信。")},
    )
    name = forms.CharField(
        label=_("称呼（选填）"),
        required=False,
        max_length=50,
        error_messages={"max_length": _("称呼不能超过 50 字。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("请选择")), *category_groups()]
        self.county_choices = counties()
        self.fields["county"].choices = [("", _("请选择")), *self.county_choices]
        self.checked_photos: list[CheckedFile] = []

    def clean_idem(self) -> str:
        value = (self.cleaned_data.get("idem") or "").strip()
        if not TOKEN.match(value):
            raise ValidationError(_("表单已失效，请刷新页面后重新填写。"))
        return value

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def clean_phone(self) -> str:
        return _mobile(self.cleaned_data["phone"])

    def clean_photos(self) -> list[CheckedFile]:
        files = [f for f in (self.cleaned_data.get("photos") or []) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
        checked, problems = check_uploads(
            files, limit=settings.PINGAN_PORTAL_PHOTO_MAX_BYTES, allowed=IMAGE_TYPES
        )
        if problems:
            raise ValidationError(problems)
        return checked

    def _point(self) -> tuple[float, float] | None:
        raw_lat = (self.cleaned_data.get("lat") or "").strip()
        raw_lng = (self.cleaned_data.get("lng") or "").strip()
        if not raw_lat and not raw_lng:
            return None
        try:
            lat, lng = float(raw_lat), float(raw_lng)
        except ValueError:
            self.add_error("lng", _("位置坐标无效，请在地图上重新选点。"))
            return None
        if not (
            math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
        ):
            self.add_error("lng", _("位置坐标无效，请在地图上重新选点。"))
            return None
        return lat, lng

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        point = self._point()
        address = data.get("address") or ""
        chosen = data.get("county") or ""
        only = self.county_choices[0][0] if len(self.county_choices) == 1 else ""
        county = ""
        if point is not None:
            county = county_for_point(point[1], point[0]) or chosen or only
            if not county:
                self.add_error(
                    "lng",
                    _(
                        "所选位置不在本平台受理范围内，请重新选点，或填写地址并选择所在县（市、区）。"
                    ),
                )
        elif "lng" not in self.errors:
            if not address:
                self.add_error("address", _("请在地图上选择位置，或填写问题发生的地址。"))
            county = chosen or only
            if address and not county:
                self.add_error("county", _("只填写地址时，请选择所在县（市、区）。"))
        data["point"] = point
        data["resolved_county"] = county
        return data

    def event_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        point = data.get("point")
        return {
            "category": data["category"],
            "description": data["description"],
            "address": data.get("address") or "",
            "lat": point[0] if point else "",
            "lng": point[1] if point else "",
        }


# Service field → form field (the service checks the same things again, in its words).
SERVICE_FIELDS = {"lat": "lng", "unit": "county", "email": "name"}


def photo_hint() -> str:
    return _("最多 %(n)d 张，每张不超过 %(size)s，JPEG、PNG 或 WebP 格式。") % {
        "n": MAX_PHOTOS,
        "size": human_size(settings.PINGAN_PORTAL_PHOTO_MAX_BYTES),
    }


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("案件编号"), max_length=40, error_messages={"required": _("请填写案件编号。")}
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=6,
        min_length=6,
        error_messages={
            "required": _("请填写 6 位查询码。"),
            "min_length": _("查询码为 6 位数字。"),
            "max_length": _("查询码为 6 位数字。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise ValidationError(_("查询码为 6 位数字。"))
        return code


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写反映问题时留下的手机号码。")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        return _mobile(self.cleaned_data["phone"])


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        error_messages={"required": _("请填写短信中的 6 位验证码。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果是否满意"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度。"), "invalid_choice": _("请选择满意程度。")},
    )
    note = forms.CharField(
        label=_("意见建议（选填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={"max_length": _("意见不能超过 500 字。")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("申请重新办理的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={
            "required": _("请写明申请重新办理的理由。"),
            "max_length": _("理由不能超过 500 字。"),
        },
    )
