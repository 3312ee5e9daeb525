"""The public view of service requests (GET requests, GET requests/{id}, tokens).

Which cases: events reported through a public channel (portal, Open311, SMS, hotline),
i.e. with a `PublicReport`. Cases that grid workers and staff record are internal work and
are never listed. The `service_request_id` is the case number.

What a request shows: category, the public status and the latest public step
(`public.selectors.PUBLIC_STEPS`: what was done and by which unit), the unit now holding the
case (`agency_responsible`), dates and the current deadline. Never the reporter's name,
phone or e-mail, staff names, internal notes or attachments. The citizen's description
(ID and phone numbers masked), address, coordinates (rounded, `privacy`) and media URL are
shown only for categories listed as public (`catalogue.is_public_category`).

A duplicate merged into another case shows the status of that case (as the portal does)
with the extended status DUPLICATE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pingan.events.models_extra import CaseMerge
from pingan.flow.models import Case, CaseAction
from pingan.flow.units import unit_names
from pingan.public.models import PublicChannel
from pingan.public.open311 import attributes as attrs
from pingan.public.open311 import statuses
from pingan.public.open311.catalogue import Service, is_public_category
from pingan.public.open311.params import Page
from pingan.public.open311.privacy import rounded_point, scrub
from pingan.public.open311.render import w3c
from pingan.public.selectors import PUBLIC_STEPS, step_text

EVENT = "event"


def public_requests() -> QuerySet[Case]:
    """Every case the Open311 GET methods may answer for."""
    return Case.objects.filter(case_type=EVENT, public_report__isnull=False)


def _with_details(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("event__category__parent", "public_report")


def find_request(number: str) -> Case | None:
    return _with_details(public_requests()).filter(number=number.strip().upper()).first()


def find_token(token: str) -> Case | None:
    """Our services are realtime: a token is the id of a request POSTed through Open311."""
    return (
        public_requests()
        .filter(number=token.strip().upper(), public_report__channel=PublicChannel.OPEN311)
        .first()
    )


def by_ids(ids: list[str]) -> list[Case]:
    """The requests among `ids` (unknown ids are left out), in the order asked."""
    wanted = [i.strip().upper() for i in ids]
    found = {c.number: c for c in _with_details(public_requests()).filter(number__in=wanted)}
    return [found[number] for number in dict.fromkeys(wanted) if number in found]


def search(
    *,
    start: dt.datetime,
    end: dt.datetime,
    service_codes: list[str],
    status_filter: set[str],
    page: Page,
) -> tuple[list[Case], bool]:
    """One page of requests made in [start, end], newest first; (cases, more pages?)."""
    cases = public_requests().filter(created_at__gte=start, created_at__lte=end)
    if service_codes:
        cases = cases.filter(category_code__in=service_codes)
    if status_filter and set(statuses.STATUSES) - status_filter:
        states = statuses.states_for(status_filter)
        cases = cases.filter(
            Q(merged_into__isnull=True, state__in=states)
            | Q(merged_into__isnull=False, merged_into__parent__state__in=states)
        )
    rows = list(
        _with_details(cases).order_by("-created_at", "-id")[
            page.offset : page.offset + page.size + 1
        ]
    )
    return rows[: page.size], len(rows) > page.size


@dataclass
class _Context:
    """What a batch of requests needs beyond the case rows (fetched in bulk)."""

    steps: dict[int, list[CaseAction]] = field(default_factory=dict)
    parents: dict[int, tuple[Case, dt.datetime]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def last_step(self, case: Case) -> CaseAction | None:
        rows = self.steps.get(case.pk)
        return rows[-1] if rows else None

    def step_text(self, row: CaseAction | None) -> str:
        return step_text(row, self.names) if row is not None else ""


def _context(cases: list[Case]) -> _Context:
    ctx = _Context()
    ids = [c.pk for c in cases]
    for link in CaseMerge.objects.filter(child_id__in=ids).select_related("parent"):
        ctx.parents[link.child_id] = (link.parent, link.created_at)
    all_ids = ids + [parent.pk for parent, _at in ctx.parents.values()]
    rows = (
        CaseAction.objects.filter(case_id__in=all_ids, action__in=list(PUBLIC_STEPS))
        .only("case_id", "seq", "action", "unit_code", "to_holder", "payload", "created_at")
        .order_by("case_id", "seq")
    )
    units: set[str] = set()
    for row in rows:
        ctx.steps.setdefault(row.case_id, []).append(row)
        units.update((row.unit_code, row.to_holder))
    units.update(c.holder_code for c in cases)
    units.update(parent.holder_code for parent, _at in ctx.parents.values())
    ctx.names = unit_names(units)
    return ctx


def _service(case: Case) -> Service:
    category = case.event.category
    return Service(
        code=category.code,
        name=category.name,
        group=category.parent.name if category.parent_id else category.name,
        private=not is_public_category(category.code),
    )


def request_data(cases: list[Case], *, extensions: bool = False) -> list[dict[str, Any]]:
    """The `<request>` elements for `cases`, fields in the spec's order."""
    ctx = _context(cases)
    return [_one(case, ctx, extensions) for case in cases]


