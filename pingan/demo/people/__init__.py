"""Demo people: the county's residents in their houses, with 户籍/流动 cards, ~3 % special
populations (five kinds) and some 重点青少年, each with months of visit history.

Residents follow `DemoBuild.residents_by_village` (the layout's split of the size's target,
500,000 for `--size county`): households of one to five people live in houses of their
village's grids (flats in 社区, door numbers in 村). Every person has a valid GB 11643
number under the demo county 990101 (unique, check character computed), a name drawn from
the seed, pinyin, a phone for most adults, and a 户籍 card — or a 流动 card for households
renting in the grid. Special populations get the attributes their kind declares
(`pingan.registry.kinds`, validated with `clean_attributes` like `card_open` does), a risk
level, and visits from their opening date by the visit rules, recorded by the grid's
worker; about one in six has missed the last visit, so it shows as overdue.

Villages are planned and written in batches of about 20,000 people (`build.BATCH_PEOPLE`),
streamed into the tables with COPY on PostgreSQL and executemany on SQLite
(`bulk.insert_rows`), so memory stays flat however large the county. Everything is
generated from the seed and the build date: the same seed on the same day gives the same
rows. One `demo.people` audit record states the counts.

Modules: `plan` (households, ID numbers), `specials` (cards, special populations, visit
histories), `write` (one batch into the tables), `bulk` (COPY / executemany), `build`.
"""

from pingan.demo.people.build import (
    BATCH_PEOPLE,
    MAX_PEOPLE,
    build_demo_people,
    reset_demo_people,
)
from pingan.demo.people.specials import SPECIAL_KINDS, SPECIAL_SHARE, YOUTH_SHARE

__all__ = [
    "BATCH_PEOPLE",
    "MAX_PEOPLE",
    "SPECIAL_KINDS",
    "SPECIAL_SHARE",
    "YOUTH_SHARE",
    "build_demo_people",
    "reset_demo_people",
]
