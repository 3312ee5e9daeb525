import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pingan.accounts.roles import Role
from tests.accounts.factories import sign_in
from tests.factories import make_actor

@pytest.mark.django_db
def test_q(client):
    a = make_actor(Role.AUDITOR)
    sign_in(client, a)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/audit/", {"action": "x"})
    for q in ctx.captured_queries:
        print(q["sql"][:150])
