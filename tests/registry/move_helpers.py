"""Test data for person moves: receiving positions on top of the registry `world`.

Adds grid workers to grids A1b and B1a, village staff to village A2, an unstaffed grid A1c
(…001001003), and a second county 990102 (grid …102001001001) with a grid worker and a
county operator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.flow.models import Case
from pingan.registry.models import Card, Person, PersonMove
from pingan.registry.moves.services import person_move_request
from pingan.workdays.calendar import TZ
from tests.factories import make_actor, region_chain
from tests.registry.factories import GRID_A1B, GRID_B1A, VILLAGE_A2

GRID_A1C = "990101001001003"
COUNTY2 = "990102"
GRID_C2 = "990102001001001"


def at(*args) -> dt.datetime:
    """An aware Beijing-time datetime."""
    return dt.datetime(*args, tzinfo=TZ)


@dataclass
class Movers:
    grid_a1b: Actor
    grid_b1a: Actor
    village_a2: Actor
    grid_c2: Actor
    county2: Actor


@pytest.fixture(name="mw")
def mw_fixture(world) -> Movers:
    region_chain(GRID_A1C)
    region_chain(GRID_C2)
    return Movers(
        grid_a1b=make_actor(Role.GRID_WORKER, GRID_A1B),
        grid_b1a=make_actor(Role.GRID_WORKER, GRID_B1A),
        village_a2=make_actor(Role.VILLAGE_STAFF, VILLAGE_A2),
        grid_c2=make_actor(Role.GRID_WORKER, GRID_C2),
        county2=make_actor(Role.COUNTY_OPERATOR, COUNTY2),
    )


def request(actor: Actor, person: Person, to_region: str, **extra) -> PersonMove:
    fields = {"reason": "购房迁居", "to_address": "新址一组1号", **extra}
    return person_move_request(actor=actor, person=person, to_region=to_region, **fields)


def snapshot(person: Person) -> tuple:
    """Everything a move may change about a person, read fresh from the database."""
    fresh = Person.objects.get(pk=person.pk)
    cards = list(
        Card.objects.filter(person=person)
        .order_by("id")
        .values_list("region_code", "status", "responsible_id", "version")
    )
    return (fresh.region_code, fresh.house_id, fresh.address, fresh.version, cards)


def counts() -> tuple[int, int]:
    return PersonMove.objects.count(), Case.objects.filter(case_type="person_move").count()
