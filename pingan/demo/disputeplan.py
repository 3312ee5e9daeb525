"""Mediation in the demo disputes: attempts, the agreement and its 司法确认.

A dispute's script (`eventplan.plan_scripts`) is the event loop; this module adds what a
mediator does while the handling unit holds it, just before that unit feeds back (or, in a
village, handles it locally): 0–2 failed attempts, then a successful (or partly successful)
one and the written agreement — or, for about one dispute in six, only failed attempts and a
feedback that sends the parties to court. About a third of the agreements are later
confirmed by a court (司法确认), which the command unit records. The 司法确认 reminder is not
planned: `demo.disputesim` derives it from the agreement the way the hourly scan would.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache

from django.utils import timezone

from pingan.demo.names import NamePool

# Hours before the step: (low, high), drawn uniformly.
FIRST_ATTEMPT_GAP = (2, 72)
NEXT_ATTEMPT_GAP = (24, 168)
AGREEMENT_GAP = (0.5, 24)
CONFIRM_GAP = (72, 480)
SUCCESS_SHARE = 0.84
CONFIRM_SHARE = 0.35

FAILURE_NOTES = [
    "双方分歧较大，未能达成一致，约定择日再调。",
    "被申请人未到场，调解未能进行。",
    "双方对补偿金额争议较大，调解未果。",
]
SUCCESS_NOTES = [
    "经耐心疏导、释法说理，双方互谅互让，达成一致意见。",
    "调解员现场查看后组织双方协商，当场和解。",
]
PARTIAL_NOTES = ["双方就主要诉求达成一致，个别事项另行协商。"]
AGREEMENTS = [
    "双方自愿达成如下协议：{resp}于{days}日内向{app}支付补偿款{amount}元，"
    "双方今后不再就此事发生争执。",
    "双方同意以原有界址为界，{resp}于{days}日内拆除越界部分，费用自理。",
    "{resp}向{app}赔礼道歉并承担医疗费{amount}元，当场履行完毕。",
    "双方同意按村规民约处理，{resp}于{days}日内修复受损设施，{app}不再追究。",
]
# Mediators and courts work office hours: these steps are moved forward into them.
OFFICE_STEPS = frozenset({"mediation", "agreement", "agreement_confirm"})
OFFICE_START, OFFICE_END = 9, 17
RESOLVED = "经调解双方达成协议，纠纷已化解。"
UNRESOLVED = "经多次调解未能达成协议，已告知当事人可通过诉讼途径解决。"


@lru_cache(maxsize=512)
def mediator_for(unit: str) -> str:
    """The unit's usual mediator (the same person on every dispute of that unit)."""
    return NamePool(f"mediator-{unit}").person()


def organisation_for(unit: str, units, rng: random.Random) -> tuple[str, str]:
    """(method, organisation) for a mediation by `unit`."""
    position = units.positions[unit]
    if position.department_id:
        name = position.department.name
        if "法院" in name:
            return "judicial", name
        if "司法" in name:
            return "people", name.replace("司法所", "人民调解委员会")
        return "administrative", name
    name = units.names.get(unit, unit)
    if len(unit) == 9 and rng.random() < 0.3:
        return "administrative", f"{name}矛盾纠纷调处化解中心"
    return "people", f"{name}人民调解委员会"


def office_hours(at: dt.datetime, rng: random.Random) -> dt.datetime:
    """`at`, or the next moment in office hours (9:00–17:00 local) a little after it."""
    local = timezone.localtime(at)
    if OFFICE_START <= local.hour < OFFICE_END:
        return at
    day = local.date() if local.hour < OFFICE_START else local.date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(OFFICE_START), tzinfo=local.tzinfo)
    moved = start + dt.timedelta(minutes=rng.randint(0, 150), seconds=rng.randint(0, 59))
    return moved.astimezone(at.tzinfo)


def _gap(rng: random.Random, bounds: tuple[float, float], slow: float = 1.0) -> float:
    return rng.uniform(*bounds) * slow


def add_mediation(rng: random.Random, steps: list, command: str, units, step_cls) -> None:
    """Insert mediation steps before the handling unit's first feedback / local handling,
    and maybe a 司法确认 by `command` at the end. `steps` is changed in place."""
    index = next(
        (i for i, s in enumerate(steps) if s.action in ("feedback", "handle_locally")), None
    )
    if index is None:
        return
    handler = steps[index].unit
    method, organisation = organisation_for(handler, units, rng)
    mediator = mediator_for(handler)
    resolved = rng.random() < SUCCESS_SHARE
    failures = rng.choices([0, 1, 2], [60, 30, 10])[0]
    if not resolved:
        failures = max(failures, 1)
    params = {"method": method, "organisation": organisation, "mediator": mediator}
    added = []
    for n in range(failures):
        gap = _gap(rng, FIRST_ATTEMPT_GAP if n == 0 else NEXT_ATTEMPT_GAP)
        note = rng.choice(FAILURE_NOTES)
        added.append(step_cls("mediation", handler, gap, note, {**params, "result": "failure"}))
    if resolved:
        result = "partial" if rng.random() < 0.1 else "success"
        gap = _gap(rng, NEXT_ATTEMPT_GAP if failures else FIRST_ATTEMPT_GAP)
        note = rng.choice(PARTIAL_NOTES if result == "partial" else SUCCESS_NOTES)
        added.append(step_cls("mediation", handler, gap, note, {**params, "result": result}))
        content = rng.choice(AGREEMENTS)
        terms = {"days": rng.choice([3, 7, 10, 15]), "amount": rng.choice([500, 800, 1200, 2000])}
        # Party names are filled in by `name_parties` once the script has drawn them.
        note = content.replace("{days}", str(terms["days"])).replace(
            "{amount}", str(terms["amount"])
        )
        added.append(step_cls("agreement", handler, _gap(rng, AGREEMENT_GAP), note, {}))
    steps[index].note = RESOLVED if resolved else UNRESOLVED
    steps[index:index] = added
    if resolved and rng.random() < CONFIRM_SHARE:
        steps.append(step_cls("agreement_confirm", command, _gap(rng, CONFIRM_GAP), "", {}))


def name_parties(steps: list, parties: list[tuple[str, str]]) -> None:
    """Put the applicant's and respondent's names into the agreement text."""
    applicant = next((n for n, r in parties if r == "applicant"), "申请人")
    respondent = next((n for n, r in parties if r == "respondent"), "被申请人")
    for step in steps:
        if step.action == "agreement":
            step.note = step.note.replace("{app}", applicant).replace("{resp}", respondent)
