"""Who sees which people and cards: region scope, gates both ways, 404 = not yours."""

import pytest
from django.http import Http404

from pingan.accounts import gates
from pingan.accounts.roles import Role
from pingan.audit.models import AuditRecord
from pingan.registry.kinds import ALL_ATTRIBUTE_NAMES, CardKind
from pingan.registry.models import Card
from pingan.registry.selectors import (
    access_card,
    access_person,
    gated_kinds,
    person_fields_for,
    visible_cards,
    visible_houses,
    visible_people,
)
from tests.factories import make_actor
from tests.registry.factories import COUNTY, GRID_A1A, TOWN_A, dept_actor, make_person

pytestmark = pytest.mark.django_db


def names(queryset):
    return {p.name for p in queryset}


def kinds(actor):
    return sorted(visible_cards(actor).values_list("kind", flat=True))


def test_region_positions_see_their_subtree(world):
    w = world
    assert names(visible_people(w.county)) == {"张三丰", "李四", "王五", "赵六"}
    assert names(visible_people(w.leader)) == {"张三丰", "李四", "王五", "赵六"}
    assert names(visible_people(w.town_a)) == {"张三丰", "李四", "王五"}
    assert names(visible_people(w.town_b)) == {"赵六"}
    assert names(visible_people(w.village_a1)) == {"张三丰", "李四"}
    assert names(visible_people(w.grid_a1a)) == {"张三丰"}
    assert kinds(w.grid_a1a) == ["household", "mental_disorder"]
    assert kinds(w.town_b) == ["mental_disorder", "released_prisoner"]


def test_town_operator_cannot_open_the_neighbour_towns_person(world):
    w = world
    assert access_person(w.town_a, w.p_a1b.pk) == w.p_a1b
    with pytest.raises(Http404):
        access_person(w.town_a, w.p_b1.pk)
    denied = AuditRecord.objects.get(action="scope.denied")
    assert (denied.object_type, denied.object_id, denied.region_code) == (
        "registry.person",
        str(w.p_b1.pk),
        w.p_b1.region_code,
    )


def test_missing_and_foreign_look_the_same_but_only_foreign_is_audited(world):
    w = world
    for missing in (999999, "abc"):
        with pytest.raises(Http404):
            access_person(w.grid_a1a, missing)
    assert not AuditRecord.objects.filter(action="scope.denied").exists()
    with pytest.raises(Http404):
        access_person(w.grid_a1a, w.p_a1b.pk)  # same village, other grid
    assert AuditRecord.objects.filter(action="scope.denied").count() == 1


@pytest.mark.parametrize(
    ("department", "expected"),
    [
        ("weijian", ["mental_disorder", "mental_disorder"]),
        ("sifa", ["community_correction", "released_prisoner"]),
        ("gongan", ["drug_user"]),
        ("minzheng", []),
    ],
)
def test_gates_open_exactly_their_kinds(world, department, expected):
    actor = getattr(world, department)
    assert kinds(actor) == expected
    people = {
        "weijian": {"张三丰", "赵六"},
        "sifa": {"李四", "赵六"},
        "gongan": {"王五"},
        "minzheng": set(),
    }[department]
    assert names(visible_people(actor)) == people
    assert not visible_houses(actor).exists()


def test_weijian_sees_mental_disorder_and_not_drug_cards(world):
    w = world
    assert access_card(w.weijian, w.mental_a.pk) == w.mental_a
    for other in (w.drug_a, w.correction_a, w.released_b):
        with pytest.raises(Http404):
            access_card(w.weijian, other.pk)
    # The person with only a 户籍 card besides is reachable; the 户籍 card is not.
    household = Card.objects.get(person=w.p_a1a, kind=CardKind.HOUSEHOLD)
    with pytest.raises(Http404):
        access_card(w.weijian, household.pk)
    with pytest.raises(Http404):
        access_person(w.weijian, w.p_a2.pk)


def test_sifa_and_gongan_both_ways(world):
    w = world
    assert access_card(w.sifa, w.correction_a.pk) == w.correction_a
    assert access_card(w.sifa, w.released_b.pk) == w.released_b
    assert access_card(w.gongan, w.drug_a.pk) == w.drug_a
    for actor, card in [(w.sifa, w.drug_a), (w.sifa, w.mental_b), (w.gongan, w.mental_a)]:
        with pytest.raises(Http404):
            access_card(actor, card.pk)
    for card in (w.drug_a, w.mental_a, w.correction_a):
        with pytest.raises(Http404):
            access_card(w.minzheng, card.pk)


def test_gate_is_limited_to_the_departments_region(world):
    town_weijian = dept_actor("weijian", TOWN_A)
    assert names(visible_people(town_weijian)) == {"张三丰"}
    with pytest.raises(Http404):
        access_card(town_weijian, world.mental_b.pk)


def test_department_fields_come_from_the_gate(world):
    assert person_fields_for(world.county) is None
    assert person_fields_for(world.weijian) == {
        "name",
        "id_number",
        "sex",
        "birth_date",
        "region_code",
        "address",
    }
    assert person_fields_for(world.minzheng) == set()
    assert gated_kinds(world.sifa) == ["released_prisoner", "community_correction"]


def test_registry_refines_seeded_gates_without_removing_fields():
    gate = gates.gate_for("sifa", CardKind.COMMUNITY_CORRECTION)
    assert {"risk_level", "next_visit_on", "correction_type", "crime"} <= set(gate.fields)
    assert {"person_name", "id_number_masked"} <= set(gate.fields)


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR])
def test_the_three_administrators_read_no_residents(world, role):
    actor = make_actor(role, COUNTY)
    assert not visible_people(actor).exists()
    assert not visible_cards(actor).exists()
    with pytest.raises(Http404):
        access_person(actor, world.p_a1a.pk)


def test_new_person_in_other_grid_is_invisible_to_grid_worker(world):
    other = make_person(GRID_A1A.replace("001001001", "001001002"), "钱七")
    assert other not in visible_people(world.grid_a1a)


def test_card_attribute_names_do_not_shadow_model_attributes():
    clashes = {name for name in ALL_ATTRIBUTE_NAMES if hasattr(Card, name)}
    assert clashes == set()
