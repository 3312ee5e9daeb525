"""Checking every row of an import against the same rules as the registry services.

A row is a person plus one card of the import's kind. Checks: name, ID number (GB 11643,
through `pingan.core.idnumber`), phone, ethnicity and other code-table values, dates,
risk level, the grid (exists, is a village/grid, lies in the actor's scope), sex and birth
date against the ID number, the kind's attribute rules (`attributes.clean_attributes`),
duplicates inside the file, and what to do with people already registered (`mode`).
Lookups are batched (one query per 1,000 ID hashes) so 100,000 rows check in seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, in_region_scope
from pingan.core.idnumber import Sex, birth_date_of, normalize_id_number, sex_of
from pingan.regions.models import Region
from pingan.registry.attributes import clean_attributes
from pingan.registry.codes import code_labels
from pingan.registry.imports.reader import Table
from pingan.registry.keys import id_keys, normalize_phone
from pingan.registry.kinds import FieldType, KindSpec, spec_for
from pingan.registry.models import Card, CardStatus, Person
from pingan.registry.services.cards import _kind_rules, _risk
from pingan.registry.services.common import PERSON_LEVELS

CREATE, UPDATE, SKIP = "create", "update", "skip"
MODES = (UPDATE, SKIP)
BATCH = 1000
_DATE_SEPARATORS = re.compile(r"[/.年月]")
SEX_WORDS = {"男": Sex.MALE, "女": Sex.FEMALE, "1": Sex.MALE, "2": Sex.FEMALE}


@dataclass
class RowPlan:
    number: int  # spreadsheet row number
    values: list[Any]  # the cells as read, for the error report
    action: str = CREATE
    person: dict[str, Any] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    person_id: int | None = None
    card_id: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column label, message)


@dataclass
class Plan:
    kind: str
    mode: str
    rows: list[RowPlan]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [
            {"row": r.number, "column": column, "message": message}
            for r in self.rows
            for column, message in r.errors
        ]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.errors)


def parse_date(value: Any) -> date:
    """A date cell: an Excel date, or text as 2026-01-05, 2026/1/5, 2026.1.5, 20260105,
    2026年1月5日. Raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().rstrip("日")
    if text.isdigit() and len(text) == 8:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    parts = _DATE_SEPARATORS.sub("-", text).split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


class _Context:
    """What every row needs, loaded once."""

    def __init__(self, actor: Actor, spec: KindSpec, table: Table):
        self.actor = actor
        self.spec = spec
        self.today = timezone.localdate()
        tables = {f.code_table for f in spec.fields if f.code_table} | {"ethnicity", "attention"}
        self.codes = code_labels(tables, active_only=True)
        self.by_label = {t: {v: k for k, v in c.items()} for t, c in self.codes.items()}
        position = {c.key: i for i, c in enumerate(table.columns) if c is not None}
        self.position = position
        self.labels = {c.key: c.label for c in table.columns if c is not None}
        self.attr_columns = [c for c in table.columns if c is not None and c.attr is not None]
        region_index = position.get("region_code")
        codes = (
            {str(v[region_index]).strip() for _n, v in table.rows}
            if region_index is not None
            else set()
        )
        wanted = sorted(c for c in codes if c)
        self.regions: dict[str, str] = {}
        for start in range(0, len(wanted), BATCH):  # bounded IN lists, whatever the file
            chunk = wanted[start : start + BATCH]
            self.regions.update(Region.objects.filter(code__in=chunk).values_list("code", "level"))

    def code(self, table: str, value: Any) -> str | None:
        text = str(value).strip()
        if text in self.codes.get(table, {}):
            return text
        return self.by_label.get(table, {}).get(text)


def _get(ctx: _Context, values: list[Any], key: str) -> Any:
    index = ctx.position.get(key)
    return "" if index is None else values[index]


def _identity(ctx: _Context, row: RowPlan) -> None:
    label = ctx.labels["id_number"]
    raw = _get(ctx, row.values, "id_number")
    try:
        number = normalize_id_number(raw, today=ctx.today)
    except ValidationError as exc:
        row.errors.extend((label, m) for m in exc.messages)
        return
    row.person["id_number"] = number
    row.person.update(id_keys(number))


