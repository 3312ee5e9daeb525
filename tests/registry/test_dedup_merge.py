"""Merging duplicate people: what moves, the one-active-card rule, the record, the audit,
denials (nothing changed), versions, moves in progress."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from pingan.audit.models import AuditRecord
from pingan.registry.dedup.merge import person_merge
from pingan.registry.kinds import CardKind
from pingan.registry.models import (
    Card,
    CardStatus,
    House,
    MoveStatus,
    Person,
    PersonMerge,
    PersonMove,
    Visit,
)
from pingan.registry.selectors import search_people
from pingan.registry.services import ConflictError
from tests.registry import dedup_helpers
from tests.registry.factories import GRID_A1A, GRID_A1B, make_card

planted = dedup_helpers.planted


def _visit(card: Card, when: datetime, user, next_on: date | None = None) -> Visit:
    return Visit.objects.create(
        card=card,
        region_code=card.region_code,
        visited_at=when,
        method="01",
        visitor=user,
        next_visit_on=next_on,
    )


@pytest.fixture
def cards(planted, world):
    """a: 户籍 (one visit, Feb) + 吸毒 closed; a_dup: 户籍 (two visits, the later in March;
    a helper) + 社区矫正 (active, one visit). a_dup owns a house and lives in one in a's
    grid; a has no house and no ethnicity."""
    user = world.grid_a1a.user
    a_house = make_card(planted.a, CardKind.HOUSEHOLD, {"household_number": "H9"})
    a_drug = make_card(
        planted.a, CardKind.DRUG_USER, {"control_status": "01"}, status=CardStatus.CLOSED
    )
    dup_house = make_card(planted.a_dup, CardKind.HOUSEHOLD, {})
    dup_correction = make_card(
        planted.a_dup,
        CardKind.COMMUNITY_CORRECTION,
        {
            "correction_type": "02",
            "crime": "盗窃罪",
            "correction_start": "2026-01-01",
            "correction_end": "2027-12-31",
        },
        risk_level=2,
    )
    dup_house.helpers.add(world.village_a1.user)
    v1 = _visit(a_house, datetime(2026, 2, 1, 2, tzinfo=UTC), user)
    v2 = _visit(dup_house, datetime(2026, 1, 10, 2, tzinfo=UTC), user)
    v3 = _visit(dup_house, datetime(2026, 3, 1, 2, tzinfo=UTC), user, date(2026, 6, 1))
    v4 = _visit(dup_correction, datetime(2026, 3, 5, 2, tzinfo=UTC), user)
    Card.objects.filter(pk=a_house.pk).update(last_visit_at=v1.visited_at)
    Card.objects.filter(pk=dup_house.pk).update(
        last_visit_at=v3.visited_at, next_visit_on=date(2026, 6, 1)
    )
    owned = House.objects.create(address="示范村3组12号", region_code=GRID_A1B, owner=planted.a_dup)
    lives = House.objects.create(address="示范村三组12号", region_code=GRID_A1A)
    Person.objects.filter(pk=planted.a_dup.pk).update(house=lives, ethnicity="01")
    return {
        "a_house": a_house,
        "a_drug": a_drug,
        "dup_house": dup_house,
        "dup_correction": dup_correction,
        "visits": (v1, v2, v3, v4),
        "owned": owned,
        "lives": lives,
    }


def _state() -> tuple:
    """Everything a merge could change, to compare before and after a refused one."""
    return (
        sorted(Person.objects.values_list("pk", "version", "phone_hash", "house_id")),
        sorted(Card.objects.values_list("pk", "person_id", "status", "version")),
        sorted(Visit.objects.values_list("pk", "card_id")),
        sorted(House.objects.values_list("pk", "owner_id")),
        PersonMerge.objects.count(),
    )


def test_merge_moves_every_card_visit_and_house(planted, cards, world):
    a, dup = planted.a, planted.a_dup
    v1, v2, v3, v4 = cards["visits"]
    record = person_merge(actor=world.town_a, keep=a.pk, merge=dup.pk)

    assert not Person.objects.filter(pk=dup.pk).exists()
    assert sorted(Card.objects.filter(person=a).values_list("pk", flat=True)) == sorted(
        c.pk for k, c in cards.items() if k in ("a_house", "a_drug", "dup_house", "dup_correction")
    )
    # Same kind active on both: the duplicate card is closed, its visits join a's card.
    kept_card = Card.objects.get(pk=cards["a_house"].pk)
    closed = Card.objects.get(pk=cards["dup_house"].pk)
    assert kept_card.status == CardStatus.ACTIVE
    assert closed.status == CardStatus.CLOSED
    assert closed.closed_on == timezone.localdate()
    assert closed.close_reason == (
        f"合并：重复登记，已并入人员 #{a.pk}，走访记录转入同类卡 #{kept_card.pk}。"
    )
    assert closed.next_visit_on is None
    assert sorted(Visit.objects.filter(card=kept_card).values_list("pk", flat=True)) == sorted(
        [v1.pk, v2.pk, v3.pk]
    )
    assert kept_card.last_visit_at == v3.visited_at  # the duplicate's visit was later
    assert kept_card.next_visit_on == date(2026, 6, 1)
    assert list(kept_card.helpers.all()) == [world.village_a1.user]
    # No active card of that kind on a: moved as it is, still active, with its visit.
    correction = Card.objects.get(pk=cards["dup_correction"].pk)
    assert (correction.person_id, correction.status) == (a.pk, CardStatus.ACTIVE)
    assert list(Visit.objects.filter(card=correction).values_list("pk", flat=True)) == [v4.pk]
    # Houses: ownership moved; a had no house, the duplicate's is in a's grid.
    assert House.objects.get(pk=cards["owned"].pk).owner_id == a.pk
    kept = Person.objects.get(pk=a.pk)
    assert kept.house_id == cards["lives"].pk
    assert kept.ethnicity == "01"
    assert kept.phone == "13811112222"  # a's own phone is never overwritten
    assert kept.version == a.version + 1

    assert record.kept_id == a.pk
    assert record.merged_person_id == dup.pk
    assert record.merged_id_hash == dup.id_hash
    assert record.merged_by == world.town_a.user
    assert record.region_code == a.region_code
    snapshot = record.merged_snapshot
    assert snapshot["name"] == "章三丰"
    assert snapshot["id_number"] == dup.id_number[:6] + "********" + dup.id_number[-4:]
    assert dup.id_number not in str(snapshot)
    assert record.moved["filled"] == ["ethnicity", "house_id"]
    assert record.moved["registry.house.owner"] == [cards["owned"].pk]
    assert record.moved["cards"] == [
        {
            "id": cards["dup_house"].pk,
            "kind": "household",
            "status": "active",
            "visits": 2,
            "closed_into": kept_card.pk,
        },
        {"id": cards["dup_correction"].pk, "kind": "community_correction", "status": "active"},
    ]

    audit = AuditRecord.objects.get(action="registry.person.merge")
    assert audit.object_type == "registry.person"
    assert audit.object_id == str(a.pk)
    assert audit.detail["merged"] == dup.pk
    assert audit.detail["merge_record"] == record.pk
    assert audit.detail["closed_cards"] == [cards["dup_house"].pk]
    assert audit.detail["visits"] == 2
    # Searching no longer finds the merged person; the kept one is found by both names.
    assert list(search_people(world.town_a, "章三丰")) == []
    found = [p.pk for p in search_people(world.town_a, "zhangsanfeng")]
    assert found == [world.p_a1a.pk, a.pk]


def test_later_visit_on_kept_card_keeps_its_schedule(planted, cards, world):
    Card.objects.filter(pk=cards["a_house"].pk).update(
        last_visit_at=datetime(2026, 4, 1, 2, tzinfo=UTC), next_visit_on=date(2026, 9, 1)
    )
    person_merge(actor=world.town_a, keep=planted.a.pk, merge=planted.a_dup.pk)
    kept_card = Card.objects.get(pk=cards["a_house"].pk)
    assert kept_card.last_visit_at == datetime(2026, 4, 1, 2, tzinfo=UTC)
    assert kept_card.next_visit_on == date(2026, 9, 1)


def test_merge_the_other_way_round(planted, cards, world):
    """Keeping the duplicate record: a's active 户籍 card closes into the duplicate's."""
    person_merge(actor=world.village_a1, keep=planted.a_dup.pk, merge=planted.a.pk)
    assert not Person.objects.filter(pk=planted.a.pk).exists()
    closed = Card.objects.get(pk=cards["a_house"].pk)
    assert (closed.person_id, closed.status) == (planted.a_dup.pk, CardStatus.CLOSED)
    kept = Person.objects.get(pk=planted.a_dup.pk)
    assert kept.phone == "13811112222"  # filled from a: the duplicate had none
    assert kept.phone_hash == planted.a.phone_hash
    assert Card.objects.filter(person=kept, status=CardStatus.ACTIVE).count() == 2


def test_earlier_merge_records_follow_the_kept_person(planted, world):
    first = person_merge(actor=world.town_a, keep=planted.a_dup.pk, merge=planted.b.pk)
    person_merge(actor=world.town_a, keep=planted.a.pk, merge=planted.a_dup.pk)
    first.refresh_from_db()
    assert first.kept_id == planted.a.pk
    assert PersonMerge.objects.filter(kept=planted.a).count() == 2


@pytest.mark.parametrize("who", ["leader", "sifa", "weijian"])
def test_read_only_and_department_positions_are_refused(planted, cards, world, who):
    before = _state()
    with pytest.raises(PermissionDenied):
        person_merge(actor=getattr(world, who), keep=planted.a.pk, merge=planted.a_dup.pk)
    assert _state() == before
    assert AuditRecord.objects.filter(action="permission.denied").exists()
    assert not AuditRecord.objects.filter(action="registry.person.merge").exists()


def test_person_outside_scope_is_404_audited_and_nothing_changes(planted, cards, world):
    before = _state()
    with pytest.raises(Http404):  # e lives in town B
        person_merge(actor=world.town_a, keep=planted.a.pk, merge=planted.e.pk)
    with pytest.raises(Http404):  # both in town A
        person_merge(actor=world.town_b, keep=planted.a.pk, merge=planted.a_dup.pk)
    with pytest.raises(Http404):  # a_dup is in grid A1b
        person_merge(actor=world.grid_a1a, keep=planted.a.pk, merge=planted.a_dup.pk)
    with pytest.raises(Http404):
        person_merge(actor=world.town_a, keep=planted.a.pk, merge=999_999)
    assert _state() == before
    denied = AuditRecord.objects.filter(action="scope.denied").order_by("id")
    assert [(r.object_type, r.object_id) for r in denied] == [
        ("registry.person", str(planted.e.pk)),
        ("registry.person", str(planted.a.pk)),
        ("registry.person", str(planted.a_dup.pk)),
    ]


def test_field_errors(planted, world):
    before = _state()
    cases = [
        (
            {"keep": "", "merge": ""},
            {"keep": ["请选择要保留的人员。"], "merge": ["请选择要并入的人员。"]},
        ),
        ({"keep": "abc", "merge": planted.a.pk}, {"keep": ["人员编号应为正整数。"]}),
        ({"keep": planted.a.pk, "merge": planted.a.pk}, {"merge": ["不能把人员与其自身合并。"]}),
        (
            {"keep": planted.a.pk, "merge": planted.a_dup.pk, "keep_version": "x"},
            {"keep_version": ["版本号应为正整数。"]},
        ),
    ]
    for kwargs, errors in cases:
        with pytest.raises(ValidationError) as exc:
            person_merge(actor=world.town_a, **kwargs)
        assert exc.value.message_dict == errors
    assert _state() == before


def test_stale_version_is_a_conflict(planted, cards, world):
    before = _state()
    with pytest.raises(ConflictError):
        person_merge(
            actor=world.town_a,
            keep=planted.a.pk,
            merge=planted.a_dup.pk,
            keep_version=planted.a.version,
            merge_version=planted.a_dup.version + 1,
        )
    assert _state() == before
    person_merge(
        actor=world.town_a,
        keep=planted.a.pk,
        merge=planted.a_dup.pk,
        keep_version=planted.a.version,
        merge_version=planted.a_dup.version,
    )
    assert not Person.objects.filter(pk=planted.a_dup.pk).exists()


def test_pending_move_blocks_the_merge(planted, world):
    PersonMove.objects.create(
        person=planted.a_dup,
        status=MoveStatus.PENDING,
        from_region=GRID_A1B,
        to_region=GRID_A1A,
        reason="搬家",
        moved_on=date(2026, 11, 1),
        requested_by=world.town_a.user,
        requested_unit=GRID_A1B,
        requested_at=timezone.now(),
    )
    before = _state()
    with pytest.raises(ValidationError) as exc:
        person_merge(actor=world.town_a, keep=planted.a.pk, merge=planted.a_dup.pk)
    assert exc.value.message_dict == {"merge": ["该人员有待接收的迁移，请先办结或撤回迁移再合并。"]}
    assert _state() == before
    PersonMove.objects.filter(person=planted.a_dup).update(status=MoveStatus.WITHDRAWN)
    record = person_merge(actor=world.town_a, keep=planted.a.pk, merge=planted.a_dup.pk)
    assert PersonMove.objects.get().person_id == planted.a.pk
    assert record.moved["registry.personmove.person"] == [PersonMove.objects.get().pk]


def test_every_relation_to_person_is_a_foreign_key():
    """The merge re-points foreign keys; a many-to-many relation would need handling."""
    reverse = [
        f for f in Person._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete
    ]
    assert reverse
    assert all(f.one_to_many or f.one_to_one for f in reverse), [
        f.related_model for f in reverse if f.many_to_many
    ]
