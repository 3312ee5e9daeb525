"""The audit page (/audit/), chain verification (/audit/verify/) and CSV export.

Audit admins only: everyone else gets 403, audited as ``scope.denied``. Every view of these
pages and every export is itself audited (``audit.view``, ``audit.export``).
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pingan.accounts.scope import Actor, actor_for_request
from pingan.audit import exports, selectors
from pingan.audit.forms import OUTCOME_LABELS, AuditFilterForm
from pingan.audit.models import AuditChainHead, AuditRecord
from pingan.audit.selectors import AUDIT_OBJECT, AuditFilters
from pingan.audit.services import audit_log, record_verification
from pingan.audit.verify import verify_chain
from pingan.core.http import parse_int

# Up to this many records a page request verifies at once (a few seconds); longer chains
# are verified by the task queue and the result appears in the list when done.
SYNC_VERIFY_MAX_ROWS = 200_000


def auditor_page(page: str):
    """Signed in (else the login page) and acting as audit admin (else 403, audited)."""

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            actor = actor_for_request(request)
            selectors.require_auditor(actor, page=page)
            return view(request, actor, *args, **kwargs)

        return wrapper

    return decorate


def _int_param(request: HttpRequest, name: str) -> int | None:
    return parse_int(request.GET.get(name), minimum=0)


def _filter_query(request: HttpRequest) -> str:
    """The current filters as a query string, without the paging keys."""
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return query.urlencode()


def _render(request: HttpRequest, template: str, context: dict, status: int = 200):
    return render(request, template, {"nav_active": "audit", **context}, status=status)


@require_GET
@auditor_page("list")
def record_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.filters() if valid else AuditFilters()
    page = None
    if valid:
        page = selectors.page_of(
            selectors.audit_records(actor, filters),
            before=_int_param(request, "before"),
            after=_int_param(request, "after"),
        )
    audit_log(
        actor=actor,
        action="audit.view",
        object_type=AUDIT_OBJECT,
        detail={"page": "list", "filters": filters.as_detail()},
    )
    return _render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "positions": selectors.position_labels(page.rows) if page else {},
            "outcome_labels": OUTCOME_LABELS,
            "query": _filter_query(request),
        },
        status=200 if valid else 400,
    )


@require_http_methods(["GET", "POST"])
@auditor_page("verify")
def verify(request: HttpRequest, actor: Actor) -> HttpResponse:
    head = AuditChainHead.objects.filter(id=1).first()
    if request.method == "POST":
        length = head.last_seq - head.anchor_seq if head else 0
        if length <= SYNC_VERIFY_MAX_ROWS:
            result = verify_chain()
            record_verification(result, actor=actor)
            (messages.success if result.ok else messages.error)(request, result.summary())
        else:
            from pingan.audit.tasks import verify_audit_chain

            position_id = actor.position.pk if actor.position else None
            transaction.on_commit(lambda: verify_audit_chain(actor.user.pk, position_id))
            messages.info(
                request,
                _("审计链共 %(n)d 条记录，已提交后台校验，完成后刷新本页查看结果。")
                % {"n": length},
            )
        return redirect("audit:verify")
    audit_log(actor=actor, action="audit.view", object_type=AUDIT_OBJECT, detail={"page": "verify"})
    return _render(
        request,
        "audit/verify.html",
        {"head": head, "runs": selectors.latest_verifications()},
    )


@require_GET
@auditor_page("export")
def export_csv(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return _render(
            request,
            "audit/list.html",
            {"form": form, "page": None, "query": _filter_query(request)},
            status=400,
        )
    filters = form.filters()
    # Export exactly what existed when the export started (and not its own audit record).
    top = AuditRecord.objects.aggregate(m=Max("seq"))["m"] or 0
    rows = selectors.audit_records(actor, filters).filter(seq__lte=top)
    count = rows.count()
    audit_log(
        actor=actor,
        action="audit.export",
        object_type=AUDIT_OBJECT,
        detail={"format": "csv", "rows": count, "upto_seq": top, "filters": filters.as_detail()},
    )
    header = exports.header_line(actor, filters.as_detail(), count)
    response = StreamingHttpResponse(
        exports.csv_lines(header, selectors.iter_records(rows)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
