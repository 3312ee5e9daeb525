"""Demo people: the county's residents in their houses, with 户籍/流动 cards, ~3 % special
populations (five kinds) and some 重点青少年, each with months of visit history.

Residents follow `DemoBuild.residents_by_village` (the layout's split of the size's target):
households of one to five people live in houses of their village's grids (flats in 社区,
door numbers in 村). Every person has a valid GB 11643 number under the demo county 990101
(unique, check character computed), a name drawn from the seed, pinyin, a phone for most
adults, and a 户籍 card — or a 流动 card for households renting in the grid. Special
populations get the attributes their kind declares (`pingan.registry.kinds`, validated with
`clean_attributes` like `card_open` does), a risk level, and visits from their opening
date by the visit rules, recorded by the grid's worker; about one in six has missed the
last visit, so it shows as overdue.

Written with the import's raw INSERT path (`pingan.registry.imports.services._insert`), so
ID numbers, phones, sensitive attributes and visit notes are encrypted by their fields and
the blind indexes and pinyin are the registry's own. Everything is generated from the seed
and the build date: the same seed on the same day gives the same rows. One `demo.people`
audit record states the counts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from pingan.accounts.models import Position
from pingan.audit.services import audit_log
from pingan.core.idnumber import check_character
from pingan.demo.layout import COUNTY
from pingan.demo.names import NamePool
from pingan.regions.models import Region, RegionLevel
from pingan.registry.attributes import clean_attributes
from pingan.registry.codes import code_labels
from pingan.registry.imports.services import CARD_COLUMNS, PERSON_COLUMNS, _insert, _Names
from pingan.registry.keys import id_keys, phone_hash
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.models import Card, CardStatus, House, Person, Visit
from pingan.registry.rules import interval_for

DEMO_ROOT = COUNTY[0][:2]
ID_PREFIX = COUNTY[0]  # 990101: every demo ID number is registered in the demo county
SPECIAL_SHARE = 0.03  # of all residents, spread over the five special-population kinds
YOUTH_SHARE = 0.003  # 重点青少年, on top
OVERDUE_SHARE = 0.16  # special cards whose last due visit was missed
HISTORY_DAYS = 180  # visits are recorded for the last six months
# The county size asks for 500,000 residents; with 300,000 the whole county build took
# 335 s here (on a busy machine), so the people are capped to keep `pingan demo --size
# county` nearer three minutes.
MAX_PEOPLE = 150_000
SPECIAL_KINDS = {  # kind: share of the special population
    CardKind.RELEASED_PRISONER: 0.30,
    CardKind.COMMUNITY_CORRECTION: 0.15,
    CardKind.MENTAL_DISORDER: 0.25,
    CardKind.DRUG_USER: 0.20,
    CardKind.AIDS_RISK: 0.10,
}
RISK_WEIGHTS = {1: 0.6, 2: 0.3, 3: 0.1, 0: 0.4, 4: 0.04, 5: 0.03}
HOUSEHOLD_SIZES = ((1, 0.15), (2, 0.28), (3, 0.27), (4, 0.18), (5, 0.12))
ETHNIC_MINORITIES = ("03", "06", "07", "09", "12", "14")  # 回 苗 彝 布依 侗 白
CRIMES = ("盗窃罪", "诈骗罪", "故意伤害罪", "寻衅滋事罪", "危险驾驶罪", "抢劫罪", "开设赌场罪")
PRISONS = ("省第一监狱", "省第三监狱", "市监狱", "省女子监狱")
VISIT_NOTES = (
    "本人在家，情绪稳定，生活正常。",
    "与家属交谈，近期无异常情况。",
    "了解近期就业和生活情况，已告知有事及时联系网格员。",
    "本人外出务工，电话联系正常。",
    "家属反映近期作息规律，按时服药。",
)
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


@dataclass
class _Resident:
    index: int  # insertion order: the person's id order
    name: str
    sex: str
    birth: dt.date
    number: str
    phone: str
    ethnicity: str
    grid: str
    house: int  # index into the house list
    address: str
    floating: bool
    relation: str
    householder: _Resident | None = None
    house_no: str = ""
    cards: list = field(default_factory=list)


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class _Generator:
    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(f"pingan-demo-people-{seed}")  # noqa: S311 - not secret
        self.names = NamePool(seed + 1)
        self.today = today
        self.used: set[str] = set()

    def birth(self, age: int) -> dt.date:
        age = max(0, min(age, 95))
        return self.today - dt.timedelta(days=age * 365 + self.rng.randrange(365))

    def number(self, birth: dt.date, sex: str) -> str:
        while True:  # unique: at most 500 numbers per birth date and sex
            serial = self.rng.randrange(500) * 2 + (1 if sex == "1" else 0)
            first17 = f"{ID_PREFIX}{birth:%Y%m%d}{serial:03d}"
            number = first17 + check_character(first17)
            if number not in self.used:
                self.used.add(number)
                return number

    def phone(self, age: int) -> str:
        if age < 16 or self.rng.random() < 0.08:
            return ""
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def household(self, size: int) -> list[tuple[str, int, str, str]]:
        """(name, age, sex, relation code) per member, householder first."""
        surname = self.names.person()[0]
        head_age = self.rng.randint(24, 80)
        head_sex = "1" if self.rng.random() < 0.7 else "2"
        members = [(surname + self.names.person()[1:], head_age, head_sex, "01")]
        if size >= 2:
            spouse_sex = "2" if head_sex == "1" else "1"
            members.append(
                (self.names.person(), head_age + self.rng.randint(-5, 5), spouse_sex, "10")
            )
        for _n in range(2, min(size, 4)):
            sex = self.rng.choice("12")
            age = max(0, head_age - self.rng.randint(22, 35))
            members.append(
                (surname + self.names.person()[1:], age, sex, "20" if sex == "1" else "30")
            )
        if size == 5:
            sex = self.rng.choice("12")
            members.append(
                (surname + self.names.person()[1:], head_age + self.rng.randint(22, 30), sex, "50")
            )
        return members


def _grids() -> dict[str, list[Region]]:
    """{village code: its grids}, with the villages' names for addresses."""
    by_village: dict[str, list[Region]] = {}
    grids = Region.objects.filter(code__startswith=DEMO_ROOT, level=RegionLevel.GRID)
    for grid in grids.order_by("code"):
        by_village.setdefault(grid.code[:12], []).append(grid)
    return by_village


