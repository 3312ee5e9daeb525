"""Exporting people (and their cards of one kind) to .xlsx: permission, masking, audit.

Who may export (decision recorded in docs/user/registry.md):
- town and county operators and the county commander, within their region;
- department handlers only a kind their gate opens (``kind`` is then required), and only
  the gate's fields;
- not grid workers or village staff (they work on screen, not with county-wide files),
  not leaders (they read aggregated statistics only), not the three administrators.

ID numbers, phones and masked attributes are masked, and of sensitive kinds only summary
attributes are exported, unless ``reveal`` is asked with a reason by an actor who may
reveal; a revealing export writes one ``sensitive.reveal`` record naming the fields and
the row count. Every export writes one ``registry.export`` record. The file names the
exporter and the time in its first rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from pingan.accounts import gates
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor, access_region
from pingan.audit.services import audit_log
from pingan.core.idnumber import Sex
from pingan.core.masking import mask_id_number, mask_phone
from pingan.core.reveal import MAX_REASON, NO_REVEAL_ROLES
from pingan.registry.attributes import display_attributes
from pingan.registry.imports.columns import card_columns, person_columns
from pingan.registry.kinds import SPECS, CardKind, FieldType
from pingan.registry.models import Card, CardStatus, Person
from pingan.registry.present import labels_for_display
from pingan.registry.selectors import gated_kinds, person_fields_for, visible_cards, visible_people

EXPORT_ROLES = frozenset({Role.TOWN_OPERATOR, Role.COUNTY_OPERATOR, Role.COUNTY_COMMANDER})
OBJECT_TYPE = "registry.export"
CHUNK = 2000


def _deny(actor: Actor, reason: str, message: str) -> PermissionDenied:
    audit_log(
        actor=actor,
        action="permission.denied",
        object_type=OBJECT_TYPE,
        outcome="denied",
        detail={"reason": reason, "role": actor.role or ""},
    )
    return PermissionDenied(message)


def _check(actor: Actor, kind: str, reveal: bool, reason: str) -> str:
    if kind and kind not in SPECS:
        raise ValidationError({"kind": [_("未知的人员类型。")]})
    if actor.is_department:
        if not kind:
            raise ValidationError({"kind": [_("职能部门导出须选择本部门可查阅的人员类型。")]})
        if kind not in gated_kinds(actor):
            raise _deny(actor, "export_gate", _("本部门不能查阅或导出该类人员。"))
    elif actor.role not in EXPORT_ROLES:
        raise _deny(
            actor, "export_role", _("当前岗位不能导出人员信息（乡镇、县级综治中心操作员可导出）。")
        )
    reason = " ".join(str(reason or "").split())
    if reveal:
        if not reason:
            raise ValidationError({"reason": [_("导出完整信息须填写原因。")]})
        if len(reason) > MAX_REASON:
            raise ValidationError({"reason": [_("原因不能超过 %(n)d 个字。") % {"n": MAX_REASON}]})
        if actor.role in NO_REVEAL_ROLES:
            raise _deny(actor, "export_reveal", _("您当前的岗位无权导出完整信息。"))
    return reason


class _Layout:
    """Which columns the actor gets, and how each cell is shown."""

    def __init__(self, actor: Actor, kind: str, reveal: bool):
        self.actor, self.kind, self.reveal = actor, kind, reveal
        self.labels = labels_for_display()
        allowed = person_fields_for(actor)  # None: every base field
        self.person = [c for c in person_columns() if allowed is None or c.key in allowed]
        self.spec = SPECS.get(kind)
        self.attrs: list[str] = []
        self.revealed: list[str] = []
        if self.spec is None:
            self.card_top: list[tuple[str, str]] = []
        else:
            self._card_columns()
        if reveal and not actor.is_department:
            self.revealed = [c.key for c in self.person if c.key in ("id_number", "phone")]
        self.revealed += [f"card.{name}" for name in self._revealed_attrs()]

    def _card_columns(self) -> None:
        spec = self.spec
        if self.actor.is_department:
            opened = set(gates.gated_fields(self.actor, spec.kind))
            names = [n for n in spec.names if n in opened]
            top = [k for k in ("risk_level", "attention", "opened_on") if k in opened]
        else:
            names = list(spec.names)
            if spec.sensitive and not self.reveal:
                names = [f.name for f in spec.fields if f.summary]
            top = ["risk_level", "attention", "opened_on"]
        if spec.risk_levels is None and "risk_level" in top:
            top.remove("risk_level")
        # The import template's Chinese headers, so an export can be imported back.
        titles = {c.key: c.label for c in card_columns(spec)}
        self.card_top = [(k, titles[k]) for k in top]
        self.attrs = names

    def _revealed_attrs(self) -> list[str]:
        """Attributes shown in full only because of the reveal."""
        if not self.reveal or self.spec is None:
            return []
        shown = []
        for name in self.attrs:
            field = self.spec.field(name)
            hidden_without = bool(field.mask) or (
                self.spec.sensitive and not field.summary and not self.actor.is_department
            )
            if hidden_without:
                shown.append(name)
        return shown

    def header(self) -> list[str]:
        titles = [c.label for c in self.person]
        titles += [title for _key, title in self.card_top]
        titles += [self.spec.field(n).label for n in self.attrs] if self.spec else []
        return titles

    def person_cells(self, person: Person) -> list[Any]:
        full = self.reveal and not self.actor.is_department
        values = {
            "name": person.name,
            "id_number": person.id_number if full else mask_id_number(person.id_number),
            "phone": person.phone if full else mask_phone(person.phone),
            "ethnicity": self.labels.get("ethnicity", {}).get(person.ethnicity, person.ethnicity),
            "address": person.address,
            "region_code": person.region_code,
            "sex": str(Sex(person.sex).label) if person.sex else "",
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        }
        return [values[c.key] for c in self.person]

    def card_cells(self, card: Card) -> list[Any]:
        spec = self.spec
        cells: list[Any] = []
        for key, _title in self.card_top:
            if key == "risk_level":
                level = card.risk_level
                label = (spec.risk_levels or {}).get(level, "") if level is not None else ""
                cells.append(
                    f"{level}（{label}）" if label else (level if level is not None else "")
                )
            elif key == "attention":
                cells.append(self.labels.get("attention", {}).get(card.attention, card.attention))
            else:
                cells.append(card.opened_on.isoformat())
        rows = display_attributes(
            spec,
            card.attribute_values(),
            self.labels,
            names=set(self.attrs),
            masked=not self.reveal,
        )
        by_name = {r["name"]: r for r in rows}
        for name in self.attrs:
            row = by_name.get(name)
            if row is None:
                cells.append("")
            elif spec.field(name).type in (FieldType.TEXT, FieldType.DATE, FieldType.INT):
                cells.append(row["value"])
            else:
                cells.append(row["display"])
        return cells


def _rows(actor: Actor, layout: _Layout, region: str) -> Iterator[list[Any]]:
    if layout.spec is None:
        people = visible_people(actor).filter(region_code__startswith=region)
        for person in people.order_by("region_code", "name_pinyin", "id").iterator(CHUNK):
            yield layout.person_cells(person)
        return
    cards = visible_cards(actor).filter(
        kind=layout.kind, status=CardStatus.ACTIVE, region_code__startswith=region
    )
    ordered = cards.select_related("person").order_by("region_code", "person__name_pinyin", "id")
    for card in ordered.iterator(CHUNK):
        yield layout.person_cells(card.person) + layout.card_cells(card)


def _unit(actor: Actor) -> str:
    return str(actor.position.unit_name) if actor.position else ""


def export_people(
    *, actor: Actor, kind: str = "", region: str = "", reveal: bool = False, reason: str = ""
) -> tuple[bytes, int]:
    """The .xlsx bytes and the row count of an export of people (with their active cards
    of `kind` when given) in `region` (default: the actor's whole scope).

    Permission: see the module docstring; denials are audited and raise
    `PermissionDenied`; a region outside the scope is `Http404` (audited). Bad parameters
    raise `ValidationError`. Audited as ``registry.export`` (and ``sensitive.reveal`` for
    a revealing export) before the bytes are returned.
    """
    reason = _check(actor, kind, reveal, reason)
    region_code = access_region(actor, region).code if region else (actor.scope_code or "")
    layout = _Layout(actor, kind, reveal)
    now = timezone.localtime()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("人员信息"))
    user = actor.user
    sheet.append([_("人员信息导出")])
    sheet.append(
        [
            _("导出人：%(name)s（%(username)s），%(role)s，%(unit)s")
            % {
                "name": user.full_name or user.username,
                "username": user.username,
                "role": Role(actor.role).label,
                "unit": _unit(actor),
            }
        ]
    )
    sheet.append([_("导出时间：%(time)s") % {"time": now.strftime("%Y-%m-%d %H:%M:%S")}])
    kind_label = str(CardKind(kind).label) if kind else _("全部人员")
    masking = _("完整信息（原因：%(reason)s）") % {"reason": reason} if reveal else _("已脱敏")
    sheet.append(
        [
            _("范围：%(region)s；类型：%(kind)s；%(masking)s")
            % {"region": region_code, "kind": kind_label, "masking": masking}
        ]
    )
    sheet.append([])
    sheet.append(layout.header())
    count = 0
    with transaction.atomic():
        for cells in _rows(actor, layout, region_code):
            sheet.append(cells)
            count += 1
        detail = {"kind": kind, "region": region_code, "rows": count, "reveal": reveal}
        audit_log(
            actor=actor,
            action="registry.export",
            object_type=OBJECT_TYPE,
            region_code=region_code,
            detail=detail,
        )
        if reveal and layout.revealed and count:
            audit_log(
                actor=actor,
                action="sensitive.reveal",
                object_type=OBJECT_TYPE,
                region_code=region_code,
                detail={
                    "fields": layout.revealed,
                    "reason": reason,
                    "rows": count,
                    "kind": kind,
                    "export": True,
                },
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
