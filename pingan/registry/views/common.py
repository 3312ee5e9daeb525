"""What every registry page shares: the access decorator, refusals with their reason,
paging, downloads."""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.registry.imports.workbooks import XLSX_TYPE
from pingan.registry.kinds import SENSITIVE_KINDS
from pingan.registry.page_selectors import may_export, may_write, registry_refusal
from pingan.web.context import request_actor

PAGE_SIZE = 50


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def denied(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    """The refusal with its reason (full page, or the fragment for htmx)."""
    template = "registry/_denied.html" if is_htmx(request) else "registry/denied.html"
    return render(request, template, {"message": message, "nav_active": "registry"}, status=status)


def registry_page(view):
    """Signed in with a position that may read the registry (`registry_refusal`), else a
    403 page saying why (audited). A `PermissionDenied` raised by a service (already
    audited there) also becomes that page, with the service's Chinese message."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        actor = request_actor(request)
        refusal = registry_refusal(actor)
        if refusal is not None:
            audit_log(
                actor=actor,
                action="permission.denied",
                object_type="page",
                object_id="registry",
                outcome="denied",
                detail={"role": actor.role or "", "path": request.path[:200]},
            )
            return denied(request, refusal)
        try:
            return view(request, actor, *args, **kwargs)
        except PermissionDenied as exc:
            return denied(request, str(exc) or _("您当前的岗位无权执行该操作。"))

    return wrapper


def page_of(request: HttpRequest, rows) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page", "1"))


def field_errors(exc: ValidationError, shown: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """{field: [messages]} of a service's ValidationError. Messages for fields the form
    does not show (`shown`, when given) and non-field messages are gathered under "all",
    so none is lost."""
    if not hasattr(exc, "error_dict"):
        return {"all": list(exc.messages)}
    errors: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        target = key if key != "__all__" and (not shown or key in shown) else "all"
        errors.setdefault(target, []).extend(messages)
    return errors


def first_errors(exc: ValidationError) -> list[str]:
    return [m for messages in field_errors(exc).values() for m in messages]


def download(content: bytes, filename: str, content_type: str = XLSX_TYPE) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def shell_context(actor: Actor, sub: str) -> dict:
    """Context of the registry sub-navigation: which tabs this position gets."""
    return {
        "nav_active": "registry",
        "sub": sub,
        "can_write": may_write(actor),
        "can_export": may_export(actor),
        # Houses, organizations and places are region data: no gate opens them.
        "sees_units": not actor.is_department,
        "sensitive_kinds": SENSITIVE_KINDS,
    }