def _point(rng: random.Random, grid: Region) -> tuple[float | None, float | None]:
    if grid.centroid_lng is None:
        return None, None
    # Near the grid's centroid (about 150 m): inside all but the thinnest grids.
    return (
        round(grid.centroid_lng + rng.uniform(-0.0015, 0.0015), 6),
        round(grid.centroid_lat + rng.uniform(-0.0015, 0.0015), 6),
    )


def _plan_residents(
    gen: _Generator, residents_by_village: dict[str, int]
) -> tuple[list[tuple], list[_Resident]]:
    rng = gen.rng
    names = dict(Region.objects.filter(code__in=residents_by_village).values_list("code", "name"))
    grids = _grids()
    houses: list[tuple] = []
    people: list[_Resident] = []
    sizes, weights = zip(*HOUSEHOLD_SIZES, strict=True)
    for village, residents in sorted(residents_by_village.items()):
        village_grids = grids.get(village)
        if not village_grids:
            continue
        urban = village[9:12] < "200"  # 社区 001–199, 村 200–399
        left, number = residents, 0
        while left > 0:
            size = min(left, rng.choices(sizes, weights)[0])
            left -= size
            number += 1
            grid = village_grids[number % len(village_grids)]
            if urban:
                address = (
                    f"{names[village]}{number // 60 + 1}栋{number % 60 // 20 + 1}单元"
                    f"{number % 20 // 4 + 1}0{number % 4 + 1}室"
                )
            else:
                address = f"{names[village]}{number // 40 + 1}组{number % 40 + 1}号"
            floating = rng.random() < (0.25 if urban else 0.06)
            houses.append((address, grid.code, floating, *_point(rng, grid)))
            ethnicity = "01" if rng.random() < 0.88 else rng.choice(ETHNIC_MINORITIES)
            head = None
            for name, age, sex, relation in gen.household(size):
                birth = gen.birth(age)
                person = _Resident(
                    index=len(people),
                    name=name,
                    sex=sex,
                    birth=birth,
                    number=gen.number(birth, sex),
                    phone=gen.phone(_age(birth, gen.today)),
                    ethnicity=ethnicity,
                    grid=grid.code,
                    house=len(houses) - 1,
                    address=address,
                    floating=floating,
                    relation=relation,
                    householder=head,
                    house_no=f"{village}{number:04d}",
                )
                head = head or person
                people.append(person)
    return houses, people


