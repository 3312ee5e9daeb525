"""Writing one planned batch: its houses, people, cards and visits, then the owners.

Rows are generated while they are written (`bulk.insert_rows` takes generators); the ids
the next table needs are read back per batch by natural key (a house by grid and address,
a person by the blind index of the ID number), one query each, limited to the batch's
grids. ID numbers, phones, sensitive attributes and visit notes are encrypted by their
fields; blind indexes and pinyin are the registry's own (`id_keys`, `phone_hash`,
`name_keys`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Min, OuterRef, Subquery

from pingan.accounts.models import Position
from pingan.demo.people.bulk import insert_rows
from pingan.demo.people.plan import Batch, Generator, Resident
from pingan.demo.people.specials import Special, base_card
from pingan.registry.imports.services import CARD_COLUMNS, PERSON_COLUMNS
from pingan.registry.keys import id_keys, phone_hash
from pingan.registry.models import Card, CardStatus, House, Person, Visit
from pingan.registry.pinyin import name_keys

HOUSE_COLUMNS = (
    "address",
    "region_code",
    "is_rental",
    "lng",
    "lat",
    "created_at",
    "updated_at",
    "version",
)
VISIT_COLUMNS = (
    "card",
    "region_code",
    "visited_at",
    "method",
    "place",
    "notes",
    "risk_level_before",
    "risk_level_after",
    "visitor",
    "position",
    "next_visit_on",
    "created_at",
)
CARD_ROW_COLUMNS = (*CARD_COLUMNS, "last_visit_at", "responsible")
VISIT_NOTES = (
    "本人在家，情绪稳定，生活正常。",
    "与家属交谈，近期无异常情况。",
    "了解近期就业和生活情况，已告知有事及时联系网格员。",
    "本人外出务工，电话联系正常。",
    "家属反映近期作息规律，按时服药。",
)


# Names repeat (王伟 …): a bounded memo of the registry's own pinyin keys.
pinyin_keys = lru_cache(maxsize=100_000)(name_keys)


@dataclass(frozen=True)
class Workers:
    """{region code: (user id, position id)} of the demo grid workers and village staff."""

    by_region: dict[str, tuple[int, int]]

    @classmethod
    def load(cls, root: str) -> Workers:
        rows = Position.objects.filter(region__code__startswith=root).order_by("region_id", "pk")
        by_region: dict[str, tuple[int, int]] = {}
        for region, user, position in rows.values_list("region_id", "user_id", "pk"):
            by_region.setdefault(region, (user, position))
        return cls(by_region)

    def for_grid(self, grid: str) -> tuple[int, int] | tuple[None, None]:
        for length in (15, 12, 9, 6):
            if grid[:length] in self.by_region:
                return self.by_region[grid[:length]]
        return None, None


def _person_row(person: Resident, house_id: int, now: dt.datetime) -> tuple:
    full, initials = pinyin_keys(person.name)
    keys = id_keys(person.number)
    return (
        person.name,
        full,
        initials,
        person.sex,
        person.birth,
        person.ethnicity,
        person.number,
        keys["id_hash"],
        keys["id_tail4_hash"],
        keys["id_tail6_hash"],
        person.phone,
        phone_hash(person.phone),
        person.address,
        person.grid,
        None,
        now,
        now,
        1,
        house_id,
    )


def _card_row(person_id: int, kind: str, grid: str, now: dt.datetime, **values) -> tuple:
    return (
        person_id,
        kind,
        grid,
        CardStatus.ACTIVE,
        values.get("level"),
        "",
        values.get("attributes", {}),
        values.get("secret", ""),
        values["opened"],
        values.get("next_visit"),
        "",
        now,
        now,
        1,
        values.get("last_at"),
        values.get("responsible"),
    )


def _houses(batch: Batch, now: dt.datetime) -> list[int]:
    """Insert the batch's houses; their ids in batch order."""
    insert_rows(House, HOUSE_COLUMNS, ((*house, now, now, 1) for house in batch.houses))
    stored = House.objects.filter(region_code__in=batch.grids)
    ids = {(r, a): pk for r, a, pk in stored.values_list("region_code", "address", "pk")}
    return [ids[(house[1], house[0])] for house in batch.houses]