def _one(case: Case, ctx: _Context, extensions: bool) -> dict[str, Any]:
    event, report = case.event, case.public_report
    merge = ctx.parents.get(case.pk)
    shown = merge[0] if merge else case  # whose progress the reporter follows
    last = ctx.last_step(shown)
    status = statuses.status_of(shown.state)
    notes = statuses.state_label(shown.state)
    if last is not None:
        notes += "：" + ctx.step_text(last)
    if merge:
        notes = _("已与反映同一问题的其他诉求合并办理。") + notes
    closed = status == statuses.CLOSED_STATUS
    running = not closed and shown.clock_paused_at is None
    service = _service(case)
    public = not service.private
    point = rounded_point(event.lng, event.lat) if public else None
    media = report.media_urls[0] if public and report.media_urls else ""
    data: dict[str, Any] = {
        "service_request_id": case.number,
        "status": status,
        "status_notes": notes,
        "service_name": service.name,
        "service_code": service.code,
        "description": scrub(event.description) if public else "",
        "agency_responsible": ctx.names.get(shown.holder_code, ""),
        "service_notice": "",
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(
            shown.closed_at if closed and shown.closed_at else shown.updated_at
        ),
        "expected_datetime": w3c(shown.due_at) if running else "",
        "address": event.address if public else "",
        "address_id": "",
        "zipcode": "",
        "lat": point[1] if point else "",
        "long": point[0] if point else "",
        "media_url": media,
    }
    if extensions:
        data.update(_extensions(case, shown, ctx, service, merge))
    return data


def _extensions(
    case: Case, shown: Case, ctx: _Context, service: Service, merge: tuple | None
) -> dict[str, Any]:
    last = ctx.last_step(shown)
    closed = statuses.status_of(shown.state) == statuses.CLOSED_STATUS
    report = case.public_report
    values = report.attributes if report.channel == PublicChannel.OPEN311 else {}
    notes = [_note(row, ctx) for row in ctx.steps.get(case.pk, [])]
    if merge:
        parent, merged_at = merge
        notes.append(
            {
                "datetime": w3c(merged_at),
                "description": _("已与反映同一问题的其他诉求合并办理"),
                "type": "duplicate",
            }
        )
        notes += [
            _note(row, ctx) for row in ctx.steps.get(parent.pk, []) if row.created_at >= merged_at
        ]
    return {
        "attributes": attrs.display(service, values or {}),
        "extended_attributes": {
            "extended_status": statuses.extended_status(
                shown.state, last.action if last else "", merged=bool(merge)
            ),
            "external_status_code": shown.state,
            "state_name": statuses.state_label(shown.state),
            "channel": report.channel,
            "group": service.group,
            "closed_datetime": w3c(shown.closed_at) if closed else "",
        },
        "notes": notes,
    }


def _note(row: CaseAction, ctx: _Context) -> dict[str, str]:
    return {"datetime": w3c(row.created_at), "description": ctx.step_text(row), "type": row.action}
