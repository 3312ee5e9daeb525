"""碰撞比对 page: an outside list (file or pasted lines) against the people this position may
read; matches masked; export of the matches for the roles that may export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pingan.accounts.scope import Actor
from pingan.registry.collision import MAX_ITEMS, collide, collision_workbook, read_items
from pingan.registry.page_selectors import region_names
from pingan.registry.selectors import person_fields_for
from pingan.registry.views.common import (
    download,
    field_errors,
    first_errors,
    is_htmx,
    registry_page,
    shell_context,
)

SHOWN_MATCHES = 500  # on screen; the export has every match
KEY_CHOICES = (
    ("id_number", gettext_lazy("公民身份号码")),
    ("phone", gettext_lazy("联系电话")),
    ("name_birth", gettext_lazy("姓名 + 出生日期")),
)


def _items(request: HttpRequest, key: str) -> list:
    """The list from the uploaded file, else from the text box (one item per line)."""
    upload = request.FILES.get("file")
    if upload is not None:
        return read_items(upload.name, upload.read(), key)
    lines = [line.strip() for line in request.POST.get("items", "").splitlines()]
    items = [line for line in lines if line]
    if not items:
        raise ValidationError({"items": [_("请上传名单文件，或在文本框中每行填写一条。")]})
    return items


def _key_choices(actor: Actor) -> list[tuple[str, str]]:
    fields = person_fields_for(actor)
    return [
        (key, str(label))
        for key, label in KEY_CHOICES
        if key != "phone" or fields is None or "phone" in fields
    ]


@require_http_methods(["GET", "POST"])
@registry_page
def collision_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET: the form. POST: compare (`collision.collide`: scope, gates, audited) and show
    the matches and the invalid lines; htmx gets only the results."""
    context = {
        **shell_context(actor, "collision"),
        "key_choices": _key_choices(actor),
        "key": request.POST.get("key", "id_number"),
        "items_text": request.POST.get("items", ""),
        "max_items": f"{MAX_ITEMS:,}",
        "errors": {},
    }
    status = 200
    if request.method == "POST":
        key = request.POST.get("key", "").strip()
        try:
            result = collide(actor=actor, items=_items(request, key), key=key)
        except ValidationError as exc:
            errors = field_errors(exc, ("key", "items", "file"))
            # "items" would shadow dict.items() in templates.
            errors["lines"] = errors.pop("items", [])
            status, context["errors"], context["error_list"] = 400, errors, first_errors(exc)
        else:
            shown = result.matches[:SHOWN_MATCHES]
            names = region_names(m["region_code"] for m in shown)
            context.update(
                result=result,
                matches=[(m, names.get(m["region_code"], "")) for m in shown],
                more_matches=len(result.matches) - len(shown),
            )
    template = "registry/_collision_results.html" if is_htmx(request) else "registry/collision.html"
    return render(request, template, context, status=status)


@require_POST
@registry_page
def collision_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Compare again and download the matches as .xlsx (`collision_workbook`: export roles
    only, audited as ``registry.export`` besides the comparison's own record)."""
    key = request.POST.get("key", "").strip()
    try:
        result = collide(actor=actor, items=_items(request, key), key=key)
    except ValidationError as exc:
        for message in first_errors(exc):
            messages.error(request, message)
        return redirect("/registry/collision/")
    content = collision_workbook(actor=actor, result=result)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return download(content, f"碰撞比对结果-{stamp}.xlsx")
