"""Helpers shared by the hotline and callback-queue tests (tests/public/test_hotline*.py,
tests/public/test_callbacks*.py)."""

from __future__ import annotations

from pingan.accounts.scope import Actor
from pingan.core.phones import phone_hash
from pingan.flow.models import Case
from pingan.public.models import PublicChannel
from pingan.public.services import public_report_submit
from tests.flow.factories import COUNTY, IN_G1, act

CALLER = "13812345678"
OTHER_CALLER = "13987654321"


def give_phone(actor: Actor, phone: str) -> Actor:
    """Store a work phone on the actor's user (as `pingan demo` and the admin do)."""
    user = actor.user
    user.phone, user.phone_hash = phone, phone_hash(phone)
    user.save(update_fields=["phone", "phone_hash"])
    return actor


def portal_case(
    *,
    phone: str = CALLER,
    point=IN_G1,
    description: str = "路灯坏了好几天",
    channel: str = PublicChannel.PORTAL,
    **over,
) -> Case:
    """A citizen's report (no actor) through `public_report_submit`."""
    data = {"category": "0204", "description": description, "lng": point[0], "lat": point[1]}
    data.update(over)
    case, _report, _code = public_report_submit(
        channel=channel, county=COUNTY, data=data, phone=phone
    )
    return case


def close_by_town(world, case: Case) -> Case:
    """Drive a reported case to `closed` with the town 综治 centre as its command unit (so
    the town operator holds the callback)."""
    for actor, action in [
        (world.village, "accept"),
        (world.village, "escalate"),
        (world.town, "accept"),
        (world.town, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.town, "close"),
    ]:
        case = act(actor, case, action)
    return case


def close_by_village(world, case: Case) -> Case:
    """Drive a reported case to `closed` with the village as its command unit."""
    for actor, action in [
        (world.village, "accept"),
        (world.village, "feedback"),
        (world.grid_worker, "verify_pass"),
        (world.village, "close"),
    ]:
        case = act(actor, case, action)
    return case


def hotline_case(operator: Actor, *, phone: str = CALLER, point=IN_G1, description="噪音扰民"):
    """A call taken by a hotline operator (through the hotline service)."""
    from pingan.public.hotline.services import hotline_report_submit

    data = {"category": "0204", "description": description, "lng": point[0], "lat": point[1]}
    return hotline_report_submit(actor=operator, data=data, phone=phone).case
