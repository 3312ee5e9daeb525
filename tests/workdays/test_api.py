"""GET /api/v1/calendar/{year}/ and /api/v1/calendar/add-working-days/."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import make_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_actor().user)
    return client


def test_year_endpoint(api):
    data = api.get("/api/v1/calendar/2025/").json()
    assert (data["year"], data["status"], data["source"]) == (2025, "official", "chinesecalendar")
    october = [d for d in data["special_days"] if d["date"].startswith("2025-10")]
    assert october[0] == {"date": "2025-10-01", "kind": "holiday", "name": "国庆节"}
    assert october[-1] == {"date": "2025-10-11", "kind": "workday", "name": "国庆节"}
    assert len(data["special_days"]) == 33

    data = api.get("/api/v1/calendar/2027/").json()
    assert (data["status"], data["source"], data["entered_at"]) == ("provisional", "rules", None)
    assert [d["date"] for d in data["special_days"]][:2] == ["2027-01-01", "2027-02-05"]
    assert api.get("/api/v1/calendar/1899/").status_code == 404


@pytest.mark.parametrize(
    ("start", "days", "due_at", "provisional"),
    [
        ("2025-09-30", 5, "2025-10-14T23:59:59+08:00", False),
        ("2025-09-30T10:00:00+08:00", 5, "2025-10-14T23:59:59+08:00", False),
        ("2025-10-10T16:30:00Z", 1, "2025-10-13T23:59:59+08:00", False),
        ("2025-09-30 10:00", 1, "2025-10-09T23:59:59+08:00", False),
        ("2026-12-20T09:00:00 08:00", 15, "2027-01-11T23:59:59+08:00", True),
    ],
)
def test_add_working_days_endpoint(api, start, days, due_at, provisional):
    response = api.get("/api/v1/calendar/add-working-days/", {"start": start, "days": days})
    assert response.status_code == 200
    assert response.json() == {
        "due_at": due_at,
        "provisional": provisional,
        "provisional_years": [2027] if provisional else [],
    }


def test_add_working_days_validation(api):
    response = api.get("/api/v1/calendar/add-working-days/", {"start": "明天", "days": "-1"})
    assert response.status_code == 400
    errors = response.json()
    assert errors["start"] == [
        "无法识别的时间，应为 ISO 8601，如 2025-09-30 或 2025-09-30T10:00:00+08:00"
    ]
    assert "days" in errors


def test_authentication_required():
    anonymous = APIClient()
    assert anonymous.get("/api/v1/calendar/2025/").status_code in (401, 403)
    token = Token.objects.create(user=make_actor().user)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert anonymous.get("/api/v1/calendar/2025/").status_code == 200
