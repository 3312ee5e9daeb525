"""Collision comparison (碰撞比对): which items of an outside list are people in the registry.

A list of ID numbers, phone numbers or name + birth date pairs is compared with the people
the actor may read (`selectors.visible_people`: region scope, department gates), never with
anyone else. ID numbers and phones are turned into their blind indexes in Python and looked
up in chunks (`…_hash IN (…)` on SQLite, `= ANY(array)` on PostgreSQL: index lookups;
measured in bench/collision.py against staging into a temporary table), so no plaintext is
compared in the database and nothing is decrypted. The output masks ID numbers and phones;
card kinds are only those the actor may see. Each comparison writes one
``registry.collision`` audit record; an .xlsx of the matches also writes ``registry.export``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.core.idnumber import normalize_id_number
from pingan.core.masking import mask_id_number, mask_name, mask_phone
from pingan.registry.exporting import EXPORT_ROLES
from pingan.registry.keys import id_hash, normalize_phone, phone_hash
from pingan.registry.kinds import CardKind
from pingan.registry.models import Person
from pingan.registry.selectors import person_fields_for, visible_cards, visible_people

KEYS = ("id_number", "phone", "name_birth")
# Translated where shown (`_(KEY_LABELS[key])`); gettext_noop lets makemessages find them.
KEY_LABELS = {
    "id_number": gettext_noop("公民身份号码"),
    "phone": gettext_noop("联系电话"),
    "name_birth": gettext_noop("姓名+出生日期"),
}
MAX_ITEMS = 200_000
CHUNK = 5_000  # below SQLite's 32,766 bound parameters
PG_CHUNK = 20_000  # hashes per `= ANY(array)` on PostgreSQL
MAX_ERRORS = 1_000  # invalid items listed in the answer; the count is always exact
_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")


@dataclass
class Collision:
    key: str
    items: int
    matches: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    invalid: int = 0


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _text(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()


def _parse_date(value: object) -> date:
    if isinstance(value, date):
        return value
    match = _DATE.match(_text(value).replace(" ", ""))
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise ValidationError(_("出生日期“%(value)s”无效，应为 1990-01-01 格式。") % {"value": value})


def _name_birth(item: object) -> tuple[str, date]:
    if isinstance(item, dict):
        name, born = item.get("name"), item.get("birth_date")
    elif isinstance(item, list | tuple):
        name, born = [*list(item), "", ""][:2]
    else:
        parts = re.split(r"[\s,，;；]+", _text(item), maxsplit=1)
        name, born = [*parts, ""][:2]
    name = re.sub(r"\s+", "", _text(name))
    if not name:
        raise ValidationError(_("请填写姓名。"))
    if not _text(born):
        raise ValidationError(_("请填写出生日期。"))
    return name, _parse_date(born)


def _prepare(key: str, items: list) -> tuple[dict, list[dict], int]:
    """Lookup value → [item indexes], and the invalid items (1-based `line`, message)."""
    wanted: dict[Any, list[int]] = {}
    errors: list[dict[str, Any]] = []
    invalid = 0
    today = timezone.localdate()  # once: per item it cost more than the check itself
    for index, item in enumerate(items):
        try:
            if key == "id_number":
                if isinstance(item, list | tuple):
                    item = item[0] if item else ""
                number = normalize_id_number(item, today=today)
                lookup: Any = (id_hash(number), mask_id_number(number))
            elif key == "phone":
                if isinstance(item, list | tuple):
                    item = item[0] if item else ""
                phone = normalize_phone(item)
                if not phone:
                    raise ValidationError(_("请填写联系电话。"))
                lookup = (phone_hash(phone), mask_phone(phone))
            else:
                lookup = _name_birth(item)
        except ValidationError as exc:
            invalid += 1
            if len(errors) < MAX_ERRORS:
                errors.append({"line": index + 1, "message": " ".join(exc.messages)})
            continue
        wanted.setdefault(lookup, []).append(index)
    return wanted, errors, invalid


def _check(actor: Actor, key: str, items: object) -> None:
    if key not in KEYS:
        raise ValidationError({"key": [_("比对依据应为 id_number、phone 或 name_birth 之一。")]})
    if not isinstance(items, list) or not items:
        raise ValidationError({"items": [_("请提供至少一条待比对的数据。")]})
    if len(items) > MAX_ITEMS:
        raise ValidationError(
            {"items": [_("一次最多比对 %(n)d 条，请分批提交。") % {"n": MAX_ITEMS}]}
        )
    fields = person_fields_for(actor)
    if key == "phone" and fields is not None and "phone" not in fields:
        raise ValidationError({"key": [_("本部门不能按联系电话比对。")]})


def _find(actor: Actor, key: str, wanted: dict) -> list[tuple[Any, int, str, str]]:
    """(lookup, person id, name, region code) of the people in scope matching `wanted`."""
    people = visible_people(actor).order_by()
    found: list[tuple[Any, int, str, str]] = []
    if key in ("id_number", "phone"):
        column = "id_hash" if key == "id_number" else "phone_hash"
        by_hash = {lookup[0]: lookup for lookup in wanted}
        postgres = connection.vendor == "postgresql"
        for chunk in _chunks(list(by_hash), PG_CHUNK if postgres else CHUNK):
            if postgres:
                # One array parameter instead of thousands of placeholders: psycopg spent
                # more time splitting the IN (…) statement than the server spent on it.
                table = connection.ops.quote_name(Person._meta.db_table)
                # Safe: table and column names are ours, the hashes travel as a parameter.
                sql = f"{table}.{column} = ANY(%s)"
                hit = RawSQL(sql, (chunk,), output_field=BooleanField())  # noqa: S611
                selected = people.alias(hit=hit).filter(hit=True)
            else:
                selected = people.filter(**{f"{column}__in": chunk})
            rows = selected.values_list(column, "id", "name", "region_code")
            found.extend((by_hash[h], pk, name, region) for h, pk, name, region in rows)
        return found
    pairs = list(wanted)
    for chunk in _chunks(pairs):
        names = {name for name, _born in chunk}
        births = {born for _name, born in chunk}
        rows = people.filter(name__in=names, birth_date__in=births).values_list(
            "name", "birth_date", "id", "region_code"
        )
        found.extend(
            ((name, born), pk, name, region)
            for name, born, pk, region in rows
            if (name, born) in wanted
        )
    return found


def _kinds_of(actor: Actor, person_ids: list[int]) -> dict[int, list[str]]:
    kinds: dict[int, set[str]] = {}
    cards = visible_cards(actor).order_by()
    for chunk in _chunks(person_ids):
        for person_id, kind in cards.filter(person_id__in=chunk).values_list("person_id", "kind"):
            kinds.setdefault(person_id, set()).add(kind)
    return {pk: sorted(values) for pk, values in kinds.items()}


def collide(*, actor: Actor, items: list, key: str) -> Collision:
    """Compare `items` (ID numbers, phone numbers, or name + birth date as a dict, a pair
    or "姓名 1990-01-01") with the people the actor may read.

    Permission: no role check beyond the registry's own scope: the result is limited to
    `visible_people` and `visible_cards` (empty for the three administrators); departments
    may not compare by phone unless a gate opens it. Bad parameters raise
    `ValidationError` (field errors); invalid items are reported per line, not raised.
    Side effect: one ``registry.collision`` audit record (key, item, match counts).
    Matches are ordered by item index; a person matched by two items is listed twice.
    """
    _check(actor, key, items)
    wanted, errors, invalid = _prepare(key, items)
    found = _find(actor, key, wanted)
    kinds = _kinds_of(actor, sorted({pk for _lookup, pk, _n, _r in found}))
    fields = person_fields_for(actor)
    show_name = fields is None or "name" in fields
    matches = []
    for lookup, pk, name, region in found:
        shown = {
            "person_id": pk,
            "name": name if show_name else mask_name(name),
            "region_code": region,
            "card_kinds": [
                {"kind": kind, "label": str(CardKind(kind).label)} for kind in kinds.get(pk, [])
            ],
        }
        if key == "id_number":
            shown["id_number"] = lookup[1]
        elif key == "phone":
            shown["phone"] = lookup[1]
        else:
            shown["birth_date"] = lookup[1].isoformat()
        for index in wanted[lookup]:
            matches.append({"index": index, "line": index + 1, **shown})
    matches.sort(key=lambda m: (m["index"], m["person_id"]))
    result = Collision(key=key, items=len(items), matches=matches, errors=errors, invalid=invalid)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="registry.collision",
            object_type="registry.collision",
            region_code=actor.scope_code or "",
            detail={
                "key": key,
                "items": result.items,
                "matches": len(matches),
                "invalid": invalid,
            },
        )
    return result


def collision_workbook(*, actor: Actor, result: Collision) -> bytes:
    """The .xlsx of a comparison's matches (masked as in `collide`), exporter and time in
    the first row.

    Permission: departments (their matches are already gated) and the roles that may export
    people (`exporting.EXPORT_ROLES`); anyone else gets `PermissionDenied` (audited).
    Side effect: one ``registry.export`` audit record.
    """
    if not actor.is_department and actor.role not in EXPORT_ROLES:
        audit_log(
            actor=actor,
            action="permission.denied",
            object_type="registry.export",
            outcome="denied",
            detail={"reason": "collision_export_role", "role": actor.role or ""},
        )
        raise PermissionDenied(_("当前岗位不能导出比对结果（乡镇、县级综治中心操作员可导出）。"))
    user = actor.user
    now = timezone.localtime()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("碰撞比对结果"))
    sheet.append(
        [
            _("导出人：%(name)s（%(username)s），%(role)s；导出时间：%(time)s")
            % {
                "name": user.full_name or user.username,
                "username": user.username,
                "role": Role(actor.role).label if actor.role else "",
                "time": now.strftime("%Y-%m-%d %H:%M:%S"),
            }
        ]
    )
    sheet.append(
        [
            _(
                "比对依据：%(key)s；比对 %(items)d 条，命中 %(matches)d 条，"
                "无效 %(invalid)d 条；已脱敏"
            )
            % {
                "key": _(KEY_LABELS[result.key]),
                "items": result.items,
                "matches": len(result.matches),
                "invalid": result.invalid,
            }
        ]
    )
    value_column = {"id_number": "id_number", "phone": "phone", "name_birth": "birth_date"}
    value_header = {
        "id_number": _("公民身份号码"),
        "phone": _("联系电话"),
        "name_birth": _("出生日期"),
    }[result.key]
    sheet.append([_("行号"), _("人员编号"), _("姓名"), value_header, _("所属网格"), _("人员类型")])
    for match in result.matches:
        sheet.append(
            [
                match["line"],
                match["person_id"],
                match["name"],
                match[value_column[result.key]],
                match["region_code"],
                "、".join(k["label"] for k in match["card_kinds"]),
            ]
        )
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="registry.export",
            object_type="registry.export",
            region_code=actor.scope_code or "",
            detail={"collision": True, "key": result.key, "rows": len(result.matches)},
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_items(filename: str, content: bytes, key: str) -> list:
    """Items of an uploaded single-column .xlsx/.csv (two columns, name and birth date, for
    `name_birth`). A first row that is not data (a header) is skipped. Raises
    `ValidationError` ({"file": …}) for an unreadable file."""
    from pingan.registry.imports.reader import (
        UnreadableFileError,
        _blank,
        _csv_rows,
        _format,
        _xlsx_rows,
    )

    try:
        kind = _format(filename, content)
        rows = _xlsx_rows(content) if kind == "xlsx" else _csv_rows(content)
        items: list = []
        for row in rows:
            if not row or _blank(row):
                continue
            items.append(row[:2] if key == "name_birth" else row[0])
            if len(items) > MAX_ITEMS + 1:
                break
    except UnreadableFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    if items and _looks_like_header(items[0], key):
        items = items[1:]
    return items


def _looks_like_header(first: object, key: str) -> bool:
    cell = first[1] if key == "name_birth" and isinstance(first, list) and len(first) > 1 else first
    text = _text(cell)
    return bool(text) and not any(ch.isdigit() for ch in text)


__all__ = ["KEYS", "MAX_ITEMS", "Collision", "collide", "collision_workbook", "read_items"]