def _region(ctx: _Context, row: RowPlan) -> None:
    label = ctx.labels["region_code"]
    code = str(_get(ctx, row.values, "region_code")).strip()
    level = ctx.regions.get(code)
    if not code:
        message = _("请填写所属网格编码。")
    elif level is None:
        message = _("区划/网格编码“%(code)s”不存在。") % {"code": code[:18]}
    elif level not in PERSON_LEVELS:
        message = _("请填写到村（社区）或网格一级的编码。")
    elif not in_region_scope(ctx.actor, code):
        message = _("网格“%(code)s”不在您的管辖范围内。") % {"code": code}
    else:
        row.person["region_code"] = code
        return
    row.errors.append((label, message))


def _base(ctx: _Context, row: RowPlan) -> None:
    errors = row.errors
    labels = ctx.labels
    name = " ".join(str(_get(ctx, row.values, "name")).split())
    if not name:
        errors.append((labels["name"], _("请填写姓名。")))
    elif len(name) > 50:
        errors.append((labels["name"], _("姓名不能超过 50 个字。")))
    row.person["name"] = name
    try:
        row.person["phone"] = normalize_phone(_get(ctx, row.values, "phone"))
    except ValidationError as exc:
        errors.extend((labels["phone"], m) for m in exc.messages)
    address = " ".join(str(_get(ctx, row.values, "address")).split())
    if len(address) > 200:
        errors.append((labels["address"], _("不能超过 %(n)d 个字。") % {"n": 200}))
    row.person["address"] = address
    ethnicity = _get(ctx, row.values, "ethnicity")
    if ethnicity != "":
        code = ctx.code("ethnicity", ethnicity)
        if code is None:
            errors.append(
                (
                    labels["ethnicity"],
                    _("“%(value)s”不是有效的民族。") % {"value": str(ethnicity)[:20]},
                )
            )
        row.person["ethnicity"] = code or ""
    _derived(ctx, row)


def _derived(ctx: _Context, row: RowPlan) -> None:
    number = row.person.get("id_number")
    if not number:
        return
    sex = str(_get(ctx, row.values, "sex")).strip()
    if sex and SEX_WORDS.get(sex) != sex_of(number):
        row.errors.append(
            (
                ctx.labels["sex"],
                _("性别与公民身份号码不一致：号码显示为“%(sex)s”。")
                % {"sex": Sex(sex_of(number)).label},
            )
        )
    birth = _get(ctx, row.values, "birth_date")
    if birth != "":
        try:
            wrong = parse_date(birth) != birth_date_of(number)
        except ValueError:
            row.errors.append((ctx.labels["birth_date"], _("日期格式应为 YYYY-MM-DD。")))
            return
        if wrong:
            row.errors.append(
                (
                    ctx.labels["birth_date"],
                    _("出生日期与公民身份号码不一致：号码显示为 %(date)s。")
                    % {"date": birth_date_of(number).isoformat()},
                )
            )


def _attributes(ctx: _Context, row: RowPlan) -> dict[str, Any]:
    """Cells of the kind's attributes, as `clean_attributes` takes them; unreadable dates
    become errors here (the cell may be an Excel date or text in several forms)."""
    data: dict[str, Any] = {}
    for column in ctx.attr_columns:
        value = row.values[ctx.position[column.key]]
        if value == "":
            continue
        attr = column.attr
        if attr.type == FieldType.DATE:
            try:
                value = parse_date(value).isoformat()
            except ValueError:
                row.errors.append((column.label, _("日期格式应为 YYYY-MM-DD。")))
                continue
        elif attr.type == FieldType.CODES:
            value = re.sub(r"[、,，;；]", "|", str(value))
        elif attr.type in (FieldType.TEXT, FieldType.CODE) and not isinstance(value, str):
            value = str(value)
        data[attr.name] = value
    return data


def _risk_cell(spec: KindSpec, value: Any) -> Any:
    """A level as typed: 3, "3", "3（高）" (our export) or the label alone ("高")."""
    if not isinstance(value, str) or not value:
        return value
    match = re.match(r"^(\d+)", value)
    if match:
        return match.group(1)
    by_label = {label: level for level, label in (spec.risk_levels or {}).items()}
    return by_label.get(value, value)


