"""`GET /api/v1/hotline/grid-contact/`: *180 for a telephony bridge (docs/integration/hotline.md).

Two ways in:
- the bridge key: header ``X-Pingan-Bridge-Key`` equal to one of the keys in
  PINGAN_HOTLINE_BRIDGE_KEY (comma-separated while rotating); the answer is limited to
  PINGAN_HOTLINE_BRIDGE_REGION (empty: every region). A wrong key is 401 and audited.
- an operator's own token (or session): ``Authorization: Token …`` acting through a town or
  county 综治 operator/commander position (``X-Pingan-Position`` to choose); other roles get
  403 (audited). The answer is limited to the position's scope.

Every answer that finds a place is audited (`services.grid_contact_lookup`).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from pingan.accounts.scope import actor_for_request
from pingan.audit.services import audit_log
from pingan.core.http import client_ip
from pingan.core.phones import normalize_phone
from pingan.public.hotline.access import HOTLINE_ROLES, role_refused
from pingan.public.hotline.places import (
    ADDRESS_MAX,
    place_for_address,
    place_for_code,
    place_for_point,
    within,
)
from pingan.public.hotline.services import grid_contact_lookup
from pingan.regions.serializers import (
    GridLookupQuerySerializer,
    RegionRefSerializer,
    _Coordinate,
)

BRIDGE_HEADER = "X-Pingan-Bridge-Key"
BRIDGE_USERNAME = "bridge:hotline"


def bridge_keys() -> list[str]:
    raw = getattr(settings, "PINGAN_HOTLINE_BRIDGE_KEY", "") or ""
    return [key.strip() for key in raw.split(",") if key.strip()]


def bridge_key_valid(key: str) -> bool:
    """True when `key` equals one of the configured keys (constant-time comparison).
    With no key configured, every key is refused."""
    given = (key or "").encode()
    return any(hmac.compare_digest(given, good.encode()) for good in bridge_keys())


class HotlineCaller(BasePermission):
    """The bridge key, or a signed-in hotline operator (see the module docstring)."""

    message = gettext_lazy("只有乡镇、县综治中心操作员和指挥长可以查询网格员电话。")

    def has_permission(self, request, view) -> bool:
        key = request.headers.get(BRIDGE_HEADER)
        if key is not None:
            if bridge_key_valid(key):
                request.hotline_bridge = True
                return True
            audit_log(
                actor=None,
                username=BRIDGE_USERNAME,
                action="hotline.bridge_denied",
                object_type="api",
                object_id="hotline.grid-contact",
                ip=client_ip(request._request),
                outcome="denied",
                detail={"reason": "bad_key"},
            )
            raise AuthenticationFailed(_("桥接密钥无效。"))
        if not (request.user and request.user.is_authenticated):
            return False
        actor = actor_for_request(request)
        request.actor = actor
        return not role_refused(actor, HOTLINE_ROLES, "api:hotline.grid-contact")


class GridContactQuerySerializer(GridLookupQuerySerializer):
    """A point (lat + lng, optional crs), or a grid code, or an address; plus the caller."""

    lat = _Coordinate(
        required=False,
        min_value=-90,
        max_value=90,
        help_text="纬度（与 lng 同时给出）",
        error_messages=GridLookupQuerySerializer._declared_fields["lat"].error_messages,
    )
    lng = _Coordinate(
        required=False,
        min_value=-180,
        max_value=180,
        help_text="经度（与 lat 同时给出）",
        error_messages=GridLookupQuerySerializer._declared_fields["lng"].error_messages,
    )
    grid = serializers.RegexField(
        r"^[0-9]{9,18}$",
        required=False,
        help_text="网格（或微网格、村、乡镇）编码；无点位时使用",
        error_messages={"invalid": _("网格编码 grid 只能是 9–18 位数字。")},
    )
    address = serializers.CharField(
        required=False,
        max_length=ADDRESS_MAX,
        help_text="地址（按房屋标准地址和村、乡镇名称查找）；无点位和网格时使用",
        error_messages={"max_length": _("地址 address 不能超过 200 字。")},
    )
    caller = serializers.CharField(
        required=False,
        max_length=30,
        help_text="来电号码（只以哈希记入审计日志）",
        error_messages={"max_length": _("来电号码 caller 格式不正确。")},
    )

    def validate_caller(self, value: str) -> str:
        try:
            return normalize_phone(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, attrs: dict) -> dict:
        has_lat, has_lng = "lat" in attrs, "lng" in attrs
        if has_lat != has_lng:
            missing = "lng" if has_lat else "lat"
            raise serializers.ValidationError({missing: [_("lat 和 lng 须同时提供。")]})
        if not (has_lat or attrs.get("grid") or (attrs.get("address") or "").strip()):
            raise serializers.ValidationError(
                {"lat": [_("请提供 lat 和 lng，或网格编码 grid，或地址 address。")]}
            )
        return attrs


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField(help_text="grid_worker / village_staff / town_operator")
    role_label = serializers.CharField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    phone = serializers.CharField(help_text="完整工作电话；未登记时为空")
    fallback = serializers.BooleanField(help_text="网格无人时的兜底联系人（村/社区、乡镇）")


class GridContactSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    source = serializers.ChoiceField(choices=["point", "grid", "address"])
    lng = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    grid = RegionRefSerializer(allow_null=True)
    microgrid = RegionRefSerializer(allow_null=True)
    village = RegionRefSerializer(allow_null=True)
    town = RegionRefSerializer(allow_null=True)
    county = RegionRefSerializer(allow_null=True)
    contacts = ContactSerializer(many=True)
    message = serializers.CharField(help_text="found 为 false 时的中文说明")


class GridContactView(APIView):
    """*180: the grid at a point (or a grid code, or an address) and who to call there."""

    permission_classes = [HotlineCaller]

    @extend_schema(
        summary="*180 联系网格员：按位置查网格及在岗网格员电话",
        parameters=[
            GridContactQuerySerializer,
            OpenApiParameter(
                BRIDGE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="电话桥接密钥（PINGAN_HOTLINE_BRIDGE_KEY）；不用密钥时以操作员令牌认证",
            ),
        ],
        responses={
            200: GridContactSerializer,
            400: OpenApiResponse(description="参数错误：按字段给出中文说明"),
            401: OpenApiResponse(description="未认证或桥接密钥无效"),
            403: OpenApiResponse(description="岗位不是乡镇/县综治中心操作员或指挥长"),
        },
        tags=["hotline"],
    )
    def get(self, request):
        query = GridContactQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        bridge = getattr(request, "hotline_bridge", False)
        actor = None if bridge else request.actor
        prefix = settings.PINGAN_HOTLINE_BRIDGE_REGION if bridge else (actor.scope_code or "")
        if "lat" in data:
            place = place_for_point(data["lng"], data["lat"], crs=data["crs"])
        elif data.get("grid"):
            place = place_for_code(data["grid"])
        else:
            place = place_for_address(data["address"], prefix=prefix)
        place = within(place, prefix)
        contacts = grid_contact_lookup(
            actor=actor,
            place=place,
            caller_phone=data.get("caller", ""),
            via="bridge" if bridge else "api",
            username=BRIDGE_USERNAME if bridge else "",
        )
        body = place.as_dict()
        body["contacts"] = [contact.as_dict() for contact in contacts]
        response = Response(body)
        response["Cache-Control"] = "private, no-store"
        return response