def _person_row(person: _Resident, names: _Names, house_id: int, now: dt.datetime) -> tuple:
    full, initials = names(person.name)
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


def _base_card(gen: _Generator, person: _Resident) -> tuple[str, dict, dt.date]:
    rng, today = gen.rng, gen.today
    if person.floating:
        registered = today - dt.timedelta(days=rng.randint(30, 900))
        attributes = {
            "inflow_reason": rng.choice(("01", "01", "01", "02", "04", "05", "06")),
            "certificate_type": rng.choice(("01", "01", "03")),
            "registered_on": registered.isoformat(),
            "certificate_expires": (registered + dt.timedelta(days=365)).isoformat(),
            "residence_type": "01",
        }
        return CardKind.FLOATING, attributes, registered
    head = person.householder or person
    attributes = {
        "person_household_match": rng.random() < 0.93,
        "household_number": head.house_no,
        "householder_name": head.name,
        "relation_to_householder": person.relation,
    }
    return CardKind.HOUSEHOLD, attributes, today - dt.timedelta(days=rng.randint(400, 1500))


def _special_attributes(gen: _Generator, kind: str, person: _Resident, opened: dt.date) -> dict:
    rng = gen.rng

    def before(days_low: int, days_high: int) -> str:
        return (opened - dt.timedelta(days=rng.randint(days_low, days_high))).isoformat()

    if kind == CardKind.RELEASED_PRISONER:
        release = opened - dt.timedelta(days=rng.randint(0, 60))
        return {
            "original_crime": rng.choice(CRIMES),
            "sentence": f"有期徒刑{rng.randint(1, 8)}年",
            "prison": rng.choice(PRISONS),
            "release_date": release.isoformat(),
            "assistance_end": release.replace(
                year=release.year + 5, day=min(release.day, 28)
            ).isoformat(),
            "recidivist": rng.random() < 0.1,
            "handover_date": (release + dt.timedelta(days=rng.randint(0, 15))).isoformat(),
            "handover_status": "01",
            "placement_status": rng.choice(("01", "01", "02")),
            "reoffended": False,
        }
    if kind == CardKind.COMMUNITY_CORRECTION:
        return {
            "correction_number": f"SQJZ{opened:%Y}{rng.randrange(10**6):06d}",
            "correction_type": rng.choice(("02", "02", "02", "03", "04", "01")),
            "crime": rng.choice(CRIMES),
            "sentence": f"有期徒刑{rng.randint(1, 3)}年，缓刑{rng.randint(1, 4)}年",
            "correction_start": opened.isoformat(),
            "correction_end": (opened + dt.timedelta(days=rng.randint(365, 1460))).isoformat(),
            "four_histories": ["05"],
            "correction_group": ["01", "04", "07"],
            "supervision_status": "01",
        }
    if kind == CardKind.MENTAL_DISORDER:
        guardian = person.householder if person.householder else None
        values = {
            "diagnosis": rng.choice(("01", "01", "01", "02", "03", "04", "05", "06")),
            "first_onset_date": before(400, 7000),
            "incident_history": False,
            "treatment_status": rng.choice(("02", "03", "03", "04")),
            "hospital_name": "县人民医院精神科",
            "low_income": rng.random() < 0.4,
            "assistance": ["01"],
        }
        if guardian:
            values.update(guardian_name=guardian.name, guardian_phone=guardian.phone)
        return values
    if kind == CardKind.DRUG_USER:
        return {
            "first_found_date": before(200, 3000),
            "control_status": rng.choice(("01", "02", "02", "05")),
            "controller_name": gen.names.person(),
            "criminal_record": rng.random() < 0.3,
        }
    if kind == CardKind.AIDS_RISK:
        return {
            "infection_route": rng.choice(("01", "01", "02", "99")),
            "criminal_record": False,
            "treatment_status": "定期随访，规范治疗",
            "treatment_org": "县疾病预防控制中心",
        }
    head = person.householder or person
    return {  # key_youth
        "youth_types": [rng.choice(("01", "02", "05"))],
        "family_situation": "父母外出务工，随祖父母生活" if rng.random() < 0.5 else "单亲家庭",
        "guardian_name": head.name,
        "guardian_relation": "父母" if person.relation in ("20", "30") else "其他",
        "offences": False,
        "assistance_method": "结对帮扶",
    }


