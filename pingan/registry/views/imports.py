"""Import pages: templates, upload → preview (row errors) → update/skip choice → commit
(all-or-nothing) → result or error report. Writes go through `imports.staging`."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pingan.accounts.scope import Actor
from pingan.registry.imports.staging import import_commit, import_recheck, import_stage
from pingan.registry.imports.validate import SKIP, UPDATE
from pingan.registry.imports.workbooks import (
    error_report_workbook,
    template_csv,
    template_workbook,
)
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import ImportStatus, RegistryImport
from pingan.registry.page_selectors import import_files, own_import, recent_imports
from pingan.registry.services import require_registry_write
from pingan.registry.views.common import (
    download,
    field_errors,
    registry_page,
    shell_context,
)

MODE_LABELS = {UPDATE: _lazy("更新"), SKIP: _lazy("跳过")}


def _kind_options() -> list[tuple[str, str, str]]:
    return [(kind, str(CardKind(kind).label), spec.group_label) for kind, spec in SPECS.items()]


def _imports_context(actor: Actor) -> dict:
    return {
        **shell_context(actor, "imports"),
        "kind_options": _kind_options(),
        "jobs": [
            (job, str(CardKind(job.kind).label) if job.kind in SPECS else job.kind)
            for job in recent_imports(actor)
        ],
        "errors": {},
        "chosen_kind": "",
    }


@require_http_methods(["GET", "POST"])
@registry_page
def imports_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET: the upload form, template downloads and the user's recent imports. POST: check
    the file (dry run, nothing imported) and show the preview."""
    require_registry_write(actor)
    context = _imports_context(actor)
    if request.method == "GET":
        return render(request, "registry/imports.html", context)
    kind = request.POST.get("kind", "").strip()[:32]
    upload = request.FILES.get("file")
    errors: dict[str, list[str]] = {}
    if kind not in SPECS:
        errors["kind"] = [_("请选择人员类型。")]
    if upload is None:
        errors["file"] = [_("请选择要导入的 .xlsx 或 .csv 文件。")]
    if not errors:
        try:
            job = import_stage(actor=actor, kind=kind, filename=upload.name, content=upload.read())
        except ValidationError as exc:
            errors = field_errors(exc, ("kind", "file"))
        else:
            return redirect(f"/registry/imports/{job.pk}/")
    context.update(errors=errors, chosen_kind=kind)
    return render(request, "registry/imports.html", context, status=400)


@require_GET
@registry_page
def import_template(request: HttpRequest, actor: Actor, kind: str, fmt: str) -> HttpResponse:
    """The import template of a kind (.xlsx with the 说明 sheet, or the CSV header row)."""
    if kind not in SPECS:
        raise Http404
    label = CardKind(kind).label
    if fmt == "csv":
        return download(template_csv(kind), f"{label}导入模板.csv", "text/csv; charset=utf-8")
    return download(template_workbook(kind), f"{label}导入模板.xlsx")


def _job_context(actor: Actor, job: RegistryImport) -> dict:
    result = job.result or {}
    registered = int(result.get("updates", 0)) + int(result.get("skips", 0))
    return {
        **shell_context(actor, "imports"),
        "job": job,
        "kind_label": str(CardKind(job.kind).label) if job.kind in SPECS else job.kind,
        "status_label": str(ImportStatus(job.status).label),
        "result": result,
        "registered": registered,
        "listed_errors": result.get("errors", []),
        "more_errors": int(result.get("error_count", 0)) - len(result.get("errors", [])),
        "mode_label": str(MODE_LABELS.get(job.mode, job.mode)),
        "commit_errors": {},
        **import_files(job),
    }


@require_GET
@registry_page
def import_page(request: HttpRequest, actor: Actor, import_id: int) -> HttpResponse:
    """A preview (with the commit form), a failed check (errors, report) or a result."""
    require_registry_write(actor)
    job = own_import(actor, import_id)
    return render(request, "registry/import.html", _job_context(actor, job))


@require_POST
@registry_page
def import_commit_view(request: HttpRequest, actor: Actor, import_id: int) -> HttpResponse:
    """Import the previewed file with the chosen update/skip mode, all rows or none."""
    require_registry_write(actor)
    job = own_import(actor, import_id)
    mode = request.POST.get("mode", "").strip()
    try:
        result = import_commit(actor=actor, job=job, mode=mode)
    except ValidationError as exc:
        context = {**_job_context(actor, job), "commit_errors": field_errors(exc, ("mode",))}
        return render(request, "registry/import.html", context, status=400)
    return redirect(f"/registry/imports/{result.pk}/")


@require_POST
@registry_page
def import_recheck_view(request: HttpRequest, actor: Actor, import_id: int) -> HttpResponse:
    """Check the same file again with the other update/skip mode (a new preview)."""
    require_registry_write(actor)
    job = own_import(actor, import_id)
    try:
        result = import_recheck(actor=actor, job=job, mode=request.POST.get("mode", "").strip())
    except ValidationError as exc:
        context = {**_job_context(actor, job), "commit_errors": field_errors(exc, ("mode",))}
        return render(request, "registry/import.html", context, status=400)
    return redirect(f"/registry/imports/{result.pk}/")


@require_GET
@registry_page
def import_errors(request: HttpRequest, actor: Actor, import_id: int) -> HttpResponse:
    """The uploaded rows with a 错误信息 column (the importer's own jobs only)."""
    job = own_import(actor, import_id)
    if not job.report:
        raise Http404
    content = error_report_workbook(json.loads(job.report))
    return download(content, f"导入错误报告-{job.pk}.xlsx")
