"""The progress feed of GET servicerequestupdates (FixMyStreet's update extension).

Which updates: the public steps (`flow.public_text.PUBLIC_STEPS`) of the cases GET requests
answers for (`selectors.public_requests`: events reported through a public channel) whose
region lies in the client key's region, made within [start, end]. A duplicate merged into
another case also has one `duplicate` update at the merge, then the parent's steps made
after the merge under the duplicate's own `service_request_id` (its reporter follows the
parent, as in GET requests).

One update per history row: `update_id` is `<service_request_id>-<seq>` (the row's number in
its case, so it never changes and never repeats), or `<duplicate>-<parent>-<seq>` for a
parent's step shown on a duplicate. `status` is the FixMyStreet extended status after the
step in lower case (`statuses.extended_status`), `external_status_code` the internal state,
`description` the public sentence of the step (what was done and by which unit: never
people, phone numbers or internal notes). `media_url` stays empty: staff photos are never
published. Citizens' own comments (POST servicerequestupdates) are not in the feed: they
are private text. Oldest first, paged like GET requests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from pingan.flow.models import CaseAction
from pingan.flow.public_text import PUBLIC_STEPS, step_text
from pingan.flow.units import unit_names
from pingan.public.open311 import statuses
from pingan.public.open311.params import Page
from pingan.public.open311.render import w3c
from pingan.public.open311.selectors import public_requests

MERGE = "merge"  # the duplicate's own history row of its merge (`events.duplicates`)
DUPLICATE = "DUPLICATE"
ROW_FIELDS = ("case__number", "seq", "action", "unit_code", "to_holder", "to_state", "payload")


def _own_steps(region: str, start: dt.datetime, end: dt.datetime):
    """(time, row id, service_request_id) of the public cases' own steps."""
    return (
        CaseAction.objects.filter(
            case__in=public_requests().filter(region_code__startswith=region),
            action__in=[*PUBLIC_STEPS, MERGE],
            created_at__gte=start,
            created_at__lte=end,
        )
        .values_list("created_at", "id", "case__number")
        .order_by()
    )


def _parent_steps(region: str, start: dt.datetime, end: dt.datetime):
    """The same for parents' steps after a public duplicate was merged into them: one row
    per (step, duplicate). One filter() call, so every condition is on the same merge."""
    return (
        CaseAction.objects.filter(
            case__merged_children__child__in=public_requests().filter(
                region_code__startswith=region
            ),
            case__merged_children__created_at__lte=F("created_at"),
            action__in=list(PUBLIC_STEPS),
            created_at__gte=start,
            created_at__lte=end,
        )
        .values_list("created_at", "id", "case__merged_children__child__number")
        .order_by()
    )


def updates(
    *, region: str, start: dt.datetime, end: dt.datetime, page: Page
) -> tuple[list[dict[str, Any]], bool]:
    """One page of the updates made in [start, end] on public cases in `region` (a region
    code prefix), oldest first; (the `<request_update>` elements, more pages?). Three
    queries whatever the page size, plus the unit names."""
    keys = list(
        _own_steps(region, start, end)
        .union(_parent_steps(region, start, end), all=True)
        .order_by("created_at", "id", "case__number")[page.offset : page.offset + page.size + 1]
    )
    more = len(keys) > page.size
    keys = keys[: page.size]
    rows = {
        row.pk: row
        for row in CaseAction.objects.filter(pk__in={row_id for _at, row_id, _n in keys})
        .select_related("case")
        .only("created_at", *ROW_FIELDS)
    }
    names = unit_names({code for row in rows.values() for code in (row.unit_code, row.to_holder)})
    return [_update(rows[row_id], number, names) for _at, row_id, number in keys], more


def _update(row: CaseAction, number: str, names: dict[str, str]) -> dict[str, Any]:
    """One `<request_update>`, fields in FixMyStreet's order (`number`: whose update)."""
    if row.action == MERGE:
        status, text = DUPLICATE, _("已与反映同一问题的其他诉求合并办理")
    else:
        status, text = statuses.extended_status(row.to_state, row.action), step_text(row, names)
    own = row.case.number == number
    return {
        "update_id": f"{number}-{row.seq}" if own else f"{number}-{row.case.number}-{row.seq}",
        "service_request_id": number,
        "status": status.lower(),
        "updated_datetime": w3c(row.created_at),
        "description": text,
        "media_url": "",
        "external_status_code": row.to_state,
    }
