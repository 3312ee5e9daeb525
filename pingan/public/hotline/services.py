"""Writes (and audited reads) of the hotline: taking a call as a case, and handing out the
phones of the grid workers who answer for a place (*180)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, require_write
from pingan.audit.services import audit_log
from pingan.core.phones import normalize_phone, phone_hash
from pingan.events.models import EventDetail
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case
from pingan.public.hotline.access import HOTLINE_ROLES
from pingan.public.hotline.contacts import Contact, contacts_for
from pingan.public.hotline.places import ADDRESS_MAX, Place, place_for_address
from pingan.public.models import PublicChannel
from pingan.public.services import public_report_submit

EVENT_FIELDS = ("category", "description", "lng", "lat", "address", "unit", "urgency")


@dataclass(frozen=True)
class HotlineResult:
    case: Case
    # The query code in clear, to read out to the caller; "" when the form was resent and
    # the case already existed (the code was shown the first time and is kept only hashed).
    code: str
    created: bool


def _has_point(fields: dict[str, Any]) -> bool:
    # The same test as the event service's: any value in lng or lat is an attempt at a point.
    return any(fields.get(name) not in (None, "") for name in ("lng", "lat"))


def _locate(actor: Actor, fields: dict[str, Any], grid: str) -> Place | None:
    """Where a call without a map point is, written into the event `fields`.

    The grid chosen in the page's grid picker goes to the event service as `grid` (it
    checks the code). Else the address is resolved exactly as *180 resolves it
    (`places.place_for_address` within the operator's scope): a grid found through the
    registry's houses stands for the point; a village or town found by name becomes the
    receiving unit unless the operator chose one. Returns the address's place (None when
    the address was not looked up) so a miss can be explained next to the address field.
    """
    if _has_point(fields):
        return None
    if grid:
        fields["grid"] = grid
        return None
    address = str(fields.get("address") or "").strip()[:ADDRESS_MAX]
    if not address:
        return None
    place = place_for_address(address, prefix=actor.scope_code or "")
    if place.found and place.grid is not None:
        fields["grid"] = place.code
    elif place.found and not fields.get("unit"):
        fields["unit"] = place.code
    return place


def _existing(actor: Actor, key: str) -> Case | None:
    detail = (
        EventDetail.objects.select_related("case")
        .filter(reporter=actor.user, idempotency_key=key)
        .first()
    )
    return detail.case if detail else None


def hotline_report_submit(
    *,
    actor: Actor,
    data: dict[str, Any],
    phone: str = "",
    name: str = "",
    idempotency_key: str = "",
) -> HotlineResult:
    """Register a hotline call as an event case (reporter kind "hotline").

    Permission: a town/county 综治 operator or commander (`PermissionDenied`, audited, for
    any other role); the event rules of `events.services.event_report` apply. Location, in
    this order: the map point (`lng`, `lat`); the `grid` chosen in the grid picker; the
    `address`, resolved as *180 resolves it (see `_locate`); with none of them a receiving
    `unit` is required (as for a point outside every grid). Without a point the case has no
    lng/lat; without a grid it is flagged outside_grid. `phone` is the caller's mobile
    number (optional; without it the operator reads the query code out). A form sent twice
    with the same `idempotency_key` returns the first case (created=False) and writes
    nothing. Field errors raise `ActionInvalid` and nothing is saved. Side effects (through
    `public.services.public_report_submit`, one transaction): the case, its history and
    audit rows, the `PublicReport` with the caller's encrypted phone, and after commit the
    "received" SMS with the case number and query code.
    """
    require_write(actor)
    if actor.role not in HOTLINE_ROLES:
        audit_log(
            actor=actor,
            action="permission.denied",
            object_type="hotline",
            object_id="report",
            ip=actor.ip,
            outcome="denied",
            detail={"role": actor.role or ""},
        )
        raise PermissionDenied(_("当前岗位不能受理热线来电。"))
    key = (idempotency_key or "").strip()
    fields = {name_: data.get(name_, "") for name_ in EVENT_FIELDS}
    if key:
        fields["idempotency_key"] = key
        existing = _existing(actor, key)
        if existing is not None:
            return HotlineResult(existing, "", False)
    address_place = _locate(actor, fields, str(data.get("grid") or "").strip())
    try:
        case, _report, code = public_report_submit(
            channel=PublicChannel.HOTLINE,
            county=(actor.scope_code or "")[:6],
            data=fields,
            phone=phone,
            name=name,
            actor=actor,
            ip=actor.ip,
        )
    except ActionInvalid as exc:
        if address_place is not None and not address_place.found and "unit" in exc.errors:
            # Nothing located the call: say why the address did not help.
            raise ActionInvalid({"address": [address_place.message], **exc.errors}) from None
        raise
    except IntegrityError:
        # The same form was committed by a concurrent request a moment ago.
        existing = _existing(actor, key) if key else None
        if existing is None:
            raise
        return HotlineResult(existing, "", False)
    return HotlineResult(case, code, True)


def caller_phone_hash(phone: str) -> str:
    """Blind index of a caller's number for audit records ("" when absent or malformed)."""
    try:
        return phone_hash(normalize_phone(phone))
    except ValidationError:
        return ""


def grid_contact_lookup(
    *,
    actor: Actor | None,
    place: Place,
    caller_phone: str = "",
    via: str = "page",
    username: str = "",
) -> list[Contact]:
    """The contacts for `place` with their full phone numbers (*180), audited.

    Permission is the caller's: the hotline page and the bridge endpoint let in only
    hotline operators (or the bridge key) and resolve `place` inside their region. Every
    lookup that finds a place writes one ``hotline.grid_contact`` audit record before the
    numbers are returned: the place, the staff whose numbers were shown, the caller's
    phone hash, and `via` (page / api / bridge). `username` names the bridge when there is
    no actor. A place not found reveals nothing and is not audited.
    """
    if not place.found:
        return []
    contacts = contacts_for(place)
    audit_log(
        actor=actor,
        username=username,
        action="hotline.grid_contact",
        object_type="regions.region",
        object_id=place.code,
        region_code=place.code,
        ip=actor.ip if actor else None,
        detail={
            "via": via,
            "source": place.source,
            "grid": place.grid.code if place.grid else "",
            "caller_phone_hash": caller_phone_hash(caller_phone),
            "users": [c.user_id for c in contacts],
            "with_phone": sum(1 for c in contacts if c.phone),
        },
    )
    return contacts
