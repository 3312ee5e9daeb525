"""Cases API: the unified inbox, one case, and taking an action. Thin over selectors/services."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from pingan.accounts.scope import ActorRequired, ReadOnlyForLeaders
from pingan.core.api import serializer_rows
from pingan.flow.api.serializers import (
    CASE_LIST_COLUMNS,
    ActionConflictSerializer,
    ActionRequestSerializer,
    ActionResultSerializer,
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseListSerializer,
)
from pingan.flow.errors import ActionInvalid, ActionNotAllowed, CaseConflict
from pingan.flow.models import Case
from pingan.flow.selectors import (
    access_case,
    case_assists,
    case_supervisions,
    case_timeline,
    inbox,
)
from pingan.flow.services import available_actions, case_act, case_act_keyed
from pingan.flow.timeline import case_timeline_entries
from pingan.flow.units import unit_names

TAG = "案件"


def case_detail_response(request, case: Case, status_code: int = status.HTTP_200_OK) -> Response:
    """The detail representation of `case` for the requesting actor."""
    timeline = case_timeline(case)
    assists = case_assists(case)
    supervisions = case_supervisions(case)
    codes = {case.holder_code, case.command_code, case.origin_code}
    for row in timeline:
        codes |= {row.unit_code, row.from_holder, row.to_holder}
    codes |= {a.unit_code for a in assists}
    for s in supervisions:
        codes |= {s.target_code, s.issuer_code}
    names = unit_names(codes)
    context = {
        "request": request,
        "names": names,
        "available_actions": available_actions(request.actor, case),
        # Also names every unit its entries mention (in place).
        "timeline": case_timeline_entries(case, timeline, names),
        "assists": assists,
        "supervisions": supervisions,
    }
    data = serializer_rows(CaseDetailSerializer, [case], context)[0]
    return Response(data, status=status_code)


@extend_schema(
    tags=[TAG],
    summary="案件列表（统一收件箱）",
    parameters=[CaseFilterSerializer],
    description=(
        "inbox: todo（待办）、awaiting_accept（待受理）、overdue（超期）、supervised（督办）、"
        "assisting（协办）、done（已办）、all（可见的全部，默认）。按岗位数据范围过滤。"
    ),
)
class CaseListView(ListAPIView):
    permission_classes = [ActorRequired]
    serializer_class = CaseListSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Case]:
        filters = CaseFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        qs = inbox(self.request.actor, params["inbox"])
        if "state" in params:
            qs = qs.filter(state=params["state"])
        if "case_type" in params:
            qs = qs.filter(case_type=params["case_type"])
        if "region" in params:
            qs = qs.filter(region_code__startswith=params["region"])
        if "created_after" in params:
            qs = qs.filter(created_at__gte=params["created_after"])
        if "created_before" in params:
            qs = qs.filter(created_at__lte=params["created_before"])
        # A case row has ~45 columns (clock bookkeeping, the pending extension's JSON); a
        # list row shows 19 of them.
        return qs.only(*CASE_LIST_COLUMNS)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        names = unit_names(case.holder_code for case in page)
        context = {**self.get_serializer_context(), "names": names}
        return self.get_paginated_response(serializer_rows(CaseListSerializer, page, context))


@extend_schema(tags=[TAG], summary="案件详情", responses={200: CaseDetailSerializer, 404: None})
class CaseDetailView(GenericAPIView):
    permission_classes = [ActorRequired]
    serializer_class = CaseDetailSerializer

    def get(self, request, number: str):
        return case_detail_response(request, access_case(request.actor, number))


@extend_schema(
    tags=[TAG],
    summary="办理案件（执行一个操作）",
    request=ActionRequestSerializer,
    description=(
        "带 idempotency_key 时可安全重发：同一用户用同一键重发同一案件的同一操作，"
        "不再执行，返回 200、案件当前状态和 replayed: true（而不是 409）；"
        "同一键用于其他案件或其他操作返回 400（idempotency_key 字段错误）。"
    ),
    responses={
        200: ActionResultSerializer,
        400: OpenApiResponse(description="参数错误（按字段给出中文提示）"),
        403: OpenApiResponse(description="只读岗位不能办理"),
        404: OpenApiResponse(description="案件不存在或不在数据范围内"),
        409: ActionConflictSerializer,
    },
)
class CaseActionView(GenericAPIView):
    permission_classes = [ActorRequired, ReadOnlyForLeaders]
    serializer_class = ActionRequestSerializer

    def post(self, request, number: str):
        case = access_case(request.actor, number)
        body = ActionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        action, note = data.pop("action"), data.pop("note", "")
        version = data.pop("version", None)
        key = data.pop("idempotency_key", "").strip()
        if version is not None and version != case.version:
            # The client saw an older state: behave like a concurrent change.
            case.version = version
        replayed = False
        try:
            if key:
                case, replayed = case_act_keyed(
                    actor=request.actor,
                    case=case,
                    action=action,
                    note=note,
                    idempotency_key=key,
                    **data,
                )
            else:
                case = case_act(actor=request.actor, case=case, action=action, note=note, **data)
        except CaseConflict as exc:
            return self._conflict(exc, "conflict", exc.state)
        except ActionNotAllowed as exc:
            return self._conflict(exc, "not_allowed", case.state)
        except ActionInvalid as exc:
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        response = case_detail_response(request, case)
        response.data["replayed"] = replayed
        return response

    @staticmethod
    def _conflict(exc: ActionNotAllowed, code: str, state: str) -> Response:
        body = {
            "detail": exc.message,
            "code": code,
            "state": state,
            "allowed_actions": exc.allowed_actions,
        }
        return Response(body, status=status.HTTP_409_CONFLICT)
