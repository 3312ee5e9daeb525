"""Visit rules, visit records, next-visit dates and overdue lists."""

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from pingan.audit.models import AuditRecord
from pingan.registry.kinds import CardKind
from pingan.registry.models import VisitRule
from pingan.registry.rules import interval_for, next_visit_date, rule_for
from pingan.registry.selectors import overdue_cards, overdue_counts
from pingan.registry.services import card_close, visit_record
from tests.registry.factories import GRID_A1A, GRID_A1B, GRID_B1A, VILLAGE_A2, api_client

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.mark.parametrize(
    ("kind", "level", "days"),
    [
        (CardKind.MENTAL_DISORDER, 0, 90),
        (CardKind.MENTAL_DISORDER, 2, 14),
        (CardKind.MENTAL_DISORDER, 5, 14),
        (CardKind.COMMUNITY_CORRECTION, 3, 7),
        (CardKind.COMMUNITY_CORRECTION, 1, 30),
        (CardKind.RELEASED_PRISONER, 3, 30),
        (CardKind.DRUG_USER, 2, 30),
        (CardKind.KEY_YOUTH, None, 30),
        (CardKind.HOUSEHOLD, None, None),
    ],
)
def test_seeded_rules(kind, level, days):
    assert interval_for(kind, level) == days


def test_mental_disorder_rules_give_at_least_four_visits_a_year():
    assert all(interval_for(CardKind.MENTAL_DISORDER, level) <= 91 for level in range(6))


def test_most_specific_rule_wins_and_inactive_rules_are_ignored():
    exact = VisitRule.objects.create(
        kind=CardKind.MENTAL_DISORDER, risk_min=5, risk_max=5, interval_days=7
    )
    assert rule_for(CardKind.MENTAL_DISORDER, 5) == exact
    assert interval_for(CardKind.MENTAL_DISORDER, 4) == 14
    VisitRule.objects.create(kind=CardKind.DRUG_USER, risk_min=3, interval_days=10)
    assert interval_for(CardKind.DRUG_USER, 3) == 10
    assert interval_for(CardKind.DRUG_USER, 1) == 30
    exact.active = False
    exact.save()
    assert interval_for(CardKind.MENTAL_DISORDER, 5) == 14
    assert next_visit_date(CardKind.MENTAL_DISORDER, 0, date(2026, 1, 31)) == date(2026, 5, 1)


def test_visit_reassesses_and_reschedules(world):
    card = world.mental_a  # risk 3, opened 2026-01-05
    visit = visit_record(
        actor=world.grid_a1a,
        card=card,
        method="入户走访",
        place="家中",
        notes="服药规律，情绪稳定",
        risk_level=0,
        visited_at="2026-11-19T15:00:00",
    )
    card.refresh_from_db()
    assert (visit.method, visit.risk_level_before, visit.risk_level_after) == ("01", 3, 0)
    assert visit.next_visit_on == date(2027, 2, 17)  # stable: 3 months (90 days)
    assert (card.risk_level, card.next_visit_on, card.version) == (0, date(2027, 2, 17), 2)
    assert card.last_visit_at == visit.visited_at
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM registry_visit WHERE id = %s", [visit.pk])
        assert "服药" not in cursor.fetchone()[0]
    record = AuditRecord.objects.get(action="registry.visit.create")
    assert record.detail == {"card": card.pk, "kind": "mental_disorder"}


def test_late_entry_of_an_older_visit_keeps_the_newer_schedule(world):
    card = world.mental_a
    visit_record(actor=world.grid_a1a, card=card, method="01", risk_level=4)  # now
    card.refresh_from_db()
    assert card.next_visit_on == date(2026, 12, 4)
    visit_record(
        actor=world.grid_a1a, card=card, method="02", risk_level=0, visited_at="2026-11-01T09:00"
    )
    card.refresh_from_db()
    assert (card.risk_level, card.next_visit_on) == (4, date(2026, 12, 4))