def _risk(gen: _Generator, kind: str) -> int | None:
    levels = SPECS[kind].risk_levels
    if levels is None:
        return None
    keys = list(levels)
    return gen.rng.choices(keys, [RISK_WEIGHTS.get(k, 0.05) for k in keys])[0]


@dataclass
class _Special:
    person: _Resident
    kind: str
    level: int | None
    opened: dt.date
    attributes: dict
    visits: list = field(default_factory=list)  # (time, level before, level after, next)
    next_visit: dt.date | None = None
    last_at: dt.datetime | None = None


def _pick_specials(gen: _Generator, people: list[_Resident]) -> list[_Special]:
    """SPECIAL_SHARE of the residents (adults) spread over the five kinds by their shares,
    plus YOUTH_SHARE 重点青少年 aged 12–22."""
    rng, today = gen.rng, gen.today
    adults = [p for p in people if _age(p.birth, today) >= 20]
    youths = [p for p in people if 12 <= _age(p.birth, today) <= 22]
    total = min(round(len(people) * SPECIAL_SHARE), len(adults))
    kinds: list[str] = []
    for kind, share in SPECIAL_KINDS.items():
        kinds += [kind] * round(total * share)
    kinds = (kinds + [CardKind.RELEASED_PRISONER] * total)[:total]
    chosen = rng.sample(adults, total)
    youth_count = min(round(len(people) * YOUTH_SHARE), len(youths))
    chosen += rng.sample(youths, youth_count)
    kinds += [CardKind.KEY_YOUTH] * youth_count
    valid = code_labels(
        {f.code_table for s in SPECS.values() for f in s.fields if f.code_table}, active_only=True
    )
    specials = []
    for person, kind in sorted(zip(chosen, kinds, strict=True), key=lambda pair: pair[0].index):
        opened = today - dt.timedelta(days=rng.randint(20, 720))
        values, errors = clean_attributes(
            SPECS[kind], _special_attributes(gen, kind, person, opened), valid
        )
        if errors:  # a generator bug, not bad input: stop the build loudly
            raise ValueError(f"demo {kind} attributes invalid: {errors}")
        specials.append(_Special(person, kind, _risk(gen, kind), opened, values))
    return specials


