"""Planning residents: households of one to five in the houses of a village's grids, each
person with a unique, valid GB 11643 number under the demo county.

Villages are planned one batch at a time (`plan_villages`), so the build holds one batch
of people in memory, never the county. What must stay unique across batches — the ID
numbers — is remembered in a bitmap (`IdNumbers`, about 4.6 MB whatever the size).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from pingan.core.idnumber import check_character
from pingan.demo.layout import COUNTY
from pingan.demo.names import NamePool
from pingan.regions.models import Region

ID_PREFIX = COUNTY[0]  # 990101: every demo ID number is registered in the demo county
HOUSEHOLD_SIZES = ((1, 0.15), (2, 0.28), (3, 0.27), (4, 0.18), (5, 0.12))
ETHNIC_MINORITIES = ("03", "06", "07", "09", "12", "14")  # 回 苗 彝 布依 侗 白
MAX_AGE = 95
SERIALS = 1000  # the three-digit sequence code of an ID number


@dataclass
class Resident:
    index: int  # position in its batch: the order of insertion, hence of ids
    name: str
    sex: str
    birth: dt.date
    number: str
    phone: str
    ethnicity: str
    grid: str
    house: int  # index into the batch's house list
    address: str
    floating: bool
    relation: str
    householder: Resident | None = None
    house_no: str = ""


@dataclass
class Batch:
    """Villages planned together: their houses (address, grid, rented, lng, lat) and people."""

    grids: list[str]
    houses: list[tuple] = field(default_factory=list)
    people: list[Resident] = field(default_factory=list)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class IdNumbers:
    """Which (birth date, sequence code) pairs are taken: one bit each over the ~96 years
    of birth dates the generator uses, so uniqueness costs a fixed 4.6 MB, not a set that
    grows with the county."""

    def __init__(self, today: dt.date):
        self.first = today - dt.timedelta(days=(MAX_AGE + 5) * 366)
        days = (today - self.first).days + 1
        self.bits = bytearray((days * SERIALS + 7) // 8)

    def claim(self, birth: dt.date, serial: int) -> bool:
        """Take the pair; False when it was taken already."""
        slot = (birth - self.first).days * SERIALS + serial
        byte, bit = divmod(slot, 8)
        if self.bits[byte] >> bit & 1:
            return False
        self.bits[byte] |= 1 << bit
        return True


class Generator:
    """Every random choice of the people, from one seeded stream: the same seed on the same
    day gives the same residents, batch after batch."""

    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(f"pingan-demo-people-{seed}")  # noqa: S311 - not secret
        self.names = NamePool(seed + 1)
        self.today = today
        self.numbers = IdNumbers(today)

    def birth(self, age: int) -> dt.date:
        age = max(0, min(age, MAX_AGE))
        return self.today - dt.timedelta(days=age * 365 + self.rng.randrange(365))

    def number(self, birth: dt.date, sex: str) -> str:
        while True:  # unique: at most 500 numbers per birth date and sex
            serial = self.rng.randrange(500) * 2 + (1 if sex == "1" else 0)
            if self.numbers.claim(birth, serial):
                first17 = f"{ID_PREFIX}{birth:%Y%m%d}{serial:03d}"
                return first17 + check_character(first17)

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


def _point(rng: random.Random, grid: Region) -> tuple[float | None, float | None]:
    if grid.centroid_lng is None:
        return None, None
    # Near the grid's centroid (about 150 m): inside all but the thinnest grids.
    return (
        round(grid.centroid_lng + rng.uniform(-0.0015, 0.0015), 6),
        round(grid.centroid_lat + rng.uniform(-0.0015, 0.0015), 6),
    )


def _address(village_name: str, urban: bool, number: int) -> str:
    if urban:
        return (
            f"{village_name}{number // 60 + 1}栋{number % 60 // 20 + 1}单元"
            f"{number % 20 // 4 + 1}0{number % 4 + 1}室"
        )
    return f"{village_name}{number // 40 + 1}组{number % 40 + 1}号"


def plan_villages(
    gen: Generator,
    villages: list[tuple[str, str, int]],
    grids: dict[str, list[Region]],
) -> Batch:
    """Houses and residents of `villages` ((code, name, residents), in code order): every
    village gets exactly its residents, in households living in houses of its grids (flats
    in 社区, door numbers in 村); a quarter of 社区 households (6 % in 村) rent."""
    rng = gen.rng
    batch = Batch(grids=[g.code for code, _n, _r in villages for g in grids.get(code, ())])
    houses, people = batch.houses, batch.people
    sizes, weights = zip(*HOUSEHOLD_SIZES, strict=True)
    for village, village_name, residents in villages:
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
            address = _address(village_name, urban, number)
            floating = rng.random() < (0.25 if urban else 0.06)
            houses.append((address, grid.code, floating, *_point(rng, grid)))
            ethnicity = "01" if rng.random() < 0.88 else rng.choice(ETHNIC_MINORITIES)
            head = None
            for name, age, sex, relation in gen.household(size):
                birth = gen.birth(age)
                person = Resident(
                    index=len(people),
                    name=name,
                    sex=sex,
                    birth=birth,
                    number=gen.number(birth, sex),
                    phone=gen.phone(age_on(birth, gen.today)),
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
    return batch
