"""A small county for case-engine tests, and helpers to drive cases.

Layout (codes are paths):
  county 990101 ─ town 990101001 ─ village 990101001001 ─ grids …001 (G1), …002 (G2)
               └─ town 990101002 ─ village 990101002001 ─ grid  …001 (G3)
Departments: town 990101001-gongan and 990101001-sifa; county 990101-zhujian, 990101-huanbao.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from pingan.accounts.roles import Role
from pingan.events.services import event_report
from pingan.flow.models import Case
from pingan.flow.services import case_act
from pingan.regions.lookup import reset_grid_index
from tests.factories import (
    DepartmentFactory,
    DepartmentTypeFactory,
    RegionFactory,
    make_actor,
    region_chain,
    square,
)

TZ = ZoneInfo("Asia/Shanghai")
COUNTY, TOWN, VILLAGE = "990101", "990101001", "990101001001"
G1, G2 = "990101001001001", "990101001001002"
TOWN2, VILLAGE2, G3 = "990101002", "990101002001", "990101002001001"
# Points inside G1, G3 and outside every grid (lng, lat).
IN_G1 = (102.705, 25.005)
IN_G3 = (102.805, 25.005)
OUTSIDE = (103.5, 26.5)


def at(*args) -> dt.datetime:
    """An aware Beijing-time datetime: at(2026, 3, 2, 9, 0)."""
    return dt.datetime(*args, tzinfo=TZ)


@contextmanager
def frozen(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def build_world() -> SimpleNamespace:
    village = region_chain(VILLAGE)
    RegionFactory(code=G1, parent=village, geometry=square(102.70, 25.00))
    RegionFactory(code=G2, parent=village, geometry=square(102.71, 25.00))
    village2 = region_chain(VILLAGE2)
    RegionFactory(code=G3, parent=village2, geometry=square(102.80, 25.00))
    town = village.parent
    county = town.parent
    police = DepartmentFactory(region=town, type=DepartmentTypeFactory(code="gongan", name="公安"))
    sifa = DepartmentFactory(region=town, type=DepartmentTypeFactory(code="sifa", name="司法"))
    zhujian = DepartmentFactory(
        region=county, type=DepartmentTypeFactory(code="zhujian", name="住建")
    )
    huanbao = DepartmentFactory(
        region=county, type=DepartmentTypeFactory(code="huanbao", name="生态环境")
    )
    # Grids were written directly, not through the regions services that bump the index
    # stamp: drop this process's point → grid index so the next lookup rebuilds it.
    reset_grid_index()
    return SimpleNamespace(
        grid_worker=make_actor(Role.GRID_WORKER, G1),
        grid_worker2=make_actor(Role.GRID_WORKER, G2),
        village=make_actor(Role.VILLAGE_STAFF, VILLAGE),
        town=make_actor(Role.TOWN_OPERATOR, TOWN),
        town2=make_actor(Role.TOWN_OPERATOR, TOWN2),
        county=make_actor(Role.COUNTY_OPERATOR, COUNTY),
        commander=make_actor(Role.COUNTY_COMMANDER, COUNTY),
        leader=make_actor(Role.LEADER, COUNTY),
        police=make_actor(Role.DEPARTMENT_HANDLER, police),
        zhujian=make_actor(Role.DEPARTMENT_HANDLER, zhujian),
        huanbao=make_actor(Role.DEPARTMENT_HANDLER, huanbao),
        sifa=make_actor(Role.DEPARTMENT_HANDLER, sifa),
        police_code=police.code,
        sifa_code=sifa.code,
        zhujian_code=zhujian.code,
        huanbao_code=huanbao.code,
    )


def report(actor, *, point=IN_G1, category="0204", **extra) -> Case:
    data = {
        "category": category,
        "description": "两户因排水沟堵塞发生争执",
        "lng": point[0],
        "lat": point[1],
        "address": "示范村三组",
        **extra,
    }
    case, _ = event_report(actor=actor, **data)
    return case


def act(actor, case: Case, action: str, note: str = "意见", **params) -> Case:
    """Act on a fresh copy of the case (as a person reloading the page would)."""
    fresh = Case.objects.get(pk=case.pk)
    return case_act(actor=actor, case=fresh, action=action, note=note, **params)


def api_client(actor) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=actor.user)
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_PINGAN_POSITION=str(actor.position.pk)
    )
    return client