def test_visit_validation(world):
    with pytest.raises(ValidationError) as info:
        visit_record(
            actor=world.grid_a1a,
            card=world.mental_a,
            method="飞鸽传书",
            visited_at="2027-01-01T00:00",
        )
    assert info.value.message_dict == {
        "method": ["请选择有效的走访方式。"],
        "visited_at": ["走访时间不能晚于现在。"],
        "risk_level": ["请填写危险性评估等级。"],
    }
    with pytest.raises(ValidationError) as info:
        visit_record(
            actor=world.grid_a1a,
            card=world.mental_a,
            method="01",
            risk_level=1,
            visited_at="2025-12-31T10:00",
        )
    assert info.value.message_dict == {"visited_at": ["走访时间不能早于列管日期。"]}
    card_close(actor=world.grid_a1a, card=world.mental_a, reason="迁出")
    with pytest.raises(ValidationError, match="已注销的人员不再走访"):
        visit_record(actor=world.grid_a1a, card=world.mental_a, method="01", risk_level=1)


def test_overdue_lists_and_counts(world):
    w = world
    # Opened 2026-01-05: every special card's first visit is long overdue on 2026-11-20.
    assert [c.pk for c in overdue_cards(w.county)] == [
        w.mental_a.pk,  # 14 days → 2026-01-19
        w.correction_a.pk,  # 15 days → 2026-01-20
        w.drug_a.pk,  # 30 days → 2026-02-04
        w.released_b.pk,  # 90 days → 2026-04-05
        w.mental_b.pk,  # 90 days, same date, higher id
    ]
    assert overdue_counts(w.county, "town") == [
        {"key": "990101001", "count": 3},
        {"key": "990101002", "count": 2},
    ]
    assert overdue_counts(w.town_a, "grid") == [
        {"key": GRID_A1A, "count": 1},
        {"key": GRID_A1B, "count": 1},
        {"key": VILLAGE_A2, "count": 1},  # filed at village level: counted there
    ]
    assert overdue_counts(w.town_b, "village") == [{"key": GRID_B1A[:12], "count": 2}]
    assert [c.kind for c in overdue_cards(w.weijian)] == ["mental_disorder", "mental_disorder"]
    visit_record(actor=w.grid_a1a, card=w.mental_a, method="01", risk_level=1)
    assert w.mental_a.pk not in {c.pk for c in overdue_cards(w.county)}


def test_overdue_counts_by_responsible(world):
    w = world
    w.mental_a.responsible = w.grid_a1a.user
    w.mental_a.save()
    assert overdue_counts(w.town_a, "responsible") == [
        {"key": None, "count": 2},
        {"key": w.grid_a1a.user.pk, "count": 1},
    ]


def test_visit_and_overdue_api(world):
    client = api_client(world.grid_a1a)
    url = f"/api/v1/cards/{world.mental_a.pk}/visits/"
    response = client.post(url, {"method": "01", "risk_level": 2, "notes": "正常"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["method_label"], body["next_visit_on"], body["notes"]) == (
        "入户走访",
        "2026-12-04",
        "正常",
    )
    listed = client.get(url).json()
    assert [v["id"] for v in listed["results"]] == [body["id"]]
    leader_view = api_client(world.leader).get(url).json()["results"][0]
    assert "notes" not in leader_view
    assert api_client(world.leader).post(url, {"method": "01"}, format="json").status_code == 403
    counts = api_client(world.county).get("/api/v1/registry/overdue-counts/", {"by": "town"})
    assert counts.json() == [
        {"key": "990101001", "name": "区划990101001", "count": 2},
        {"key": "990101002", "name": "区划990101002", "count": 2},
    ]
    overdue = api_client(world.county).get("/api/v1/cards/overdue/", {"kind": "drug_user"}).json()
    assert [c["id"] for c in overdue["results"]] == [world.drug_a.pk]
    assert overdue["results"][0]["overdue"] is True
    bad = api_client(world.county).get("/api/v1/registry/overdue-counts/", {"by": "planet"})
    assert bad.status_code == 400
