"""Helpers shared by the wiring modules: unit members, links and wording of times."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from pingan.accounts.models import User
from pingan.flow.models import Case
from pingan.flow.units import roles_for_unit
from pingan.notify.models import Notification
from pingan.notify.services import notify_user, unit_users


def local_time(value: dt.datetime | None) -> str:
    """`2026-11-22 17:30` in local time ("" for None)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def case_link(number: str) -> str:
    return reverse("command:case", args=[number])


class UnitMembers:
    """Working members of units (the roles that act for each unit's level: village staff for a
    village, operators for a town, handlers for a department …), looked up once per unit.
    Leaders and the three administrators hold no such role and are not told about cases."""

    def __init__(self) -> None:
        self._cache: dict[str, list[User]] = {}

    def __call__(self, unit_code: str) -> list[User]:
        if unit_code not in self._cache:
            roles = roles_for_unit(unit_code)
            self._cache[unit_code] = unit_users(unit_code, roles) if roles else []
        return self._cache[unit_code]


def tell_unit(
    members: UnitMembers,
    unit_code: str,
    *,
    topic: str,
    key: str,
    context: dict,
    case: Case,
    link: str = "",
    exclude_user_id: int | None = None,
) -> list[Notification]:
    """Tell every working member of `unit_code` about `case` (except `exclude_user_id`, the
    person who caused the message)."""
    sent: list[Notification] = []
    for user in members(unit_code):
        if user.pk == exclude_user_id:
            continue
        sent += notify_user(
            user=user,
            topic=topic,
            key=key,
            context=context,
            link=link or case_link(case.number),
            case_number=case.number,
            region_code=case.region_code,
        )
    return sent
