from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.registry.kinds import CardKind
from pingan.registry.models import Card, Person
from tests.factories import make_actor
from tests.registry.factories import (
    COUNTY,
    GRID_A1A,
    GRID_A1B,
    GRID_B1A,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    build_tree,
    dept_actor,
    make_card,
    make_person,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS + list(django_settings.PASSWORD_HASHERS)


@dataclass
class World:
    county: Actor
    town_a: Actor
    town_b: Actor
    village_a1: Actor
    grid_a1a: Actor
    leader: Actor
    weijian: Actor
    sifa: Actor
    gongan: Actor
    minzheng: Actor
    p_a1a: Person  # 户籍 + 严重精神障碍, grid A1a
    p_a1b: Person  # 户籍 + 社区矫正, grid A1b
    p_a2: Person  # 吸毒, village A2
    p_b1: Person  # 刑满释放 + 严重精神障碍, grid B1a (town B)
    mental_a: Card
    correction_a: Card
    drug_a: Card
    released_b: Card
    mental_b: Card


@pytest.fixture
def world(db) -> World:
    build_tree()
    p_a1a = make_person(GRID_A1A, "张三丰", phone="13812345678")
    p_a1b = make_person(GRID_A1B, "李四", phone="13900001111")
    p_a2 = make_person(VILLAGE_A2, "王五")
    p_b1 = make_person(GRID_B1A, "赵六")
    make_card(p_a1a, CardKind.HOUSEHOLD, {"household_number": "H001"})
    make_card(p_a1b, CardKind.HOUSEHOLD, {})
    return World(
        county=make_actor(Role.COUNTY_OPERATOR, COUNTY),
        town_a=make_actor(Role.TOWN_OPERATOR, TOWN_A),
        town_b=make_actor(Role.TOWN_OPERATOR, TOWN_B),
        village_a1=make_actor(Role.VILLAGE_STAFF, VILLAGE_A1),
        grid_a1a=make_actor(Role.GRID_WORKER, GRID_A1A),
        leader=make_actor(Role.LEADER, COUNTY),
        weijian=dept_actor("weijian"),
        sifa=dept_actor("sifa"),
        gongan=dept_actor("gongan"),
        minzheng=dept_actor("minzheng"),
        p_a1a=p_a1a,
        p_a1b=p_a1b,
        p_a2=p_a2,
        p_b1=p_b1,
        mental_a=make_card(
            p_a1a,
            CardKind.MENTAL_DISORDER,
            {"diagnosis": "01", "guardian_name": "张大", "guardian_phone": "13700002222"},
            risk_level=3,
        ),
        correction_a=make_card(
            p_a1b,
            CardKind.COMMUNITY_CORRECTION,
            {
                "correction_type": "02",
                "crime": "盗窃罪",
                "correction_start": "2026-01-01",
                "correction_end": "2027-12-31",
            },
            risk_level=2,
        ),
        drug_a=make_card(p_a2, CardKind.DRUG_USER, {"control_status": "01"}),
        released_b=make_card(
            p_b1,
            CardKind.RELEASED_PRISONER,
            {"original_crime": "抢劫罪", "release_date": "2025-06-01"},
        ),
        mental_b=make_card(p_b1, CardKind.MENTAL_DISORDER, {"diagnosis": "02"}, risk_level=0),
    )
