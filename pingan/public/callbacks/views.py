"""The callback queue (/callbacks/) and one case's callback page. Thin views."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pingan.accounts.scope import Actor
from pingan.command.selectors import region_options
from pingan.core.http import INTEGER_MAX, parse_int
from pingan.core.masking import mask_phone
from pingan.flow.errors import ActionInvalid, ActionNotAllowed
from pingan.flow.models import Satisfaction
from pingan.flow.services import available_actions
from pingan.flow.types import get_case_type
from pingan.flow.units import unit_names
from pingan.notify.models import Notification
from pingan.public.callbacks import selectors
from pingan.public.callbacks.kpi import month_start, satisfaction_for_actor, satisfaction_total
from pingan.public.callbacks.services import (
    callback_phone_reveal,
    callback_record,
    callback_survey_send,
    max_attempts,
    survey_key,
)
from pingan.public.hotline.access import is_htmx, operator_page
from pingan.public.portal.selectors import open_public_actions
from pingan.public.selectors import public_steps

PAGE_SIZE = 50
callbacks_page = operator_page(
    selectors.CALLBACK_ROLES,
    "callbacks",
    gettext_lazy("只有综治中心操作员、指挥长和村（社区）工作人员可以办理回访。"),
)


@require_GET
@callbacks_page
def queue_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The queue: KPI counts of this month, tabs (due / later / unreachable), filters."""
    now = timezone.now()
    filters = selectors.parse_filters(actor, request.GET)
    page = Paginator(selectors.queue(actor, filters, now), PAGE_SIZE).get_page(
        request.GET.get("page", "1")
    )
    counts = selectors.tab_counts(actor, filters, now)
    context = {
        "nav_active": "callbacks",
        "sub": "callbacks",
        "filters": filters,
        "tabs": [(tab, selectors.TAB_LABELS[tab], counts[tab]) for tab in selectors.TABS],
        "page": page,
        "rows": selectors.queue_rows(actor, list(page.object_list)),
        "query": filters.query(),
        "filter_query": filters.query(with_tab=False),
        "kpi": satisfaction_total(satisfaction_for_actor(actor, since=month_start(now), until=now)),
        "reopen_on_unsatisfied": settings.PINGAN_REOPEN_ON_UNSATISFIED,
    }
    if is_htmx(request):
        return render(request, "public/callbacks/_results.html", context)
    context.update(
        {
            "region_options": region_options(actor),
            "channel_options": list(selectors.channel_labels().items()),
        }
    )
    return render(request, "public/callbacks/queue.html", context)


def _case_context(actor: Actor, number: str) -> dict:
    case = selectors.access_callback_case(actor, number)
    report = selectors.case_report(case)
    case_type = get_case_type(case.case_type)
    failed = selectors.failed_since_closure(case)
    names = unit_names({case.command_code})
    survey = Notification.objects.filter(key=survey_key(case)).first() if report else None
    return {
        "nav_active": "callbacks",
        "sub": "callbacks",
        "case": case,
        "detail": getattr(case, "event", None),
        "report": report,
        "phone_masked": mask_phone(report.phone) if report else "",
        "state_label": case_type.state_label(case.state),
        "steps": public_steps(case),
        "attempts": selectors.case_attempts(case),
        "failed": failed,
        "max_attempts": max_attempts(),
        "may_give_up": failed + 1 >= max_attempts(),
        "can_record": "callback" in available_actions(actor, case),
        "command_name": names.get(case.command_code, case.command_code),
        "citizen_can_rate": "callback" in open_public_actions(case),
        "survey": survey,
        "satisfaction_options": Satisfaction.choices,
        "reopen_on_unsatisfied": settings.PINGAN_REOPEN_ON_UNSATISFIED,
    }


@require_GET
@callbacks_page
def case_page(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """One case: the reporter (masked), the public timeline, attempts and the record form."""
    return render(request, "public/callbacks/case.html", _case_context(actor, number))


@require_POST
@callbacks_page
def record(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """Record a callback. 200 with the refreshed panel; 400 field errors; 409 not allowed
    now (someone else acted, or the case is not this unit's to call back)."""
    case = selectors.access_callback_case(actor, number)
    seen = parse_int(request.POST.get("version"), INTEGER_MAX)
    if seen is not None:
        case.version = seen
    reached = request.POST.get("reached", "")
    status, message, errors = 200, "", {}
    values = {
        "reached": reached,
        "satisfaction": request.POST.get("satisfaction", ""),
        "note": request.POST.get("note", ""),
        "give_up": request.POST.get("give_up") == "1",
    }
    try:
        if reached not in ("yes", "no"):
            raise ActionInvalid({"reached": [_("请选择是否联系上。")]})
        attempt = callback_record(
            actor=actor,
            case=case,
            reached=reached == "yes",
            satisfaction=values["satisfaction"] if reached == "yes" else "",
            note=values["note"],
            give_up=values["give_up"],
        )
        message = _record_message(attempt)
        values = {}
    except ActionInvalid as exc:
        status, errors = 400, exc.errors
        message = _("请修改标出的内容后重试。")
    except ActionNotAllowed as exc:
        status, message = 409, exc.message
    context = _case_context(actor, number)
    context.update({"message": message, "status": status, "errors": errors, "values": values})
    template = "public/callbacks/_work.html" if is_htmx(request) else "public/callbacks/case.html"
    return render(request, template, context, status=status)


def _record_message(attempt) -> str:
    if attempt.reached:
        if attempt.case.state == "handling":
            return _("已记录回访结果：不满意，案件已重新办理。")
        return _("已记录回访结果，案件已回访归档。")
    if attempt.gave_up:
        return _("已按无法联系结束回访。")
    return _("已记录未接通，稍后重拨。")


@require_POST
@callbacks_page
def reveal(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """The reporter's full number as a tel: link (fragment); audited."""
    case = selectors.access_callback_case(actor, number)
    phone = callback_phone_reveal(actor=actor, case=case)
    return render(request, "public/callbacks/_phone.html", {"phone": phone, "case": case})


@require_POST
@callbacks_page
def survey(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    """Send the SMS rating link once per closure (fragment with the outcome)."""
    case = selectors.access_callback_case(actor, number)
    status, error = 200, ""
    message = sent = None
    try:
        message, sent = callback_survey_send(actor=actor, case=case)
    except ActionInvalid as exc:
        status, error = 400, " ".join(exc.errors.get("survey", []))
    context = {"survey": message, "sent_now": sent, "error": error, "case": case}
    return render(request, "public/callbacks/_survey.html", context, status=status)
