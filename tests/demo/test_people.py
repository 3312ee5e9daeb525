"""Demo people: counts, valid ID numbers, searchable blind indexes, special populations
with visit histories (some overdue), determinism and rebuilds."""

import datetime as dt

import pytest
from django.utils import timezone

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.models import AuditRecord
from pingan.core.idnumber import normalize_id_number
from pingan.demo.builder import build_demo
from pingan.demo.people import SPECIAL_KINDS
from pingan.demo.sizes import SIZES
from pingan.registry.attributes import clean_attributes
from pingan.registry.codes import code_labels
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import Card, House, Person, Visit
from pingan.registry.selectors import search_people
from tests.demo.factories import TINY

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(tmp_path):
    return build_demo(spec=TINY, seed=7, home=tmp_path)


def _actor(role: str, region_code: str) -> Actor:
    from pingan.accounts.models import Position

    position = Position.objects.filter(role=role, region__code=region_code).first()
    return Actor(position.user, position)


def test_default_size_asks_for_twenty_thousand_people():
    assert SIZES["small"].target_residents >= 20_000
    assert SIZES["county"].target_residents == 500_000


def test_every_resident_is_housed_with_a_base_card(county):
    people = Person.objects.filter(region_code__startswith="99")
    assert county.counts["people"] == people.count() == TINY.target_residents
    assert not people.filter(house__isnull=True).exists()
    assert county.counts["houses"] == House.objects.filter(region_code__startswith="99").count()
    base = Card.objects.filter(kind__in=[CardKind.HOUSEHOLD, CardKind.FLOATING])
    assert base.count() == people.count()
    assert base.values("person").distinct().count() == people.count()
    assert 0 < base.filter(kind=CardKind.FLOATING).count() < people.count() / 2
    # Owners are occupants of their own (not rented) house.
    owned = House.objects.filter(owner__isnull=False)
    assert owned.exists()
    assert all(h.owner.house_id == h.pk for h in owned[:50])


def test_id_numbers_are_valid_unique_and_match_birth_and_sex(county):
    people = list(Person.objects.filter(region_code__startswith="99"))
    numbers = [p.id_number for p in people]
    assert len(set(numbers)) == len(numbers)
    for person in people:
        assert person.id_number.startswith("990101")
        assert normalize_id_number(person.id_number) == person.id_number
        assert person.id_number[6:14] == person.birth_date.strftime("%Y%m%d")
        assert person.sex == ("1" if int(person.id_number[16]) % 2 else "2")
        assert person.name_pinyin and person.name_initials
        if person.phone:
            assert len(person.phone) == 11 and person.phone.startswith("1")


def test_a_generated_person_is_found_by_id_number_tail_and_pinyin(county):
    person = Person.objects.filter(region_code__startswith="99").order_by("pk")[10]
    actor = _actor(Role.COUNTY_OPERATOR, "990101")
    assert list(search_people(actor, person.id_number)) == [person]
    assert person in search_people(actor, person.id_number[-4:])
    assert person in search_people(actor, person.name_pinyin)


def test_special_populations_are_three_percent_over_five_kinds(county):
    total = county.counts["people"]
    special = Card.objects.filter(kind__in=list(SPECIAL_KINDS))
    assert special.count() == round(total * 0.03)
    assert set(special.values_list("kind", flat=True)) == set(SPECIAL_KINDS)
    assert Card.objects.filter(kind=CardKind.KEY_YOUTH).count() == round(total * 0.003)
    valid = code_labels({f.code_table for s in SPECS.values() for f in s.fields if f.code_table})
    for card in Card.objects.exclude(kind__in=[CardKind.HOUSEHOLD, CardKind.FLOATING]):
        spec = SPECS[card.kind]
        assert card.is_sensitive and card.attributes == {} and card.attributes_secret
        values, errors = clean_attributes(spec, card.attribute_values(), valid)
        assert errors == {} and values == card.attribute_values()
        if spec.risk_levels is None:
            assert card.risk_level is None
        else:
            assert card.risk_level in spec.risk_levels
        assert card.next_visit_on is not None and card.responsible_id is not None


def test_visit_histories_follow_the_rules_and_some_are_overdue(county):
    today = timezone.localdate()
    cards = Card.objects.exclude(kind__in=[CardKind.HOUSEHOLD, CardKind.FLOATING])
    overdue = cards.filter(next_visit_on__lt=today)
    assert overdue.count() == county.counts["overdue_cards"] > 0
    assert overdue.count() < cards.count() / 2
    visits = Visit.objects.filter(card__in=cards)
    assert visits.count() == county.counts["visits"] > 0
    assert not visits.filter(visited_at__gt=timezone.now()).exists()
    for card in cards.filter(last_visit_at__isnull=False)[:40]:
        last = card.visits.order_by("-visited_at").first()
        assert last.visited_at == card.last_visit_at
        assert last.next_visit_on == card.next_visit_on
        assert last.risk_level_after == card.risk_level
        assert timezone.localtime(last.visited_at).date() >= card.opened_on
        assert last.notes and last.visitor_id
    oldest = timezone.localtime(visits.order_by("visited_at").first().visited_at).date()
    assert oldest >= today - dt.timedelta(days=180)


def test_one_audit_record_for_the_people(county):
    records = AuditRecord.objects.filter(action="demo.people")
    assert records.count() == 1
    assert records.get().detail["people"] == TINY.target_residents


def _snapshot():
    people = Person.objects.order_by("pk").values_list("name", "birth_date", "address")
    numbers = [p.id_number for p in Person.objects.order_by("pk")]
    cards = Card.objects.order_by("pk").values_list("kind", "risk_level", "next_visit_on")
    return list(people), numbers, list(cards), Visit.objects.count()


def test_same_seed_same_people_and_rebuild_replaces_them(tmp_path):
    build_demo(spec=TINY, seed=7, home=tmp_path)
    first = _snapshot()
    build_demo(spec=TINY, seed=7, home=tmp_path)
    assert _snapshot() == first
    assert Person.objects.count() == TINY.target_residents
    build_demo(spec=TINY, seed=8, home=tmp_path)
    assert _snapshot()[1] != first[1]