def _schedule_visits(gen: _Generator, special: _Special, intervals: dict) -> None:
    """Visits at each due date (give or take a few days) from the opening date, recorded for
    the last HISTORY_DAYS; an overdue card misses its last due visit."""
    rng, today = gen.rng, gen.today
    spec = SPECS[special.kind]

    def interval(level: int | None) -> int | None:
        key = (special.kind, level)
        if key not in intervals:
            intervals[key] = interval_for(special.kind, level)
        return intervals[key]

    level = special.level
    days = interval(level)
    if not days:
        return
    due = special.opened + dt.timedelta(days=days)
    visits = []
    while due <= today:
        day = min(today, max(special.opened, due + dt.timedelta(days=rng.randint(-3, 2))))
        after = level
        if spec.risk_levels and rng.random() < 0.1:
            keys = sorted(spec.risk_levels)
            after = keys[max(0, min(len(keys) - 1, keys.index(level) + rng.choice((-1, 1))))]
        nxt = day + dt.timedelta(days=interval(after) or days)
        visits.append((_visit_time(rng, day), level, after, nxt))
        level, due = after, nxt
    if rng.random() < OVERDUE_SHARE:
        while visits and visits[-1][3] >= today:  # the last due date passed unvisited
            visits.pop()
    window = today - dt.timedelta(days=HISTORY_DAYS)
    special.visits = [v for v in visits if timezone.localtime(v[0]).date() >= window]
    if visits:
        special.last_at, special.level, special.next_visit = visits[-1][0], *visits[-1][2:]
    else:
        special.next_visit = special.opened + dt.timedelta(days=days)


def _workers() -> dict[str, tuple[int, int]]:
    """{region code: (user id, position id)} of the demo grid workers and village staff."""
    rows = Position.objects.filter(region__code__startswith=DEMO_ROOT).order_by("region_id", "pk")
    workers: dict[str, tuple[int, int]] = {}
    for region, user, position in rows.values_list("region_id", "user_id", "pk"):
        workers.setdefault(region, (user, position))
    return workers


def _worker_for(workers: dict, grid: str) -> tuple[int, int] | tuple[None, None]:
    for length in (15, 12, 9, 6):
        if grid[:length] in workers:
            return workers[grid[:length]]
    return None, None


def _visit_time(rng: random.Random, day: dt.date) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))))
    # A visit "today" has happened by now (the services refuse visits in the future).
    return min(timezone.make_aware(moment), timezone.now().replace(microsecond=0))


