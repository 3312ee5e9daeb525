"""Demo people written in batches: the county comes out whole (every resident housed, one
base card each, exact special-population shares, unique ID numbers) however small the
batches, and the running quotas and the ID-number bitmap behave."""

import datetime as dt

import pytest

from pingan.demo.builder import build_demo
from pingan.demo.people import SPECIAL_KINDS, build
from pingan.demo.people.plan import IdNumbers
from pingan.demo.people.specials import Quotas
from pingan.registry.kinds import CardKind
from pingan.registry.models import Card, House, Person, Visit
from tests.demo.factories import TINY


@pytest.mark.django_db
def test_small_batches_build_the_whole_county(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "BATCH_PEOPLE", 150)
    sizes = []
    real_plan = build.plan_villages

    def spy(gen, villages, grids):
        batch = real_plan(gen, villages, grids)
        sizes.append(len(batch.people))
        return batch

    monkeypatch.setattr(build, "plan_villages", spy)
    counts = build_demo(spec=TINY, seed=7, home=tmp_path).counts
    total = TINY.target_residents
    assert len(sizes) > 2 and sum(sizes) == total == counts["people"]
    people = Person.objects.filter(region_code__startswith="99")
    assert people.count() == total and not people.filter(house__isnull=True).exists()
    numbers = [p.id_number for p in people]
    assert len(set(numbers)) == total
    base = Card.objects.filter(kind__in=[CardKind.HOUSEHOLD, CardKind.FLOATING])
    assert base.values("person").distinct().count() == base.count() == total
    special = Card.objects.filter(kind__in=list(SPECIAL_KINDS))
    assert special.count() == counts["special_cards"] - _youths() == round(total * 0.03)
    assert set(special.values_list("kind", flat=True)) == set(SPECIAL_KINDS)
    assert _youths() == round(total * 0.003)
    assert counts["houses"] == House.objects.filter(region_code__startswith="99").count()
    owned = House.objects.filter(owner__isnull=False).select_related("owner")
    assert owned.exists() and all(h.owner.house_id == h.pk for h in owned)
    assert not House.objects.filter(is_rental=True, owner__isnull=False).exists()
    assert Visit.objects.count() == counts["visits"] > 0
    # Every special card's visits are on that card's person's grid.
    for visit in Visit.objects.select_related("card")[:100]:
        assert visit.region_code == visit.card.region_code


def _youths() -> int:
    return Card.objects.filter(kind=CardKind.KEY_YOUTH).count()


def test_quotas_give_the_rounded_shares_after_any_batches():
    quotas = Quotas()
    kinds, youths = [], 0
    for people in (137, 1, 20_000, 4_999, 333, 0, 70_000):
        batch_kinds, batch_youths = quotas.take(people)
        kinds += batch_kinds
        youths += batch_youths
    total = 137 + 1 + 20_000 + 4_999 + 333 + 70_000
    assert len(kinds) == round(total * 0.03) == 2864
    assert youths == round(total * 0.003) == 286
    by_kind = {kind: kinds.count(kind) for kind in SPECIAL_KINDS}
    assert by_kind == {kind: round(2864 * share) for kind, share in SPECIAL_KINDS.items()}


def test_id_number_bitmap_claims_each_pair_once():
    today = dt.date(2026, 11, 21)
    numbers = IdNumbers(today)
    oldest = today - dt.timedelta(days=95 * 365 + 364)
    assert numbers.claim(oldest, 999) is True
    assert numbers.claim(oldest, 999) is False
    assert numbers.claim(oldest, 998) is True
    assert numbers.claim(today, 0) is True
    assert numbers.claim(today, 0) is False
    assert numbers.claim(today - dt.timedelta(days=1), 0) is True
    assert len(numbers.bits) < 5_000_000
