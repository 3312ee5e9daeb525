"""`registry_import`: check a spreadsheet of people + cards and, unless a dry run, write it.

Same invariants as `person_create` / `card_open` (encrypted ID number, phone and sensitive
attributes, blind indexes, pinyin, visit schedule), written in bulk inside one transaction:
all rows or none. Audited once, with counts.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.registry.imports.columns import columns_for
from pingan.registry.imports.reader import Table, UnreadableFileError, read_table
from pingan.registry.imports.validate import CREATE, MODES, SKIP, UPDATE, Plan, RowPlan, build_plan
from pingan.registry.keys import phone_hash
from pingan.registry.kinds import SPECS
from pingan.registry.models import Card, CardStatus, ImportStatus, Person, RegistryImport
from pingan.registry.pinyin import name_keys
from pingan.registry.rules import interval_for
from pingan.registry.services.common import require_registry_write

OBJECT_TYPE = "registry.import"
MAX_LISTED_ERRORS = 1000  # the JSON result lists this many; the .xlsx report has them all
MAX_BYTES = 50 * 1024 * 1024
BATCH = 2000


def _cell_text(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _report(table: Table, plan: Plan) -> str:
    rows = [
        [[_cell_text(v) for v in row.values], "；".join(f"{c}：{m}" for c, m in row.errors)]
        for row in plan.rows
    ]
    return json.dumps({"headers": table.headers, "rows": rows}, ensure_ascii=False)


def _result(plan: Plan) -> dict[str, Any]:
    errors = plan.errors
    return {
        "rows": len(plan.rows),
        "creates": plan.count(CREATE),
        "updates": plan.count(UPDATE),
        "skips": plan.count(SKIP),
        "error_rows": sum(1 for r in plan.rows if r.errors),
        "error_count": len(errors),
        "errors": errors[:MAX_LISTED_ERRORS],
    }


def _check_request(kind: str, mode: str, content: bytes) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in SPECS:
        errors["kind"] = [_("未知的人员类型。")]
    if mode not in MODES:
        errors["mode"] = [_("请选择已登记人员的处理方式：update（更新）或 skip（跳过）。")]
    if len(content) > MAX_BYTES:
        errors["file"] = [_("文件不能超过 50 MB，请拆分后导入。")]
    if errors:
        raise ValidationError(errors)


def registry_import(
    *,
    actor: Actor,
    kind: str,
    mode: str,
    filename: str,
    content: bytes,
    dry_run: bool = True,
) -> RegistryImport:
    """Import people with a card of `kind` from an .xlsx or UTF-8 CSV file.

    Permission: as `person_create` (`require_registry_write`); every row's grid must lie
    in the actor's scope. `mode` says what happens to people already registered (matched
    by the ID number's blind index): ``update`` corrects their base fields (non-empty
    cells only) and opens or updates their card of `kind`; ``skip`` leaves them alone. A
    person already registered in another grid is an error (moves are hand-overs).

    Returns the stored `RegistryImport` (status preview / failed / committed, `result`
    with counts and row errors). A file that cannot be read raises `ValidationError`
    ({"file": [Chinese message]}); row errors never raise. With row errors, or when
    `dry_run`, nothing is written but the job row. A commit writes everything in one
    transaction and one ``registry.import`` audit record with the counts.
    """
    require_registry_write(actor)
    _check_request(kind, mode, content)
    try:
        table = read_table(filename, content, columns_for(kind))
    except UnreadableFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    plan = build_plan(actor, kind, mode, table)
    job = RegistryImport(
        user=actor.user,
        position=actor.position,
        kind=kind,
        mode=mode,
        dry_run=dry_run,
        filename=(filename or "")[:200],
        result=_result(plan),
    )
    if plan.errors:
        job.status = ImportStatus.FAILED
        job.report = _report(table, plan)
        job.save()
        return job
    if dry_run:
        job.status = ImportStatus.PREVIEW
        job.save()
        return job
    try:
        with transaction.atomic():
            _write(actor, plan)
            job.status = ImportStatus.COMMITTED
            job.save()
            audit_log(
                actor=actor,
                action="registry.import",
                object_type=OBJECT_TYPE,
                object_id=str(job.pk),
                region_code=actor.scope_code or "",
                detail={
                    "kind": kind,
                    "mode": mode,
                    "rows": job.result["rows"],
                    "creates": job.result["creates"],
                    "updates": job.result["updates"],
                    "skips": job.result["skips"],
                },
            )
    except IntegrityError:
        # Someone registered one of these ID numbers (or opened one of these cards) while
        # we were checking: nothing was written; importing again will see them.
        job.pk = None
        job.status = ImportStatus.FAILED
        job.result = {
            **job.result,
            "errors": [
                {"row": 0, "column": "", "message": _("导入期间其他人登记了相同人员，请重新导入。")}
            ],
            "error_count": 1,
        }
        job.save()
    return job


class _Schedule:
    """Visit intervals per risk level, one query per level (not per row)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.cache: dict[int | None, int | None] = {}

    def next(self, level: int | None, since: date) -> date | None:
        if level not in self.cache:
            self.cache[level] = interval_for(self.kind, level)
        days = self.cache[level]
        return since + timedelta(days=days) if days else None


