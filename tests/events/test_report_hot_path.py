"""The report hot path: a bounded number of queries, and cached code tables stay correct."""

from decimal import Decimal

import pytest

from pingan.core.crypto import reset_keyring_cache
from pingan.events.models import EventCategory
from pingan.events.services import category_save, event_report
from pingan.flow.catalogue import matter_limit_save
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import MatterLimit
from tests.flow.factories import IN_G1

pytestmark = pytest.mark.django_db

# Category and matter catalogue come from per-process caches; what is left: the idempotency
# check, the transaction (here a savepoint and its release inside the test's transaction;
# BEGIN and COMMIT in production), one counter UPDATE … RETURNING, the case, history and
# detail inserts, and the audit chain (head lock, record, head update). It was 17 before.
MAX_QUERIES = 10


def _report(actor, key="", category="0204"):
    return event_report(
        actor=actor,
        category=category,
        description="两户因排水沟堵塞发生争执",
        lng=IN_G1[0],
        lat=IN_G1[1],
        idempotency_key=key,
    )


def test_a_report_runs_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    first, _ = _report(world.grid_worker, key="warm-up")
    reset_keyring_cache()  # not part of the hot path; keep the count about the report itself
    _report(world.grid_worker, key="warm-up-2")
    with django_assert_max_num_queries(MAX_QUERIES):
        case, created = _report(world.grid_worker, key="measured")
    assert created
    assert case.number[-5:] == f"{int(first.number[-5:]) + 2:05d}"
    assert case.category_code == "0204"


def test_case_numbers_count_up_per_county_and_day(world):
    numbers = [_report(world.grid_worker)[0].number for _ in range(3)]
    assert [n[-5:] for n in numbers] == ["00001", "00002", "00003"]
    assert len({n[:-5] for n in numbers}) == 1


def test_a_category_change_is_seen_by_the_next_report(world):
    _report(world.grid_worker)  # fills the category cache
    category = EventCategory.objects.get(code="0204")
    category.active = False
    category_save(actor=world.county, category=category, created=False)
    with pytest.raises(ActionInvalid) as denied:
        _report(world.grid_worker)
    assert list(denied.value.errors) == ["category"]
    category.active = True
    category.name = "邻里矛盾"
    category_save(actor=world.county, category=category, created=False)
    case, _ = _report(world.grid_worker)
    assert case.title.startswith("邻里矛盾：")


def test_a_matter_limit_change_is_seen_by_the_next_report(world):
    before, _ = _report(world.grid_worker)  # fills the catalogue cache
    assert (before.clock_limit_amount, before.clock_limit_unit) != (Decimal(3), "hours")
    # The seeded row for the parent category 02 (reached through the cached category chain).
    row = MatterLimit.objects.get(case_type="event", category_code="02", urgency="low")
    row.accept_amount, row.accept_unit = Decimal(3), "hours"
    matter_limit_save(actor=world.county, limit=row)
    changed, _ = _report(world.grid_worker)
    assert (changed.clock_limit_amount, changed.clock_limit_unit) == (Decimal(3), "hours")
    # A more specific row (the category itself) wins as soon as it is added …
    specific = MatterLimit(
        case_type="event",
        category_code="0204",
        urgency="",
        accept_amount=Decimal(2),
        accept_unit="hours",
        handle_amount=Decimal(5),
        handle_unit="working_days",
        verify_amount=Decimal(1),
        verify_unit="working_days",
    )
    matter_limit_save(actor=world.county, limit=specific)
    assert _report(world.grid_worker)[0].clock_limit_amount == Decimal(2)
    # … and stops applying once deleted.
    specific.delete()
    assert _report(world.grid_worker)[0].clock_limit_amount == Decimal(3)