def _people(batch: Batch, house_ids: list[int], now: dt.datetime) -> list[int]:
    """Insert the batch's people; their ids in batch order."""
    hashes: list[str] = []

    def rows():
        for person in batch.people:
            row = _person_row(person, house_ids[person.house], now)
            hashes.append(row[7])
            yield row

    insert_rows(Person, (*PERSON_COLUMNS, "house"), rows())
    stored = Person.objects.filter(region_code__in=batch.grids).values_list("id_hash", "pk")
    ids = dict(stored)
    return [ids[h] for h in hashes]


def _owners(batch: Batch) -> None:
    """The householder (first occupant) owns every house of the batch not rented out.
    MIN() rather than ORDER BY pk LIMIT 1: PostgreSQL would walk the primary key for each
    house instead of using the house index."""
    first = (
        Person.objects.filter(house=OuterRef("pk"))
        .values("house")
        .annotate(first_pk=Min("pk"))
        .values("first_pk")
    )
    House.objects.filter(region_code__in=batch.grids, is_rental=False).update(owner=Subquery(first))


def _cards(
    gen: Generator,
    batch: Batch,
    specials: list[Special],
    ids: list[int],
    workers: Workers,
    now: dt.datetime,
) -> dict[tuple[int, str], int]:
    """Insert everyone's base card and the special cards; {(person id, kind): card id} of
    the special ones."""

    def rows():
        for person in batch.people:
            kind, attributes, opened = base_card(gen, person)
            yield _card_row(
                ids[person.index], kind, person.grid, now, attributes=attributes, opened=opened
            )
        for special in specials:
            card = Card(kind=special.kind)
            card.set_attribute_values(special.attributes)
            person = special.person
            yield _card_row(
                ids[person.index],
                special.kind,
                person.grid,
                now,
                level=special.level,
                attributes=card.attributes,
                secret=card.attributes_secret,
                opened=special.opened,
                next_visit=special.next_visit,
                last_at=special.last_at,
                responsible=workers.for_grid(person.grid)[0],
            )

    insert_rows(Card, CARD_ROW_COLUMNS, rows())
    kinds = {s.kind for s in specials}
    stored = Card.objects.filter(region_code__in=batch.grids, kind__in=kinds)
    return {(p, k): pk for p, k, pk in stored.values_list("person_id", "kind", "pk")}


def _visits(
    gen: Generator,
    specials: list[Special],
    ids: list[int],
    card_ids: dict[tuple[int, str], int],
    workers: Workers,
) -> int:
    rng = gen.rng

    def rows():
        for special in specials:
            person = special.person
            card_id = card_ids[(ids[person.index], special.kind)]
            user, position = workers.for_grid(person.grid)
            if user is None:
                continue
            for at, before, after, nxt in special.visits:
                method = rng.choices(("01", "02", "04"), (0.7, 0.2, 0.1))[0]
                place = person.address if method == "01" else ""
                notes = rng.choice(VISIT_NOTES)
                yield (
                    card_id,
                    person.grid,
                    at,
                    method,
                    place,
                    notes,
                    before,
                    after,
                    user,
                    position,
                    nxt,
                    at,
                )

    return insert_rows(Visit, VISIT_COLUMNS, rows())


def write_batch(
    gen: Generator, batch: Batch, specials: list[Special], workers: Workers, now: dt.datetime
) -> int:
    """Insert the batch (houses, people, owners, cards, visits); the number of visits."""
    house_ids = _houses(batch, now)
    ids = _people(batch, house_ids, now)
    _owners(batch)
    card_ids = _cards(gen, batch, specials, ids, workers, now)
    return _visits(gen, specials, ids, card_ids, workers)
