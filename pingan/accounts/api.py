"""Token API, API logout and `/me`. Thin: the checks are in `authflow` and `scope`."""

from __future__ import annotations

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from pingan.accounts import authflow
from pingan.accounts.models import Position
from pingan.accounts.scope import Actor, actor_for_request, request_positions
from pingan.audit.services import audit_log
from pingan.core.http import client_ip

TAG = "认证与账户"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(
        label="密码", trim_whitespace=False, style={"input_type": "password"}
    )
    otp = serializers.CharField(
        label="动态验证码",
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="6 位动态验证码或一个恢复码。系统管理员、安全管理员、审计管理员和领导必填。",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="在请求头中使用：Authorization: Token <token>")


class PositionSerializer(serializers.ModelSerializer):
    role_name = serializers.CharField(source="get_role_display", read_only=True)
    unit_code = serializers.CharField(read_only=True)
    unit_name = serializers.CharField(read_only=True)
    scope_code = serializers.CharField(read_only=True)

    class Meta:
        model = Position
        fields = ["id", "role", "role_name", "unit_code", "unit_name", "scope_code"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    positions = PositionSerializer(many=True)
    current_position = serializers.IntegerField(
        allow_null=True, help_text="当前岗位 id（请求头 X-Pingan-Position 可指定）"
    )


_DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
_TOKEN_ERRORS = inline_serializer(
    "TokenError",
    {
        api_settings.NON_FIELD_ERRORS_KEY: serializers.ListField(
            child=serializers.CharField(), required=False
        ),
        "username": serializers.ListField(child=serializers.CharField(), required=False),
        "password": serializers.ListField(child=serializers.CharField(), required=False),
        "otp": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


class TokenView(APIView):
    """Exchange username + password (+ TOTP code for admin roles and leaders) for a token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[TAG],
        summary="获取 API 令牌",
        auth=[],
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(
                _TOKEN_ERRORS, description="用户名或密码错误、缺少或错误的动态验证码"
            ),
            403: OpenApiResponse(_DETAIL, description="账户或来源地址已锁定"),
        },
        examples=[
            OpenApiExample(
                "请求",
                value={"username": "zhangsan", "password": "…", "otp": "123456"},
                request_only=True,
            ),
            OpenApiExample(
                "缺少动态验证码",
                value={"otp": ["需要动态验证码"]},
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "已锁定",
                value={"detail": "账户已锁定，请 15 分钟后再试。"},
                response_only=True,
                status_codes=["403"],
            ),
        ],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ip = client_ip(request)
        try:
            user = authflow.check_password(
                username=data["username"],
                password=data["password"],
                ip=ip,
                request=request._request,
            )
            method = "none"
            if authflow.second_factor_required(user):
                method = authflow.api_second_factor(user=user, otp=data.get("otp", ""), ip=ip)
            authflow.login_succeeded(user, ip=ip, channel="api", second_factor=method)
        except authflow.LoginDenied as denied:
            if denied.code == "locked":
                return Response(
                    {"detail": denied.message, "code": "locked"}, status=status.HTTP_403_FORBIDDEN
                )
            key = denied.field or api_settings.NON_FIELD_ERRORS_KEY
            return Response({key: [denied.message]}, status=status.HTTP_400_BAD_REQUEST)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class LogoutView(APIView):
    """Delete the caller's API token (all clients using it must sign in again)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary="注销 API 令牌", request=None, responses={204: None})
    def post(self, request):
        user = request.user
        Token.objects.filter(user=user).delete()
        ip = client_ip(request)
        audit_log(
            actor=Actor(user=user, position=None, ip=ip),
            action="auth.logout",
            object_type="user",
            object_id=str(user.pk),
            ip=ip,
            detail={"channel": "api"},
        )
        if request.session.session_key and request.user.is_authenticated:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """Who am I: my positions and the one this request acts through."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary="当前用户", responses={200: MeSerializer})
    def get(self, request):
        actor = actor_for_request(request)
        payload = {
            "username": request.user.username,
            "full_name": request.user.full_name,
            "positions": request_positions(request),
            "current_position": actor.position.pk if actor.position else None,
        }
        return Response(MeSerializer(payload).data)
