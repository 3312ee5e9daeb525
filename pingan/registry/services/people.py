"""Registering and correcting people (实有人口 base records)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.core.http import parse_int
from pingan.core.idnumber import Sex, birth_date_of, normalize_id_number, sex_of
from pingan.registry.codes import code_labels
from pingan.registry.keys import id_keys, normalize_phone, phone_hash
from pingan.registry.models import House, Person
from pingan.registry.pinyin import name_keys
from pingan.registry.selectors import visible_houses, visible_people
from pingan.registry.services.common import (
    ConflictError,
    check_region,
    require_in_scope,
    require_registry_write,
)

OBJECT_TYPE = "registry.person"
UPDATABLE = frozenset({"name", "id_number", "phone", "address", "ethnicity", "house_id"})


class DuplicatePersonError(ValidationError):
    """The ID number is registered already. `existing` is that person when the actor may
    see them, else None (the message is the same either way)."""

    def __init__(self, existing: Person | None):
        super().__init__({"id_number": [_("该身份证号已登记。")]}, code="duplicate")
        self.existing = existing


def _name(value: Any, errors: dict) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        errors["name"] = [_("请填写姓名。")]
    elif len(name) > 50:
        errors["name"] = [_("姓名不能超过 50 个字。")]
    return name


def _id_number(value: Any, errors: dict) -> str:
    try:
        return normalize_id_number(value)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
        return ""


def _phone(value: Any, errors: dict) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        errors["phone"] = exc.messages
        return ""


def _text(value: Any, field: str, limit: int, errors: dict) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        errors[field] = [_("不能超过 %(n)d 个字。") % {"n": limit}]
    return text


def _ethnicity(value: Any, errors: dict) -> str:
    code = str(value or "").strip()
    if not code:
        return ""
    table = code_labels(["ethnicity"], active_only=True).get("ethnicity", {})
    if code in table:
        return code
    by_label = {label: c for c, label in table.items()}
    if code in by_label:
        return by_label[code]
    errors["ethnicity"] = [_("“%(value)s”不是有效的民族代码。") % {"value": code[:20]}]
    return ""


def _check_derived(number: str, sex: Any, birth: Any, errors: dict) -> None:
    """Sex and birth date, when given, must agree with what the ID number encodes."""
    if not number:
        return
    if sex not in (None, "") and str(sex) != sex_of(number):
        errors["sex"] = [
            _("性别与公民身份号码不一致：号码显示为“%(sex)s”。")
            % {"sex": Sex(sex_of(number)).label}
        ]
    if birth not in (None, ""):
        wanted = birth if isinstance(birth, date) else None
        if wanted is None:
            try:
                wanted = date.fromisoformat(str(birth))
            except ValueError:
                errors["birth_date"] = [_("日期格式应为 YYYY-MM-DD。")]
                return
        if wanted != birth_date_of(number):
            errors["birth_date"] = [
                _("出生日期与公民身份号码不一致：号码显示为 %(date)s。")
                % {"date": birth_date_of(number).isoformat()}
            ]


def _house(actor: Actor, house_id: Any, errors: dict) -> House | None:
    if house_id in (None, ""):
        return None
    pk = parse_int(house_id)
    house = visible_houses(actor).filter(pk=pk).first() if pk is not None else None
    if house is None:
        errors["house_id"] = [_("房屋不存在或不在您的管辖范围内。")]
    return house


def _duplicate(
    actor: Actor, id_hash: str, exclude_pk: int | None = None
) -> DuplicatePersonError | None:
    existing = Person.objects.filter(id_hash=id_hash).exclude(pk=exclude_pk).first()
    if existing is None:
        return None
    visible = visible_people(actor).filter(pk=existing.pk).exists()
    return DuplicatePersonError(existing if visible else None)


def _set_identity(person: Person, number: str) -> None:
    person.id_number = number
    person.sex = sex_of(number)
    person.birth_date = birth_date_of(number)
    for column, value in id_keys(number).items():
        setattr(person, column, value)


def _set_name(person: Person, name: str) -> None:
    person.name = name
    person.name_pinyin, person.name_initials = name_keys(name)


def _set_phone(person: Person, phone: str) -> None:
    person.phone = phone
    person.phone_hash = phone_hash(phone)


def _save_unique(person: Person, actor: Actor, **kwargs: Any) -> None:
    """Save; a concurrent registration of the same ID number becomes `DuplicatePersonError`."""
    try:
        with transaction.atomic():
            person.save(**kwargs)
    except IntegrityError as exc:
        duplicate = _duplicate(actor, person.id_hash, exclude_pk=person.pk)
        if duplicate is None:
            raise
        raise duplicate from exc


def person_create(
    *,
    actor: Actor,
    name: str,
    id_number: str,
    region_code: str = "",
    phone: str = "",
    address: str = "",
    ethnicity: str = "",
    house_id: int | None = None,
    sex: str | None = None,
    birth_date: date | str | None = None,
) -> Person:
    """Register a person in the actor's region.

    Permission: region positions with a writing role (`require_registry_write`); the region
    (or the house's grid when only a house is given) must be a village/grid in scope. The ID
    number is validated (GB 11643) and stored as 18 characters; sex and birth date come from
    it (given values must agree). A registered ID number raises `DuplicatePersonError`, naming
    the existing person only when the actor may see them. All field errors are raised at
    once as `ValidationError`; nothing is saved then. Audited as ``registry.person.create``.
    """
    require_registry_write(actor)
    errors: dict[str, list[str]] = {}
    clean_name = _name(name, errors)
    number = _id_number(id_number, errors)
    clean_phone = _phone(phone, errors)
    clean_address = _text(address, "address", 200, errors)
    clean_ethnicity = _ethnicity(ethnicity, errors)
    house = _house(actor, house_id, errors)
    if house is not None and not region_code:
        region_code = house.region_code
    region = check_region(actor, region_code, errors)
    if house is not None and region is not None and house.region_code != region.code:
        errors["house_id"] = [_("所属房屋不在所选网格内。")]
    _check_derived(number, sex, birth_date, errors)
    if errors:
        raise ValidationError(errors)
    duplicate = _duplicate(actor, id_keys(number)["id_hash"])
    if duplicate is not None:
        raise duplicate
    person = Person(
        ethnicity=clean_ethnicity,
        address=clean_address or (house.address if house else ""),
        region_code=region.code,
        house=house,
        created_by=actor.user,
    )
    _set_name(person, clean_name)
    _set_identity(person, number)
    _set_phone(person, clean_phone)
    with transaction.atomic():
        _save_unique(person, actor, force_insert=True)
        audit_log(
            actor=actor,
            action="registry.person.create",
            object_type=OBJECT_TYPE,
            object_id=str(person.pk),
            region_code=person.region_code,
        )
    return person


def person_update(*, actor: Actor, person: Person, version: int, changes: dict[str, Any]) -> Person:
    """Correct a person's base fields: name, ID number, phone, address, ethnicity, house.

    Permission as `person_create`, and the person must be in the actor's region (callers
    fetch it with `access_person`). `version` is the version the client read: a different
    current version raises `ConflictError` (HTTP 409) and nothing changes. Moving a person
    to another grid is a hand-over, not an edit, so `region_code` cannot change here; a new
    house must lie in the person's grid. Audited as ``registry.person.update`` with the
    names of the changed fields (never their values).
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    require_registry_write(actor)
    require_in_scope(actor, person, OBJECT_TYPE)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = _name(changes["name"], errors)
    if "id_number" in changes:
        clean["id_number"] = _id_number(changes["id_number"], errors)
    if "phone" in changes:
        clean["phone"] = _phone(changes["phone"], errors)
    if "address" in changes:
        clean["address"] = _text(changes["address"], "address", 200, errors)
    if "ethnicity" in changes:
        clean["ethnicity"] = _ethnicity(changes["ethnicity"], errors)
    if "house_id" in changes:
        clean["house"] = _house(actor, changes["house_id"], errors)
        if clean["house"] is not None and clean["house"].region_code != person.region_code:
            errors["house_id"] = [_("所属房屋不在该人员所在网格内。")]
    if errors:
        raise ValidationError(errors)
    if "id_number" in clean:
        duplicate = _duplicate(actor, id_keys(clean["id_number"])["id_hash"], person.pk)
        if duplicate is not None:
            raise duplicate
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        if current.version != version:
            raise ConflictError(_("该人员信息已被他人修改，请刷新后重试。"))
        changed = _apply(current, clean)
        if changed:
            current.version += 1
            _save_unique(current, actor)
            audit_log(
                actor=actor,
                action="registry.person.update",
                object_type=OBJECT_TYPE,
                object_id=str(current.pk),
                region_code=current.region_code,
                detail={"fields": sorted(changed)},
            )
    return current


def _apply(person: Person, clean: dict[str, Any]) -> set[str]:
    """Set the changed values on `person`; the names of the fields that really changed."""
    changed: set[str] = set()
    if "name" in clean and clean["name"] != person.name:
        _set_name(person, clean["name"])
        changed.add("name")
    if "id_number" in clean and clean["id_number"] != person.id_number:
        _set_identity(person, clean["id_number"])
        changed.add("id_number")
    if "phone" in clean and clean["phone"] != person.phone:
        _set_phone(person, clean["phone"])
        changed.add("phone")
    for field in ("address", "ethnicity"):
        if field in clean and clean[field] != getattr(person, field):
            setattr(person, field, clean[field])
            changed.add(field)
    if "house" in clean and clean["house"] != person.house:
        person.house = clean["house"]
        changed.add("house_id")
    return changed