def _card(ctx: _Context, row: RowPlan, existing: dict[str, Any] | None) -> None:
    """The card part of the row. `existing`: the stored attributes of the person's active
    card of this kind (update mode): non-empty cells replace them, empty cells keep them."""
    spec, labels = ctx.spec, ctx.labels
    errors: dict[str, list[str]] = {}
    data = _attributes(ctx, row)
    merged = {**(existing or {}), **data}
    values, attr_errors = clean_attributes(spec, merged, ctx.codes)
    level = _risk(spec, _risk_cell(spec, _get(ctx, row.values, "risk_level")), errors)
    attention = _get(ctx, row.values, "attention")
    clean_attention = ""
    if attention != "":
        clean_attention = ctx.code("attention", attention) or ""
        if not clean_attention:
            errors["attention"] = [
                _("“%(value)s”不是有效的关注程度。") % {"value": str(attention)[:20]}
            ]
    opened = ctx.today
    raw_opened = _get(ctx, row.values, "opened_on")
    if raw_opened != "":
        try:
            opened = parse_date(raw_opened)
        except ValueError:
            errors["opened_on"] = [_("日期格式应为 YYYY-MM-DD。")]
        else:
            if opened > ctx.today:
                errors["opened_on"] = [_("列管日期不能晚于今天。")]
    number = row.person.get("id_number")
    if number and existing is None:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        _kind_rules(spec, SimpleNamespace(birth_date=birth), values, opened, errors)
    for name, messages in attr_errors.items():
        column = spec.field(name)
        label = column.label if column else name
        prefix = f"{label}："  # clean_attributes names the field; the column already does
        row.errors.extend((label, m.removeprefix(prefix)) for m in messages)
    for key, messages in errors.items():
        row.errors.extend((labels.get(key, spec.label), m) for m in messages)
    row.card = {
        "attributes": values,
        "risk_level": level,
        "attention": clean_attention,
        "opened_on": opened,
    }


def _existing(hashes: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        for row in Person.objects.filter(id_hash__in=chunk).values("pk", "id_hash", "region_code"):
            found[row["id_hash"]] = row
    return found


def _existing_cards(kind: str, person_ids: list[int]) -> dict[int, Card]:
    cards: dict[int, Card] = {}
    for start in range(0, len(person_ids), BATCH):
        chunk = person_ids[start : start + BATCH]
        for card in Card.objects.filter(person_id__in=chunk, kind=kind, status=CardStatus.ACTIVE):
            cards[card.person_id] = card
    return cards


def build_plan(actor: Actor, kind: str, mode: str, table: Table) -> Plan:
    """Check every row; nothing is written. Each row ends as create, update or skip, with
    its errors (column label, Chinese message)."""
    spec = spec_for(kind)
    ctx = _Context(actor, spec, table)
    rows = [RowPlan(number, values) for number, values in table.rows]
    first_row: dict[str, int] = {}
    for row in rows:
        _identity(ctx, row)
        digest = row.person.get("id_hash")
        if digest is None:
            continue
        if digest in first_row:
            row.errors.append(
                (
                    ctx.labels["id_number"],
                    _("与第 %(n)d 行的公民身份号码重复。") % {"n": first_row[digest]},
                )
            )
        else:
            first_row[digest] = row.number
    existing = _existing(list(first_row))
    cards = _existing_cards(kind, [p["pk"] for p in existing.values()]) if mode == UPDATE else {}
    for row in rows:
        known = existing.get(row.person.get("id_hash", ""))
        if known is not None and mode == SKIP:
            row.action = SKIP
            row.errors.clear()  # a skipped row is not imported, so its cells do not matter
            continue
        _region(ctx, row)
        _base(ctx, row)
        stored = None
        if known is not None:
            row.action = UPDATE
            row.person_id = known["pk"]
            _check_update(ctx, row, known)
            card = cards.get(known["pk"])
            if card is not None:
                stored = card.attribute_values()
                row.card_id = card.pk
        _card(ctx, row, stored)
    return Plan(kind=kind, mode=mode, rows=rows)


def _check_update(ctx: _Context, row: RowPlan, known: dict[str, Any]) -> None:
    label = ctx.labels["region_code"]
    if not in_region_scope(ctx.actor, known["region_code"]):
        row.errors.append(
            (ctx.labels["id_number"], _("该身份证号已在您的管辖范围以外登记，不能在此更新。"))
        )
    elif row.person.get("region_code") and row.person["region_code"] != known["region_code"]:
        row.errors.append(
            (
                label,
                _("该人员已登记在“%(code)s”，跨网格迁移请走转递流程，不能通过导入修改。")
                % {"code": known["region_code"]},
            )
        )
