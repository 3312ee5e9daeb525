"""Gates (闸门): declared rules "department type T may read record kind K (fields F) in its region".

A department position sees the cases it holds or held; registry data reaches it only through a
gate (DESIGN §4.2). Gates are data in code: the seed below carries the rules DESIGN names, and a
module may register more (or replace a seeded gate's field list) from its AppConfig.ready().
The region half of the rule ("in its region") is applied by `scope.scope_by_gate`.

Record kinds are plain strings so the accounts app does not import the registry app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pingan.accounts.scope import Actor


class RecordKind:
    """Registry record kinds that gates refer to (issue 5's registry uses these strings)."""

    MENTAL_DISORDER = "mental_disorder"  # 严重精神障碍患者 card
    COMMUNITY_CORRECTION = "community_correction"  # 社区矫正对象 card
    RELEASED_PRISONER = "released_prisoner"  # 刑满释放人员 (安置帮教) card
    DRUG_USER = "drug_user"  # 吸毒人员 card


class DepartmentTypeCode:
    """Department type codes (`regions.DepartmentType.code`) the seeded gates name."""

    WEIJIAN = "weijian"  # 卫健
    SIFA = "sifa"  # 司法
    GONGAN = "gongan"  # 公安


@dataclass(frozen=True)
class Gate:
    department_type: str
    record_kind: str
    fields: tuple[str, ...]


_GATES: dict[tuple[str, str], Gate] = {}


def register_gate(department_type: str, record_kind: str, fields: Iterable[str]) -> Gate:
    """Open `record_kind` (only `fields`) to departments of `department_type`.

    Registering the same (type, kind) again replaces the field list, so the module that owns a
    record kind can refine a seeded gate. An empty field list is refused: a gate that opens
    nothing is a mistake, and removing a gate is `unregister_gate`.
    """
    field_tuple = tuple(dict.fromkeys(fields))
    if not department_type or not record_kind:
        raise ValueError("gate needs a department type and a record kind")
    if not field_tuple:
        raise ValueError(f"gate {department_type}→{record_kind} opens no fields")
    gate = Gate(department_type, record_kind, field_tuple)
    _GATES[(department_type, record_kind)] = gate
    return gate


def unregister_gate(department_type: str, record_kind: str) -> None:
    _GATES.pop((department_type, record_kind), None)


def gate_for(department_type: str | None, record_kind: str) -> Gate | None:
    if not department_type:
        return None
    return _GATES.get((department_type, record_kind))


def all_gates() -> list[Gate]:
    return sorted(_GATES.values(), key=lambda g: (g.department_type, g.record_kind))


def gate_allows(actor: Actor, record_kind: str) -> bool:
    """True when the actor acts for a department whose type has a gate for `record_kind`.

    Region positions get False: they see registry rows by region scope, not through gates.
    """
    return gate_for(actor.department_type, record_kind) is not None


def gated_fields(actor: Actor, record_kind: str) -> tuple[str, ...]:
    """Fields of `record_kind` the actor's department may read; () when no gate opens it."""
    gate = gate_for(actor.department_type, record_kind)
    return gate.fields if gate else ()


# Person fields every gate shares: enough to identify and find the person, masked by the
# registry's serializers (the full ID number still needs an audited reveal).
_PERSON = ("person_name", "id_number_masked", "gender", "birth_date", "region_code", "address")

SEED_GATES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        DepartmentTypeCode.WEIJIAN,
        RecordKind.MENTAL_DISORDER,
        (
            *_PERSON,
            "diagnosis",
            "first_onset_date",
            "risk_level",
            "incident_history",
            "treatment_status",
            "hospital_name",
            "guardian_name",
            "guardian_phone",
            "assistance",
            "last_visit_at",
            "next_visit_at",
        ),
    ),
    (
        DepartmentTypeCode.SIFA,
        RecordKind.COMMUNITY_CORRECTION,
        (
            *_PERSON,
            "correction_number",
            "correction_type",
            "crime",
            "sentence",
            "correction_start",
            "correction_end",
            "correction_group",
            "supervision_status",
            "last_visit_at",
            "next_visit_at",
        ),
    ),
    (
        DepartmentTypeCode.SIFA,
        RecordKind.RELEASED_PRISONER,
        (
            *_PERSON,
            "original_crime",
            "sentence",
            "release_date",
            "risk_assessment",
            "handover_date",
            "handover_status",
            "placement_status",
            "assistance",
            "reoffended",
            "last_visit_at",
            "next_visit_at",
        ),
    ),
    (
        DepartmentTypeCode.GONGAN,
        RecordKind.DRUG_USER,
        (
            *_PERSON,
            "first_found_date",
            "control_status",
            "controller_name",
            "controller_phone",
            "assistance",
            "criminal_record",
            "last_visit_at",
            "next_visit_at",
        ),
    ),
)


def seed_gates() -> None:
    """(Re)register the DESIGN §4.2 gates. Runs at import, so they exist in every process."""
    for department_type, record_kind, fields in SEED_GATES:
        register_gate(department_type, record_kind, fields)


seed_gates()
