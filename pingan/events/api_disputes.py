"""Disputes API: categories, registering a dispute, mediation attempts and the agreement."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.events.dispute_casetype import CASE_TYPE
from pingan.events.disputes import (
    agreement_confirm,
    agreement_data,
    agreement_record,
    dispute_report,
    mediation_data,
    mediation_record,
)
from pingan.events.models_extra import (
    DisputeCategory,
    DisputeScale,
    MediationMethod,
    MediationResult,
    PartyRole,
)
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Case
from pingan.flow.selectors import access_case

TAG = "矛盾纠纷"
ERRORS = {
    400: OpenApiResponse(description="参数错误（按字段给出中文提示）"),
    404: OpenApiResponse(description="案件不存在或不在数据范围内"),
    409: OpenApiResponse(description="当前状态或岗位不能登记（返回 allowed_actions）"),
}


class DisputeCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeCategory
        fields = ["code", "name"]


class PartySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    role = serializers.ChoiceField(choices=PartyRole.choices, help_text="applicant / respondent")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)


class DisputeReportSerializer(serializers.Serializer):
    # Blank values reach the service, which answers with its own Chinese field messages.
    category = serializers.CharField(max_length=20, allow_blank=True, help_text="见 categories")
    scale = serializers.ChoiceField(choices=DisputeScale.choices, required=False)
    summary = serializers.CharField(max_length=2000, allow_blank=True)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lng = serializers.FloatField(required=False, allow_null=True, help_text="经度，WGS84")
    lat = serializers.FloatField(required=False, allow_null=True, help_text="纬度，WGS84")
    unit = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="无位置时必填：接收单位编码"
    )
    parties = PartySerializer(many=True, required=False)
    parties_count = serializers.IntegerField(required=False, allow_null=True)
    people_involved = serializers.IntegerField(required=False, allow_null=True)
    amount_involved = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )


class DisputeReportResponseSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField()
    holder = serializers.CharField()


class MediationSerializer(serializers.Serializer):
    mediated_on = serializers.DateField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=MediationMethod.choices)
    organisation = serializers.CharField(max_length=100, allow_blank=True)
    mediator = serializers.CharField(max_length=50, allow_blank=True)
    result = serializers.ChoiceField(choices=MediationResult.choices)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AgreementSerializer(serializers.Serializer):
    agreed_on = serializers.DateField(required=False, allow_null=True)
    content = serializers.CharField(max_length=2000, allow_blank=True)
    confirmed = serializers.BooleanField(required=False, default=False)


class AgreementConfirmSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField(help_text="只能为 true")

    def validate_confirmed(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(_("只能将 confirmed 设为 true。"))
        return value


def _refused(exc: ActionNotAllowed) -> Response:
    return Response(
        {"detail": exc.message, "allowed_actions": exc.allowed_actions},
        status=status.HTTP_409_CONFLICT,
    )


def _dispute_case(request, number: str):
    case = access_case(request.actor, number)
    if case.case_type != CASE_TYPE:
        return case, Response(
            {"detail": "该案件不是矛盾纠纷。", "allowed_actions": []},
            status=status.HTTP_409_CONFLICT,
        )
    return case, None


@extend_schema(tags=[TAG], summary="矛盾纠纷类别（19 类）")
class DisputeCategoryListView(ListAPIView):
    permission_classes = [ActorRequired]
    serializer_class = DisputeCategorySerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return DisputeCategory.objects.filter(active=True).order_by("sort", "code")


@extend_schema(
    tags=[TAG],
    summary="登记矛盾纠纷",
    request=DisputeReportSerializer,
    responses={201: DisputeReportResponseSerializer, **ERRORS},
    examples=[
        OpenApiExample(
            "村调委会登记",
            request_only=True,
            value={
                "category": "17",
                "scale": "ordinary",
                "summary": "两户因宅基地边界发生争执",
                "lng": 102.7153,
                "lat": 25.0152,
                "people_involved": 5,
                "parties": [
                    {"name": "张三", "role": "applicant", "phone": "13812345678"},
                    {"name": "李四", "role": "respondent"},
                ],
            },
        )
    ],
)
class DisputeReportView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = DisputeReportSerializer

    def post(self, request):
        body = DisputeReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["parties"] = [dict(p) for p in data.get("parties") or []]
        try:
            case = dispute_report(actor=request.actor, **data)
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"number": case.number, "state": case.state, "holder": case.holder_code},
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=[TAG])
class MediationView(GenericAPIView):
    # Only for the schema: the `number` path parameter is Case.number.
    queryset = Case.objects.none()
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = MediationSerializer
    pagination_class = None  # the list is a case's few attempts, returned whole

    @extend_schema(
        summary="调解记录列表",
        responses={200: MediationSerializer(many=True), 404: ERRORS[404], 409: ERRORS[409]},
    )
    def get(self, request, number: str):
        case, refused = _dispute_case(request, number)
        if refused:
            return refused
        rows = case.mediations.order_by("mediated_on", "id")
        return Response([mediation_data(row) for row in rows])

    @extend_schema(summary="登记调解记录", responses={201: MediationSerializer, **ERRORS})
    def post(self, request, number: str):
        case, refused = _dispute_case(request, number)
        if refused:
            return refused
        body = MediationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            row = mediation_record(actor=request.actor, case=case, **body.validated_data)
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        except ActionNotAllowed as exc:
            return _refused(exc)
        return Response(mediation_data(row), status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class AgreementView(GenericAPIView):
    # Only for the schema: the `number` path parameter is Case.number.
    queryset = Case.objects.none()
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = AgreementSerializer

    @extend_schema(
        summary="登记调解协议（司法确认期限 = 协议日期 + 30 日）",
        responses={201: AgreementSerializer, **ERRORS},
    )
    def post(self, request, number: str):
        case, refused = _dispute_case(request, number)
        if refused:
            return refused
        body = AgreementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            row = agreement_record(actor=request.actor, case=case, **body.validated_data)
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        except ActionNotAllowed as exc:
            return _refused(exc)
        return Response(agreement_data(row), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记已司法确认",
        request=AgreementConfirmSerializer,
        responses={200: AgreementSerializer, **ERRORS},
    )
    def patch(self, request, number: str):
        case, refused = _dispute_case(request, number)
        if refused:
            return refused
        # A serializer, not request.data.get(): the body may be any JSON value (a list → 400).
        AgreementConfirmSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            row = agreement_confirm(actor=request.actor, case=case)
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        except ActionNotAllowed as exc:
            return _refused(exc)
        return Response(agreement_data(row))
