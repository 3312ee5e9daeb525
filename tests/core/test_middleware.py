"""Query strings with a NUL character are refused before any view runs."""

import pytest

from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def test_api_query_with_nul_is_a_400_with_a_chinese_message(client):
    actor = make_actor("county_operator", "990101")
    client.force_login(actor.user)
    # Found by schemathesis: PostgreSQL refuses NUL in text, the filter failed as a 500.
    response = client.get("/api/v1/organizations/", {"kind": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"detail": "请求参数中含有非法字符（NUL）。"}
    assert client.get("/api/v1/organizations/", {"kind": "ab"}).status_code == 200


def test_page_query_with_nul_is_a_plain_400(client):
    response = client.get("/portal/", {"x\x00": "1"})
    assert response.status_code == 400
    assert response.content.decode() == "请求参数中含有非法字符（NUL）。"
    assert client.get("/portal/").status_code == 200
