"""Cards of the demo residents: the 户籍/流动 base card everyone has, the special populations
(~3 %, five kinds, plus 重点青少年) with their kind's attributes, and their visit histories.

Special populations are chosen batch by batch with running quotas (`Quotas`): after any
number of batches the counts are the rounded shares of everyone planned so far, so the
county ends with exactly round(people × share) of each, whatever the batch size.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from pingan.demo.people.plan import Generator, Resident, age_on
from pingan.registry.attributes import clean_attributes
from pingan.registry.codes import Labels, code_labels
from pingan.registry.kinds import SPECS, CardKind
from pingan.registry.rules import interval_for

SPECIAL_SHARE = 0.03  # of all residents, spread over the five special-population kinds
YOUTH_SHARE = 0.003  # 重点青少年, on top
OVERDUE_SHARE = 0.16  # special cards whose last due visit was missed
HISTORY_DAYS = 180  # visits are recorded for the last six months
SPECIAL_KINDS = {  # kind: share of the special population
    CardKind.RELEASED_PRISONER: 0.30,
    CardKind.COMMUNITY_CORRECTION: 0.15,
    CardKind.MENTAL_DISORDER: 0.25,
    CardKind.DRUG_USER: 0.20,
    CardKind.AIDS_RISK: 0.10,
}
RISK_WEIGHTS = {1: 0.6, 2: 0.3, 3: 0.1, 0: 0.4, 4: 0.04, 5: 0.03}
CRIMES = ("盗窃罪", "诈骗罪", "故意伤害罪", "寻衅滋事罪", "危险驾驶罪", "抢劫罪", "开设赌场罪")
PRISONS = ("省第一监狱", "省第三监狱", "市监狱", "省女子监狱")


@dataclass
class Special:
    person: Resident
    kind: str
    level: int | None
    opened: dt.date
    attributes: dict
    visits: list = field(default_factory=list)  # (time, level before, level after, next)
    next_visit: dt.date | None = None
    last_at: dt.datetime | None = None


def base_card(gen: Generator, person: Resident) -> tuple[str, dict, dt.date]:
    """(kind, attributes, opened on) of the person's 户籍 or 流动 card."""
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


def _special_attributes(gen: Generator, kind: str, person: Resident, opened: dt.date) -> dict:
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


def _risk(gen: Generator, kind: str) -> int | None:
    levels = SPECS[kind].risk_levels
    if levels is None:
        return None
    keys = list(levels)
    return gen.rng.choices(keys, [RISK_WEIGHTS.get(k, 0.05) for k in keys])[0]


class Quotas:
    """Running totals: how many special cards (of each kind) and 重点青少年 the next batch
    gets so that the county so far has its rounded shares."""

    def __init__(self):
        self.people = 0
        self.specials = 0
        self.youths = 0
        self.by_kind = dict.fromkeys(SPECIAL_KINDS, 0)

    def take(self, people: int) -> tuple[list[str], int]:
        """(kinds of this batch's special cards, number of 重点青少年) for `people` more."""
        self.people += people
        specials = round(self.people * SPECIAL_SHARE) - self.specials
        youths = round(self.people * YOUTH_SHARE) - self.youths
        self.specials += specials
        self.youths += youths
        kinds: list[str] = []
        for kind, share in SPECIAL_KINDS.items():
            due = round(self.specials * share) - self.by_kind[kind]
            kinds += [kind] * max(due, 0)
        kinds = (kinds + [CardKind.RELEASED_PRISONER] * specials)[:specials]
        for kind in kinds:
            self.by_kind[kind] += 1
        return kinds, youths


def code_values() -> Labels:
    """Active values of every code table a card kind uses (for `clean_attributes`)."""
    return code_labels(
        {f.code_table for s in SPECS.values() for f in s.fields if f.code_table}, active_only=True
    )


def pick_specials(
    gen: Generator, people: list[Resident], quotas: Quotas, valid: Labels
) -> list[Special]:
    """This batch's special populations: adults spread over the five kinds, plus 重点青少年
    aged 12–22, by the running quotas; attributes validated like `card_open` does."""
    rng, today = gen.rng, gen.today
    adults = [p for p in people if age_on(p.birth, today) >= 20]
    youths = [p for p in people if 12 <= age_on(p.birth, today) <= 22]
    kinds, youth_count = quotas.take(len(people))
    kinds = kinds[: len(adults)]
    chosen = rng.sample(adults, len(kinds))
    youth_count = min(youth_count, len(youths))
    chosen += rng.sample(youths, youth_count)
    kinds += [CardKind.KEY_YOUTH] * youth_count
    specials = []
    for person, kind in sorted(zip(chosen, kinds, strict=True), key=lambda pair: pair[0].index):
        opened = today - dt.timedelta(days=rng.randint(20, 720))
        values, errors = clean_attributes(
            SPECS[kind], _special_attributes(gen, kind, person, opened), valid
        )
        if errors:  # a generator bug, not bad input: stop the build loudly
            raise ValueError(f"demo {kind} attributes invalid: {errors}")
        specials.append(Special(person, kind, _risk(gen, kind), opened, values))
    return specials


def _visit_time(rng: random.Random, day: dt.date) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))))
    # A visit "today" has happened by now (the services refuse visits in the future).
    return min(timezone.make_aware(moment), timezone.now().replace(microsecond=0))


def schedule_visits(gen: Generator, special: Special, intervals: dict) -> None:
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