def _write(gen: _Generator, houses: list[tuple], people: list[_Resident], specials) -> int:
    """Insert houses, people, cards and visits; returns the number of visits."""
    rng, now = gen.rng, timezone.now()
    _insert(House, HOUSE_COLUMNS, [(*house, now, now, 1) for house in houses])
    house_ids = {
        (region, address): pk
        for region, address, pk in House.objects.filter(
            region_code__startswith=DEMO_ROOT
        ).values_list("region_code", "address", "pk")
    }
    names = _Names()
    rows = [
        _person_row(p, names, house_ids[(houses[p.house][1], houses[p.house][0])], now)
        for p in people
    ]
    _insert(Person, (*PERSON_COLUMNS, "house"), rows)
    person_ids = dict(
        Person.objects.filter(region_code__startswith=DEMO_ROOT).values_list("id_hash", "pk")
    )
    ids = [person_ids[row[7]] for row in rows]
    # Owners: the householder (first occupant) of every house that is not rented out.
    # MIN() rather than ORDER BY pk LIMIT 1: PostgreSQL would walk the primary key for each
    # house instead of using the house index (minutes instead of milliseconds).
    first = (
        Person.objects.filter(house=OuterRef("pk"))
        .values("house")
        .annotate(first_pk=Min("pk"))
        .values("first_pk")
    )
    House.objects.filter(region_code__startswith=DEMO_ROOT, is_rental=False).update(
        owner=Subquery(first)
    )
    workers = _workers()
    columns = (*CARD_COLUMNS, "last_visit_at", "responsible")
    cards = []
    for person in people:
        kind, attributes, opened = _base_card(gen, person)
        cards.append(
            (
                ids[person.index],
                kind,
                person.grid,
                CardStatus.ACTIVE,
                None,
                "",
                attributes,
                "",
                opened,
                None,
                "",
                now,
                now,
                1,
                None,
                None,
            )
        )
    for special in specials:
        card = Card(kind=special.kind)
        card.set_attribute_values(special.attributes)
        person = special.person
        cards.append(
            (
                ids[person.index],
                special.kind,
                person.grid,
                CardStatus.ACTIVE,
                special.level,
                "",
                card.attributes,
                card.attributes_secret,
                special.opened,
                special.next_visit,
                "",
                now,
                now,
                1,
                special.last_at,
                _worker_for(workers, person.grid)[0],
            )
        )
    _insert(Card, columns, cards)
    card_ids = {
        (person, kind): pk
        for person, kind, pk in Card.objects.filter(
            region_code__startswith=DEMO_ROOT, kind__in=[s.kind for s in specials]
        ).values_list("person_id", "kind", "pk")
    }
    visits = []
    for special in specials:
        person = special.person
        card_id = card_ids[(ids[person.index], special.kind)]
        user, position = _worker_for(workers, person.grid)
        if user is None:
            continue
        for at, before, after, nxt in special.visits:
            method = rng.choices(("01", "02", "04"), (0.7, 0.2, 0.1))[0]
            place = person.address if method == "01" else ""
            notes = rng.choice(VISIT_NOTES)
            visits.append(
                (
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
            )
    _insert(Visit, VISIT_COLUMNS, visits)
    return len(visits)


def reset_demo_people() -> int:
    """Delete the demo's people, houses, cards and visits (before the demo is rebuilt).

    Raw deletes limited to region 99: visits are history and cards are protected by them,
    and the collector would fetch hundreds of thousands of rows one batch at a time.
    Runs before the demo users are deleted (visits point at their visitors)."""
    cards = Card.objects.filter(region_code__startswith=DEMO_ROOT)
    Visit.objects.filter(card__region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    Card.helpers.through.objects.filter(card__region_code__startswith=DEMO_ROOT)._raw_delete(
        DEFAULT_DB_ALIAS
    )
    cards._raw_delete(DEFAULT_DB_ALIAS)
    House.objects.filter(region_code__startswith=DEMO_ROOT).update(owner=None)
    deleted = Person.objects.filter(region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    House.objects.filter(region_code__startswith=DEMO_ROOT)._raw_delete(DEFAULT_DB_ALIAS)
    return deleted or 0


def build_demo_people(
    *,
    seed: int,
    residents_by_village: dict[str, int],
    today: dt.date | None = None,
) -> dict[str, int]:
    """Generate the demo residents (inside the demo build's transaction, after the regions
    and accounts). Runs as the system: no permission check; one `demo.people` audit
    record with the counts. Returns {"people", "houses", "special_cards", "visits",
    "overdue_cards"}."""
    gen = _Generator(seed, today or timezone.localdate())
    total = sum(residents_by_village.values())
    if total > MAX_PEOPLE:
        residents_by_village = {
            code: n * MAX_PEOPLE // total for code, n in residents_by_village.items()
        }
    houses, people = _plan_residents(gen, residents_by_village)
    specials = _pick_specials(gen, people)
    intervals: dict = {}
    for special in specials:
        _schedule_visits(gen, special, intervals)
    visits = _write(gen, houses, people, specials)
    by_kind = Counter(str(s.kind) for s in specials)
    counts = {
        "people": len(people),
        "houses": len(houses),
        "floating": sum(p.floating for p in people),
        "special_cards": len(specials),
        "visits": visits,
        "overdue_cards": sum(
            1 for s in specials if s.next_visit is not None and s.next_visit < gen.today
        ),
    }
    audit_log(
        actor=None,
        username="pingan demo",
        action="demo.people",
        object_type="region",
        object_id=COUNTY[0],
        region_code=COUNTY[0],
        detail={"seed": seed, **counts, "by_kind": dict(sorted(by_kind.items()))},
    )
    return counts
