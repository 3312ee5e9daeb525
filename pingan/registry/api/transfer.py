"""Import templates, imports (dry run / commit, error report) and exports. Thin views."""

from __future__ import annotations

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from pingan.accounts.scope import ActorRequired
from pingan.registry.api.common import TAG, error_response
from pingan.registry.exporting import export_people
from pingan.registry.imports.services import registry_import
from pingan.registry.imports.workbooks import (
    XLSX_TYPE,
    error_report_workbook,
    template_csv,
    template_workbook,
)
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import ImportStatus, RegistryImport

TRUE_WORDS = {"1", "true", "yes", "on"}


def _download(content: bytes, filename: str, content_type: str = XLSX_TYPE) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in TRUE_WORDS


def _kind_or_404(kind: str) -> str:
    if kind not in SPECS:
        raise Http404
    return kind


@extend_schema(
    tags=[TAG],
    summary="下载导入模板（.xlsx）",
    description="表头为该类型的中文列名（人员基础信息 + 类型信息），第二个工作表“说明”列出每列的"
    "填写要求和可选代码值。kind 见 /api/v1/registry/kinds/。",
    responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
)
class TemplateXlsxView(APIView):
    permission_classes = [ActorRequired]

    def get(self, request, kind: str):
        label = CardKind(_kind_or_404(kind)).label
        return _download(template_workbook(kind), f"{label}导入模板.xlsx")


@extend_schema(
    tags=[TAG],
    summary="下载导入模板（CSV，UTF-8）",
    responses={(200, "text/csv"): OpenApiTypes.BINARY},
)
class TemplateCsvView(APIView):
    permission_classes = [ActorRequired]

    def get(self, request, kind: str):
        label = CardKind(_kind_or_404(kind)).label
        return _download(template_csv(kind), f"{label}导入模板.csv", "text/csv; charset=utf-8")


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=".xlsx 或 UTF-8 编码的 .csv")
    # Checked by the service (Chinese error); a plain string keeps the schema's one CardKind
    # enum from colliding with this serializer's.
    kind = serializers.CharField(help_text="人员类型，见 /api/v1/registry/kinds/")
    mode = serializers.ChoiceField(
        choices=[("update", "更新"), ("skip", "跳过")],
        help_text="已登记人员（按身份证号识别）的处理方式",
    )
    dry_run = serializers.BooleanField(default=True, help_text="true：只预检不写入")


def _job_data(job: RegistryImport) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "status": job.status,
        "status_label": str(ImportStatus(job.status).label),
        "filename": job.filename,
        "created_at": job.created_at.isoformat(),
        **job.result,
        "error_report": bool(job.report),
    }


def _own_job(request, import_id: int) -> RegistryImport:
    """An import job of the requesting user only (404 for anyone else's)."""
    job = RegistryImport.objects.filter(pk=import_id, user=request.actor.user).first()
    if job is None:
        raise Http404
    return job


@extend_schema(tags=[TAG])
class ImportsView(APIView):
    permission_classes = [ActorRequired]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="导入人员（预检 / 提交）",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: OpenApiResponse(
                description="预检结果或有错误未导入：rows、creates、updates、skips、errors"
            ),
            201: OpenApiResponse(description="已导入"),
            400: OpenApiResponse(description="参数错误或文件无法读取（中文提示）"),
            403: OpenApiResponse(description="当前岗位不能登记基础信息"),
        },
        description="逐行校验（身份证校验码、代码值、日期、网格编码及管辖范围）。"
        "dry_run=true 只返回预览；"
        "dry_run=false 时全部通过才在一个事务中写入，有任何错误则不写入任何数据，"
        "可下载错误报告 /api/v1/registry/imports/{id}/errors.xlsx。",
    )
    def post(self, request):
        params = ImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        upload = data["file"]
        try:
            job = registry_import(
                actor=request.actor,
                kind=data["kind"],
                mode=data["mode"],
                filename=upload.name,
                content=upload.read(),
                dry_run=data["dry_run"],
            )
        except ValidationError as exc:
            return error_response(exc)
        code = (
            status.HTTP_201_CREATED if job.status == ImportStatus.COMMITTED else status.HTTP_200_OK
        )
        return Response(_job_data(job), status=code)


@extend_schema(tags=[TAG], summary="导入结果", responses={200: OpenApiTypes.OBJECT})
class ImportDetailView(APIView):
    permission_classes = [ActorRequired]

    def get(self, request, import_id: int):
        return Response(_job_data(_own_job(request, import_id)))


@extend_schema(
    tags=[TAG],
    summary="下载导入错误报告（.xlsx）",
    description="原表各列加“错误信息”列；仅导入人本人可下载。修改后可直接重新导入。",
    responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
)
class ImportErrorsView(APIView):
    permission_classes = [ActorRequired]

    def get(self, request, import_id: int):
        import json

        job = _own_job(request, import_id)
        if not job.report:
            raise Http404
        content = error_report_workbook(json.loads(job.report))
        return _download(content, f"导入错误报告-{job.pk}.xlsx")


@extend_schema(
    tags=[TAG],
    summary="导出人员（.xlsx）",
    parameters=[
        OpenApiParameter("kind", str, description="人员类型（职能部门必填，仅限闸门开放的类型）"),
        OpenApiParameter("region", str, description="区划编码，默认本岗位全部管辖范围"),
        OpenApiParameter(
            "reveal", bool, description="true：导出完整身份证号、电话等（须填 reason）"
        ),
        OpenApiParameter("reason", str, description="导出完整信息的原因"),
    ],
    responses={
        (200, XLSX_TYPE): OpenApiTypes.BINARY,
        400: OpenApiResponse(description="参数错误"),
        403: OpenApiResponse(description="当前岗位无权导出"),
    },
    description="乡镇、县级综治中心操作员和指挥长可导出辖区人员；职能部门只能导出闸门开放的类型和字段；"
    "网格员、村（社区）、领导和三员不能导出。身份证号、电话默认脱敏。每次导出都记审计日志，"
    "文件前几行写明导出人和导出时间。",
)
class ExportPeopleView(APIView):
    permission_classes = [ActorRequired]

    def get(self, request):
        query = request.query_params
        try:
            content, _count = export_people(
                actor=request.actor,
                kind=query.get("kind", "").strip(),
                region=query.get("region", "").strip(),
                reveal=_flag(query.get("reveal")),
                reason=query.get("reason", ""),
            )
        except ValidationError as exc:
            return error_response(exc)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return _download(content, f"人员信息导出-{stamp}.xlsx")
