"""Schemathesis over the whole REST API (DESIGN §7): no operation may answer 5xx.

The schema is the one the project serves (`/api/v1/schema/`); every operation is called
in-process through the Django WSGI app on a small county with rows in it (an event case, a
dispute, two people, a card), so list and detail endpoints have something to return. Path
parameters are sometimes swapped for the ids of those rows, so detail and action endpoints
run past their 404. A county operator gets every phase; a grid worker and a town department
handler get fewer, random cases only. Every answer must be non-5xx and match its schema.

Run alone: `.venv/bin/pytest -q -p no:cacheprovider tests/api/test_schemathesis.py`."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from pingan.events.disputes import dispute_report
from pingan.regions.lookup import reset_grid_index
from pingan.registry.kinds import CardKind
from tests.flow.factories import G1, G2, IN_G1, build_world, report
from tests.registry.factories import make_card, make_person

SCHEMA_URL = "/api/v1/schema/"
APP = WSGIHandler()


def _county_data(world) -> dict[str, Any]:
    """Rows for list/detail endpoints; returns the real value of each path parameter."""
    case = report(world.grid_worker)
    dispute = dispute_report(
        actor=world.grid_worker,
        category="17",
        scale="ordinary",
        summary="两户因宅基地边界发生争执",
        lng=IN_G1[0],
        lat=IN_G1[1],
        people_involved=2,
        occurred_on=timezone.localdate().isoformat(),
        parties=[{"name": "张三", "role": "applicant"}, {"name": "李四", "role": "respondent"}],
    )
    person = make_person(G1, "张三丰", phone="13812345678")
    make_person(G2, "李四")
    card = make_card(
        person,
        CardKind.MENTAL_DISORDER,
        {"diagnosis": "01", "guardian_name": "张大", "guardian_phone": "13700002222"},
        risk_level=3,
    )
    return {
        "number": [case.number, dispute.number],
        "person_id": [person.pk],
        "card_id": [card.pk],
        "code": [G1, "990101"],
        "kind": [CardKind.MENTAL_DISORDER],
        "year": [timezone.localdate().year],
    }


def _login(actor, real: dict[str, Any]) -> dict[str, Any]:
    token, _ = Token.objects.get_or_create(user=actor.user)
    headers = {"Authorization": f"Token {token.key}", "X-Pingan-Position": str(actor.position.pk)}
    return {"real": real, "token": token, "headers": headers}


def _load_schema(login: dict[str, Any], *, coverage: bool = True) -> schemathesis.BaseSchema:
    real, token = login["real"], login["token"]
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, APP)
    # The coverage phase (boundary and type-confusion values for every parameter) is most of
    # the run's requests; the other roles get the random phases only, to stay fast.
    schema.config.phases.coverage.enabled = coverage

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Half of the time aim at a row that exists, so the view runs past its lookup.
        swapped = {
            name: st.sampled_from(real[name]) if name in real else st.just(value)
            for name, value in (path_parameters or {}).items()
        }
        return st.one_of(st.just(path_parameters), st.fixed_dictionaries(swapped))

    @schema.hook
    def after_call(context, case, response):
        # POST /auth/logout/ deletes the token: bring it back for the next operation.
        if case.path.endswith("/auth/logout/"):
            Token.objects.get_or_create(key=token.key, defaults={"user": token.user})

    return schema


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: in-process WSGI calls must not close the test's database
    connection. `close_old_connections` drops a connection older than CONN_MAX_AGE (60 s),
    so on PostgreSQL every call after the first minute of the run would fail."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def county_world(db):
    world = build_world()
    yield world, _county_data(world)
    reset_grid_index()


@pytest.fixture
def api_login(county_world):
    world, real = county_world
    return _login(world.county, real)


@pytest.fixture
def api_schema(api_login):
    return _load_schema(api_login)


@pytest.fixture(params=["grid_worker", "police"])
def other_login(request, county_world):
    """A grid worker (G1) and a town department handler (公安): narrower scopes, other gates."""
    world, real = county_world
    return _login(getattr(world, request.param), real)


@pytest.fixture
def role_api_schema(other_login):
    return _load_schema(other_login, coverage=False)


HYPOTHESIS = settings(
    max_examples=12,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]
county_schema = schemathesis.pytest.from_fixture("api_schema")
other_schema = schemathesis.pytest.from_fixture("role_api_schema")


@county_schema.parametrize()
@HYPOTHESIS
def test_county_operator_gets_no_5xx_and_conforming_answers(case, api_login):
    case.call_and_validate(app=APP, headers=api_login["headers"], checks=CHECKS)


@other_schema.parametrize()
@settings(HYPOTHESIS, max_examples=6)
def test_grid_worker_and_department_get_no_5xx(case, other_login):
    case.call_and_validate(app=APP, headers=other_login["headers"], checks=CHECKS)
