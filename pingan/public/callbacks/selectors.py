"""Reads of the callback queue: closed events waiting for the reporter's verdict.

A case is in the queue while it is an event in state `closed` (not a merged duplicate)
that happened inside the actor's region scope. Its failed call attempts since the (latest)
closure decide the tab: due now, waiting for a retry (PINGAN_CALLBACK_RETRY_MINUTES after
the last failed call), or closed out as 无法联系. A verdict (an operator's callback or the
citizen's rating through the portal or the SMS link) moves the case out of `closed`, so it
leaves the queue by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.accounts.scope import Actor, get_in_scope_or_404, scope_by_region
from pingan.core.masking import mask_name, mask_phone
from pingan.events.casetype import CLOSED
from pingan.flow.models import Case
from pingan.flow.units import actor_unit, acts_for, unit_names
from pingan.public.callbacks.models import CallbackAttempt
from pingan.public.hotline.access import CALLBACK_ROLES
from pingan.public.models import PublicChannel, PublicReport

TABS = ("due", "later", "unreachable")
TAB_LABELS = {
    "due": gettext_lazy("待回访"),
    "later": gettext_lazy("稍后重拨"),
    "unreachable": gettext_lazy("无法联系"),
}
STAFF_CHANNEL = "staff"


def channel_labels() -> dict[str, str]:
    labels = {code: str(label) for code, label in PublicChannel.choices}
    labels[STAFF_CHANNEL] = _("内部上报")
    return labels


def events_in_scope(actor: Actor) -> QuerySet[Case]:
    """Events that happened inside the actor's region scope (any state)."""
    if actor.position is None or actor.role not in CALLBACK_ROLES:
        return Case.objects.none()
    return scope_by_region(actor, Case.objects.filter(case_type="event"))


def access_callback_case(actor: Actor, number: str) -> Case:
    """An event in the actor's scope by number; Http404 otherwise (out of scope audited)."""
    return get_in_scope_or_404(
        actor, events_in_scope(actor), object_type="flow.case", number=number
    )


def _failed(case_ref: str = "pk") -> QuerySet[CallbackAttempt]:
    """Failed attempts since the case's latest closure (a reopened case starts afresh)."""
    return CallbackAttempt.objects.filter(
        case=OuterRef(case_ref), reached=False, at__gte=OuterRef("closed_at")
    )


