"""Overdue registry visits → one morning digest per person who should visit (`visit.overdue`).

A card is overdue when it is active and its next visit date (`Card.next_visit_on`) has
passed. Each card counts for its responsible person (`Card.responsible`); a card without one
counts for the grid workers of its grid. Each of them gets one message a day with the number
of overdue cards and the oldest date, never names or other personal data. Key:
`visit.overdue:<local date>` (+ channel and user), so a second run that day tells nobody.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from pingan.accounts.models import User
from pingan.notify.models import Notification
from pingan.notify.services import notify_user
from pingan.notify.wiring.common import UnitMembers
from pingan.registry.models import Card, CardStatus


def overdue_by_person(today: dt.date) -> dict[int, tuple[int, dt.date, bool]]:
    """{user id: (overdue cards, oldest date, all of them assigned to the user)}."""
    overdue = Card.objects.filter(status=CardStatus.ACTIVE, next_visit_on__lt=today).order_by()
    tally: dict[int, list] = defaultdict(lambda: [0, None, True])

    def add(user_id: int, count: int, oldest: dt.date, assigned: bool) -> None:
        entry = tally[user_id]
        entry[0] += count
        entry[1] = oldest if entry[1] is None else min(entry[1], oldest)
        entry[2] = entry[2] and assigned

    assigned = (
        overdue.filter(responsible__isnull=False, responsible__is_active=True)
        .values("responsible_id")
        .annotate(n=Count("id"), oldest=Min("next_visit_on"))
    )
    for row in assigned:
        add(row["responsible_id"], row["n"], row["oldest"], True)
    members = UnitMembers()
    unassigned = (
        overdue.filter(responsible__isnull=True)
        .values("region_code")
        .annotate(n=Count("id"), oldest=Min("next_visit_on"))
    )
    for row in unassigned:
        for user in members(row["region_code"]):
            add(user.pk, row["n"], row["oldest"], False)
    return {user_id: (n, oldest, only_mine) for user_id, (n, oldest, only_mine) in tally.items()}


def notify_overdue_visits(*, today: dt.date | None = None) -> list[Notification]:
    """Send today's digests (idempotent per user and day); returns the messages."""
    today = today or timezone.localdate()
    tally = overdue_by_person(today)
    sent: list[Notification] = []
    page = reverse("registry:overdue")
    for user in User.objects.filter(pk__in=list(tally), is_active=True).order_by("pk"):
        count, oldest, only_mine = tally[user.pk]
        sent += notify_user(
            user=user,
            topic="visit.overdue",
            key=f"visit.overdue:{today.isoformat()}",
            context={"count": count, "oldest": oldest.isoformat()},
            link=f"{page}?responsible={user.pk}" if only_mine else page,
        )
    return sent
