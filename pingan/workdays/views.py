"""The calendar admin page (/calendar/): years, a month grid per year, import and day edits.

System admins only (others get 403, audited). Thin: checks live in `importing.py`, writes in
`services.py`, reads in `selectors.py`.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts.scope import Actor, actor_for_request
from pingan.workdays import selectors, services
from pingan.workdays.forms import ConfirmImportForm, DayForm, ImportForm
from pingan.workdays.importing import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDataError,
    DayRow,
    clean_days,
    decode_text,
    parse_file,
)


def calendar_admin(view):
    """Signed in (else login page) and acting as system admin (else 403, audited)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        actor = actor_for_request(request)
        services.require_calendar_admin(actor)
        if "year" in kwargs and not MIN_YEAR <= kwargs["year"] <= MAX_YEAR:
            raise Http404
        return view(request, actor, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {"nav_active": "calendar", **context})


@require_GET
@calendar_admin
def index(request: HttpRequest, actor: Actor) -> HttpResponse:
    next_year = selectors.local_today().year + 1
    return _page(
        request,
        "workdays/index.html",
        {
            "years": selectors.year_summaries(),
            "form": ImportForm(initial={"year": next_year}),
            "next_year": next_year,
        },
    )


@require_GET
@calendar_admin
def year_detail(request: HttpRequest, actor: Actor, year: int) -> HttpResponse:
    return _page(request, "workdays/year.html", _year_context(year, DayForm(year=year)))


def _year_context(year: int, day_form: DayForm) -> dict:
    return {
        "summary": selectors.year_summary(year),
        "months": selectors.month_grid(year),
        "special_days": selectors.special_days(year),
        "day_form": day_form,
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
    }


@require_POST
@calendar_admin
def day_edit(request: HttpRequest, actor: Actor, year: int) -> HttpResponse:
    form = DayForm(request.POST, year=year)
    if form.is_valid():
        day, action = form.cleaned_data["date"], form.cleaned_data["action"]
        try:
            if action == "normal":
                changed = services.calendar_day_clear(actor=actor, day=day)
            else:
                changed = services.calendar_day_set(
                    actor=actor, day=day, kind=action, name=form.cleaned_data["name"]
                )
        except CalendarDataError as exc:
            for error in exc.errors:
                form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("已保存 %(d)s。") % {"d": day.isoformat()})
            else:
                messages.info(request, _("%(d)s 没有变化。") % {"d": day.isoformat()})
            return redirect("workdays:year", year=year)
    return _page(request, "workdays/year.html", _year_context(year, form))


@require_POST
@calendar_admin
def year_confirm(request: HttpRequest, actor: Actor, year: int) -> HttpResponse:
    try:
        if services.calendar_year_confirm(actor=actor, year=year):
            messages.success(request, _("%(y)d 年的安排已确认为正式安排。") % {"y": year})
    except CalendarDataError as exc:
        messages.error(request, "；".join(str(e) for e in exc.errors))
    return redirect("workdays:year", year=year)


@require_GET
@calendar_admin
def year_export(request: HttpRequest, actor: Actor, year: int) -> HttpResponse:
    content = services.calendar_year_export(actor=actor, year=year)
    # BOM so Excel opens the UTF-8 file with the Chinese names intact.
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="calendar-{year}.csv"'
    return response


@require_POST
@calendar_admin
def import_preview(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Step 1: check the uploaded file and show every problem, or what would change."""
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(
            request,
            "workdays/index.html",
            {"years": selectors.year_summaries(), "form": form},
        )
    year, upload = form.cleaned_data["year"], form.cleaned_data["file"]
    try:
        text = decode_text(upload.read())
        rows = clean_days(year, parse_file(text, upload.name).rows)
    except CalendarDataError as exc:
        return _preview(request, year, upload.name, errors=exc.errors)
    return _preview(request, year, upload.name, rows=rows, content=text)


def _preview(request, year, filename, *, rows=(), errors=(), content="") -> HttpResponse:
    context = {
        "year": year,
        "filename": filename,
        "errors": errors,
        "rows": rows,
        "summary": selectors.year_summary(year),
    }
    if rows:
        context["changes"] = _changes(year, rows)
        context["confirm_form"] = ConfirmImportForm(
            initial={"year": year, "filename": filename, "content": content}
        )
    return _page(request, "workdays/import_preview.html", context)


def _changes(year: int, rows: list[DayRow]) -> dict:
    current = {(d["date"], d["kind"], d["name"]) for d in selectors.special_days(year)}
    new = {(r.date, r.kind, r.name) for r in rows}
    return {"added": sorted(new - current), "removed": sorted(current - new)}


@require_POST
@calendar_admin
def import_confirm(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Step 2: import the checked content (checked again: the hidden field is user input)."""
    form = ConfirmImportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("导入内容无效，请重新上传文件。"))
        return redirect("workdays:index")
    year = form.cleaned_data["year"]
    try:
        parsed = parse_file(form.cleaned_data["content"], form.cleaned_data["filename"])
        result = services.calendar_year_import(actor=actor, year=year, days=parsed.rows)
    except CalendarDataError as exc:
        return _preview(request, year, form.cleaned_data["filename"], errors=exc.errors)
    if result.changed:
        messages.success(
            request,
            _("已导入 %(y)d 年的正式安排：%(h)d 个放假日，%(w)d 个调休上班日。")
            % {"y": year, "h": result.holidays, "w": result.workdays},
        )
    else:
        messages.info(request, _("%(y)d 年的正式安排与文件一致，没有变化。") % {"y": year})
    return redirect("workdays:year", year=year)
