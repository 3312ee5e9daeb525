"""Registry test data: a small region tree, valid ID numbers, people and cards.

Tree (all under county 990101):
  town A 990101001: village A1 990101001001 (grids A1a …001001, A1b …001002),
                    village A2 990101001002
  town B 990101002: village B1 990101002001 (grid B1a …002001001)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from pingan.accounts.roles import Role
from pingan.core.idnumber import check_character
from pingan.regions.models import DepartmentType
from pingan.registry.keys import id_keys, phone_hash
from pingan.registry.kinds import SPECS
from pingan.registry.models import Card, House, Person
from pingan.registry.pinyin import name_keys
from pingan.registry.rules import next_visit_date
from tests.factories import DepartmentFactory, DepartmentTypeFactory, make_actor, region_chain

COUNTY = "990101"
TOWN_A, TOWN_B = "990101001", "990101002"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "990101001001", "990101001002", "990101002001"
GRID_A1A, GRID_A1B, GRID_B1A = "990101001001001", "990101001001002", "990101002001001"
ALL_LEAVES = (GRID_A1A, GRID_A1B, VILLAGE_A2, GRID_B1A)
DEPT_TYPES = {"weijian": "卫健", "sifa": "司法", "gongan": "公安", "minzheng": "民政"}


def build_tree() -> None:
    for code in ALL_LEAVES:
        region_chain(code)


def make_id(birth: str = "19900101", seq: int = 123, region: str = "990101") -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_character(first17)


_counter = {"n": 0}


def next_id(birth: str = "19900101") -> str:
    _counter["n"] += 1
    return make_id(birth=birth, seq=_counter["n"] % 1000)


def make_person(
    region_code: str = GRID_A1A,
    name: str = "张三",
    id_number: str | None = None,
    phone: str = "",
    address: str = "示范村一组1号",
    house: House | None = None,
) -> Person:
    """A person saved directly (no service, no audit): test data, not the thing tested."""
    number = id_number or next_id()
    full, initials = name_keys(name)
    person = Person(
        name=name,
        name_pinyin=full,
        name_initials=initials,
        sex="1" if int(number[16]) % 2 else "2",
        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        id_number=number,
        phone=phone,
        phone_hash=phone_hash(phone),
        address=address,
        region_code=region_code,
        house=house,
        **id_keys(number),
    )
    person.save()
    return person


def make_card(
    person: Person,
    kind: str,
    attributes: dict[str, Any] | None = None,
    risk_level: int | None = None,
    opened_on: date = date(2026, 1, 5),
    **extra: Any,
) -> Card:
    spec = SPECS[kind]
    if risk_level is None and spec.risk_levels:
        risk_level = min(spec.risk_levels)
    card = Card(
        person=person,
        kind=kind,
        region_code=person.region_code,
        risk_level=risk_level,
        opened_on=opened_on,
        next_visit_on=next_visit_date(kind, risk_level, opened_on),
        **extra,
    )
    card.set_attribute_values(attributes or {})
    card.save()
    return card


def dept_actor(type_code: str, region: str = COUNTY):
    DepartmentTypeFactory(code=type_code, name=DEPT_TYPES.get(type_code, type_code))
    department = DepartmentFactory(
        type=DepartmentType.objects.get(code=type_code), region=region_chain(region)
    )
    return make_actor(Role.DEPARTMENT_HANDLER, department)


def api_client(actor) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=actor.user)
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_PINGAN_POSITION=str(actor.position.pk)
    )
    return client