class _Names:
    """One pinyin computation per distinct name."""

    def __init__(self):
        self.cache: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str) -> tuple[str, str]:
        keys = self.cache.get(name)
        if keys is None:
            keys = self.cache[name] = name_keys(name)
        return keys


PERSON_COLUMNS = (
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "birth_date",
    "ethnicity",
    "id_number",
    "id_hash",
    "id_tail4_hash",
    "id_tail6_hash",
    "phone",
    "phone_hash",
    "address",
    "region_code",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)
CARD_COLUMNS = (
    "person",
    "kind",
    "region_code",
    "status",
    "risk_level",
    "attention",
    "attributes",
    "attributes_secret",
    "opened_on",
    "next_visit_on",
    "close_reason",
    "created_at",
    "updated_at",
    "version",
)


# Field classes whose values go to the database as they are (str / int / None).
_PLAIN_FIELDS = (
    models.CharField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.ForeignKey,
)


def _adapter(field: models.Field):
    if type(field) in _PLAIN_FIELDS:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _insert(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT many rows in batches (executemany on SQLite, multi-row INSERTs on
    PostgreSQL). Values of encrypted, JSON, date and time fields
    go through their field's `get_db_prep_save` (so encryption and adaptation are the
    ORM's own); plain text and integer columns are passed as they are. This skips building
    model instances and compiling one statement per batch, where the ORM's bulk_create
    spends most of a 100,000-row import."""
    fields = [model._meta.get_field(c) for c in columns]
    adapters = list(enumerate(_adapter(f) for f in fields))
    adapters = [(i, a) for i, a in adapters if a is not None]
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - names from model meta
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    placeholders = "({})".format(", ".join(["%s"] * len(fields)))

    def prepared(row: tuple) -> list:
        values = list(row)
        for index, adapt in adapters:
            values[index] = adapt(values[index])
        return values

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per 1,000 rows: PostgreSQL plans and executes each statement
            # of an executemany separately, which costs more than the rows themselves.
            per = min(1000, 60000 // len(fields))
            for start in range(0, len(rows), per):
                chunk = rows[start : start + per]
                params = [value for row in chunk for value in prepared(row)]
                cursor.execute(head + ", ".join([placeholders] * len(chunk)), params)
            return
        for start in range(0, len(rows), BATCH):
            batch = [prepared(row) for row in rows[start : start + BATCH]]
            cursor.executemany(head + placeholders, batch)


def _person_row(actor: Actor, row: RowPlan, names: _Names, now: datetime) -> tuple:
    data = row.person
    number = data["id_number"]
    full, initials = names(data["name"])
    return (
        data["name"],
        full,
        initials,
        # The number is normalised already: read sex and birth date off it directly.
        "1" if int(number[16]) % 2 else "2",
        date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        data.get("ethnicity", ""),
        number,
        data["id_hash"],
        data["id_tail4_hash"],
        data["id_tail6_hash"],
        data["phone"],
        phone_hash(data["phone"]),
        data["address"],
        data["region_code"],
        actor.user.pk,
        now,
        now,
        1,
    )


def _card_row(kind: str, person_id: int, region_code: str, row: RowPlan, schedule, now) -> tuple:
    card = Card(kind=kind)  # only to place the attributes in the column the kind uses
    card.set_attribute_values(row.card["attributes"])
    level, opened = row.card["risk_level"], row.card["opened_on"]
    return (
        person_id,
        kind,
        region_code,
        CardStatus.ACTIVE,
        level,
        row.card["attention"],
        card.attributes,
        card.attributes_secret,
        opened,
        schedule.next(level, opened),
        "",
        now,
        now,
        1,
    )


def _person_ids(hashes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        ids.update(Person.objects.filter(id_hash__in=chunk).values_list("id_hash", "pk"))
    return ids


def _write(actor: Actor, plan: Plan) -> None:
    kind = plan.kind
    names = _Names()
    schedule = _Schedule(kind)
    now = timezone.now()
    creates = [r for r in plan.rows if r.action == CREATE]
    updates = [r for r in plan.rows if r.action == UPDATE]
    _insert(Person, PERSON_COLUMNS, [_person_row(actor, r, names, now) for r in creates])
    ids = _person_ids([r.person["id_hash"] for r in creates])
    cards = [
        _card_row(kind, ids[r.person["id_hash"]], r.person["region_code"], r, schedule, now)
        for r in creates
    ]
    if updates:
        cards += _update(plan, updates, names, schedule, now)
    _insert(Card, CARD_COLUMNS, cards)


def _update(
    plan: Plan, rows: list[RowPlan], names: _Names, schedule: _Schedule, now: datetime
) -> list[tuple]:
    """Correct the registered people and their cards; the rows of new cards to insert."""
    stored = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[r.person_id for r in rows])
    }
    cards = {
        c.pk: c
        for c in Card.objects.select_for_update().filter(
            pk__in=[r.card_id for r in rows if r.card_id], status=CardStatus.ACTIVE
        )
    }
    changed_people, changed_cards, new_cards = [], [], []
    for row in rows:
        person = stored[row.person_id]
        if _correct_person(person, row.person, names):
            person.version += 1
            person.updated_at = now
            changed_people.append(person)
        card = cards.get(row.card_id) if row.card_id else None
        if row.card_id and card is None:  # closed since the check: let the commit fail
            raise IntegrityError("card closed during import")
        if card is None:
            new_cards.append(
                _card_row(plan.kind, person.pk, person.region_code, row, schedule, now)
            )
            continue
        if _correct_card(card, row.card):
            card.version += 1
            card.updated_at = now
            changed_cards.append(card)
    person_fields = ["name", "name_pinyin", "name_initials", "phone", "phone_hash", "address"]
    person_fields += ["ethnicity", "version", "updated_at"]
    Person.objects.bulk_update(changed_people, person_fields, batch_size=BATCH)
    card_fields = ["attributes", "attributes_secret", "attention", "version", "updated_at"]
    Card.objects.bulk_update(changed_cards, card_fields, batch_size=BATCH)
    return new_cards


def _correct_person(person: Person, data: dict[str, Any], names: _Names) -> bool:
    """Non-empty cells replace stored values (the ID number is the match key)."""
    changed = False
    if data["name"] and data["name"] != person.name:
        person.name = data["name"]
        person.name_pinyin, person.name_initials = names(data["name"])
        changed = True
    if data["phone"] and data["phone"] != person.phone:
        person.phone = data["phone"]
        person.phone_hash = phone_hash(data["phone"])
        changed = True
    for field in ("address", "ethnicity"):
        if data.get(field) and data[field] != getattr(person, field):
            setattr(person, field, data[field])
            changed = True
    return changed


def _correct_card(card: Card, data: dict[str, Any]) -> bool:
    changed = False
    if data["attributes"] != card.attribute_values():
        card.set_attribute_values(data["attributes"])
        changed = True
    if data["attention"] and data["attention"] != card.attention:
        card.attention = data["attention"]
        changed = True
    return changed