def awaiting_callback(actor: Actor) -> QuerySet[Case]:
    """Closed events of the scope with their failed attempts annotated: `failed_count`,
    `last_failed_at` and `gave_up`."""
    failed = _failed()
    return (
        events_in_scope(actor)
        .filter(state=CLOSED, closed_at__isnull=False, merged_into__isnull=True)
        .annotate(
            failed_count=Coalesce(
                Subquery(
                    failed.values("case").annotate(n=Count("id")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            last_failed_at=Subquery(failed.values("case").annotate(m=Max("at")).values("m")[:1]),
            gave_up=Exists(failed.filter(gave_up=True)),
        )
    )


@dataclass
class QueueFilters:
    tab: str = "due"
    region: str = ""
    channel: str = ""
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    mine: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, *, with_tab: bool = True) -> str:
        params = {
            "tab": self.tab if with_tab else "",
            "region": self.region,
            "channel": self.channel,
            "closed_from": self.closed_from.isoformat() if self.closed_from else "",
            "closed_to": self.closed_to.isoformat() if self.closed_to else "",
            "mine": "1" if self.mine else "",
        }
        return urlencode({k: v for k, v in params.items() if v})


def parse_filters(actor: Actor, data: QueryDict) -> QueueFilters:
    """Filters from the query string; a bad value is dropped with a Chinese message."""
    filters = QueueFilters()
    tab = data.get("tab", "due")
    filters.tab = tab if tab in TABS else "due"
    region = data.get("region", "").strip()
    if region:
        if region.isdigit() and region.startswith(actor.scope_code or "\x00"):
            filters.region = region
        else:
            filters.errors["region"] = _("区划不在本岗位辖区内。")
    channel = data.get("channel", "").strip()
    if channel:
        if channel in channel_labels():
            filters.channel = channel
        else:
            filters.errors["channel"] = _("渠道不正确。")
    for name in ("closed_from", "closed_to"):
        raw = data.get(name, "").strip()
        if raw:
            try:
                value = parse_date(raw)
            except ValueError:
                value = None
            if value is None:
                filters.errors[name] = _("日期格式应为 YYYY-MM-DD。")
            setattr(filters, name, value)
    filters.mine = data.get("mine") == "1"
    return filters


def _local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(actor: Actor, filters: QueueFilters) -> QuerySet[Case]:
    cases = awaiting_callback(actor)
    if filters.region:
        cases = cases.filter(region_code__startswith=filters.region)
    if filters.channel == STAFF_CHANNEL:
        cases = cases.filter(public_report__isnull=True)
    elif filters.channel:
        cases = cases.filter(public_report__channel=filters.channel)
    if filters.closed_from:
        cases = cases.filter(closed_at__gte=_local_day_start(filters.closed_from))
    if filters.closed_to:
        cases = cases.filter(closed_at__lt=_local_day_start(filters.closed_to + dt.timedelta(1)))
    if filters.mine:
        cases = cases.filter(command_code=actor_unit(actor))
    return cases


def _tab_q(tab: str, now: dt.datetime) -> Q:
    retry_from = now - dt.timedelta(minutes=settings.PINGAN_CALLBACK_RETRY_MINUTES)
    if tab == "unreachable":
        return Q(gave_up=True)
    waiting = Q(last_failed_at__isnull=False, last_failed_at__gt=retry_from)
    return Q(gave_up=False) & (waiting if tab == "later" else ~waiting)


def queue(actor: Actor, filters: QueueFilters, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases of one tab, oldest closure first."""
    now = now or timezone.now()
    return (
        _filtered(actor, filters)
        .filter(_tab_q(filters.tab, now))
        .order_by("closed_at", "id")
        .select_related("public_report")
    )


def tab_counts(actor: Actor, filters: QueueFilters, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    cases = _filtered(actor, filters)
    return {tab: cases.filter(_tab_q(tab, now)).count() for tab in TABS}


@dataclass(frozen=True)
class QueueRow:
    case: Case
    channel_label: str
    phone_masked: str
    name_masked: str
    command_name: str
    can_record: bool
    failed_count: int
    retry_at: dt.datetime | None


def queue_rows(actor: Actor, cases: list[Case]) -> list[QueueRow]:
    """Display rows: masked contact, channel, command unit, whether the actor may record."""
    labels = channel_labels()
    names = unit_names({case.command_code for case in cases})
    retry = dt.timedelta(minutes=settings.PINGAN_CALLBACK_RETRY_MINUTES)
    rows = []
    for case in cases:
        report = getattr(case, "public_report", None)
        rows.append(
            QueueRow(
                case=case,
                channel_label=labels[report.channel if report else STAFF_CHANNEL],
                phone_masked=mask_phone(report.phone) if report else "",
                name_masked=mask_name(report.name) if report else "",
                command_name=names.get(case.command_code, case.command_code),
                can_record=acts_for(actor, case.command_code),
                failed_count=case.failed_count,
                retry_at=case.last_failed_at + retry if case.last_failed_at else None,
            )
        )
    return rows


def case_report(case: Case) -> PublicReport | None:
    return PublicReport.objects.filter(case=case).first()


def case_attempts(case: Case) -> list[CallbackAttempt]:
    return list(case.callback_attempts.select_related("actor").order_by("at", "id"))


def failed_since_closure(case: Case) -> int:
    if case.closed_at is None:
        return 0
    return case.callback_attempts.filter(reached=False, at__gte=case.closed_at).count()
