"""Actors, signed-in clients and schedule files for the calendar tests."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from pingan.accounts import sessions
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from tests.factories import make_actor

BJ = ZoneInfo("Asia/Shanghai")

# A plausible 2027 schedule for the tests. It is NOT the State Council's: that was not
# published when this was written; only its shape matters here.
SCHEDULE_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-20,workday,春节
2027-04-05,holiday,清明节
2027-05-01,holiday,劳动节
2027-05-02,holiday,劳动节
2027-05-03,holiday,劳动节
2027-05-04,holiday,劳动节
2027-05-05,holiday,劳动节
2027-05-08,workday,劳动节
2027-06-09,holiday,端午节
2027-09-15,holiday,中秋节
2027-10-01,holiday,国庆节
2027-10-02,holiday,国庆节
2027-10-03,holiday,国庆节
2027-10-04,holiday,国庆节
2027-10-05,holiday,国庆节
2027-10-06,holiday,国庆节
2027-10-07,holiday,国庆节
2027-09-26,workday,国庆节
2027-10-09,workday,国庆节
"""


def bj(*args: int) -> dt.datetime:
    """An aware datetime on the Beijing wall clock."""
    return dt.datetime(*args, tzinfo=BJ)


def system_admin() -> Actor:
    return make_actor(Role.SYSTEM_ADMIN, "990101")


def sign_in(client, actor: Actor) -> None:
    """A fully signed-in session acting through `actor.position` (second factor passed)."""
    client.force_login(actor.user)
    session = client.session
    now = time.time()
    session[sessions.AUTH_AT] = now
    session[sessions.LAST_SEEN] = now
    session[sessions.TWO_FACTOR_OK] = True
    if actor.position is not None:
        session[sessions.POSITION] = actor.position.pk
    session.save()
