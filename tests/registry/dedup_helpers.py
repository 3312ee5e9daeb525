"""Planted duplicates for the duplicate-finder and merge tests (on top of the `world`).

All born on dates no `next_id` person has (those are 1990-01-01), with explicit sequence
numbers (odd: male):

  a      张三丰 1985-03-12  grid A1a  phone 13811112222  示范村三组12号
  a_dup  章三丰 1985-03-12  grid A1b  no phone          示范村3组12号   (homophone, ID typo)
  b      李小明 1985-03-12  grid A1a                    示范村五组3号   (distinct, same birth)
  c      王建国 1979-11-30  village A2 phone 13922223333 示范村二组8号
  c_dup  王建国 1979-11-03  village A2 phone 13922223333 示范村二组8号   (birth digits swapped)
  e      张三丰 1985-03-12  grid B1a (town B)           河东村4组9号
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pingan.registry.models import Person
from tests.registry.factories import (
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    VILLAGE_A2,
    make_id,
    make_person,
)


@dataclass
class Planted:
    a: Person
    a_dup: Person
    b: Person
    c: Person
    c_dup: Person
    e: Person


@pytest.fixture
def planted(world) -> Planted:
    return Planted(
        a=make_person(
            GRID_A1A,
            "张三丰",
            id_number=make_id("19850312", 101),
            phone="13811112222",
            address="示范村三组12号",
        ),
        a_dup=make_person(
            GRID_A1B, "章三丰", id_number=make_id("19850312", 103), address="示范村3组12号"
        ),
        b=make_person(
            GRID_A1A, "李小明", id_number=make_id("19850312", 105), address="示范村五组3号"
        ),
        c=make_person(
            VILLAGE_A2,
            "王建国",
            id_number=make_id("19791130", 107),
            phone="13922223333",
            address="示范村二组8号",
        ),
        c_dup=make_person(
            VILLAGE_A2,
            "王建国",
            id_number=make_id("19791103", 109),
            phone="13922223333",
            address="示范村二组8号",
        ),
        e=make_person(
            GRID_B1A, "张三丰", id_number=make_id("19850312", 115), address="河东村4组9号"
        ),
    )


def pairs(result) -> list[tuple[int, int, int, tuple[str, ...]]]:
    return [(c.left_id, c.right_id, c.score, c.reasons) for c in result.candidates]
