"""Opening, changing and closing typed cards (人员类型卡)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.models import User
from pingan.accounts.scope import Actor, scope_users
from pingan.audit.services import audit_log
from pingan.registry.attributes import clean_attributes
from pingan.registry.codes import code_labels
from pingan.registry.kinds import SPECS, CardKind, KindSpec
from pingan.registry.models import Card, CardStatus, Person
from pingan.registry.rules import next_visit_date
from pingan.registry.services.common import (
    ConflictError,
    require_in_scope,
    require_registry_write,
)

OBJECT_TYPE = "registry.card"
ASSISTANCE_YEARS = 5  # 帮教期: five years after release (REFERENCE §5.2)
YOUTH_AGES = (6, 25)  # 重点青少年 statistical caliber (REFERENCE §1.5)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _risk(spec: KindSpec, value: Any, errors: dict) -> int | None:
    if spec.risk_levels is None:
        if value not in (None, ""):
            errors["risk_level"] = [_("“%(kind)s”没有风险等级。") % {"kind": spec.label}]
        return None
    if value in (None, ""):
        errors["risk_level"] = [_("请填写%(label)s。") % {"label": spec.risk_title}]
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = -1
    if level not in spec.risk_levels:
        choices = "、".join(f"{k}（{v}）" for k, v in spec.risk_choices)
        errors["risk_level"] = [
            _("%(label)s只能是：%(choices)s。") % {"label": spec.risk_title, "choices": choices}
        ]
        return None
    return level


def _attention(value: Any, errors: dict) -> str:
    code = str(value or "").strip()
    if not code:
        return ""
    table = code_labels(["attention"], active_only=True).get("attention", {})
    by_label = {label: c for c, label in table.items()}
    if code in table or code in by_label:
        return by_label.get(code, code)
    errors["attention"] = [_("“%(value)s”不是有效的关注程度。") % {"value": code[:20]}]
    return ""


def _users(actor: Actor, ids: Any, field: str, errors: dict) -> list[User]:
    wanted = [i for i in (ids or []) if i not in (None, "")]
    if not wanted:
        return []
    if not all(str(i).isdigit() for i in wanted):
        errors[field] = [_("用户编号无效。")]
        return []
    found = list(scope_users(actor).filter(pk__in=[int(i) for i in wanted]))
    if len(found) != len({int(i) for i in wanted}):
        errors[field] = [_("所选人员不存在或不在您的管辖范围内。")]
    return found


def _responsible(actor: Actor, user_id: int | None, errors: dict) -> list[User]:
    return _users(actor, [user_id] if user_id else [], "responsible_id", errors)


def _kind_rules(spec: KindSpec, person: Person, values: dict, opened_on: date, errors: dict):
    """Checks and defaults that depend on the kind."""
    if spec.kind == CardKind.KEY_YOUTH:
        age = _age_on(person.birth_date, opened_on)
        low, high = YOUTH_AGES
        if not low <= age <= high:
            errors["kind"] = [
                _("重点青少年应为 %(low)d–%(high)d 周岁，该人员列管时为 %(age)d 周岁。")
                % {"low": low, "high": high, "age": age}
            ]
    if spec.kind == CardKind.RELEASED_PRISONER and "release_date" in values:
        release = date.fromisoformat(values["release_date"])
        values.setdefault("assistance_end", _add_years(release, ASSISTANCE_YEARS).isoformat())


def _prefixed(attr_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Attribute errors under dotted keys (`attributes.release_date`), so one flat
    ValidationError carries every problem; the API nests them again."""
    return {
        "attributes" if name == "non_field_errors" else f"attributes.{name}": messages
        for name, messages in attr_errors.items()
    }


def _already_open(spec: KindSpec) -> ValidationError:
    return ValidationError({"kind": [_("该人员已有在册的“%(kind)s”信息。") % {"kind": spec.label}]})


def _clean_date(value: Any, field: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("日期格式应为 YYYY-MM-DD。")]
        return None


def card_open(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    attributes: dict[str, Any] | None = None,
    risk_level: int | None = None,
    attention: str = "",
    opened_on: date | str | None = None,
    responsible_id: int | None = None,
    helper_ids: list[int] | None = None,
) -> Card:
    """Open a card of `kind` for a person in the actor's region.

    Permission: region positions with a writing role; the person must be in scope (callers
    fetch it with `access_person`). Attributes are validated against the kind's field list
    and code tables; kinds with a risk scale need a risk level. One active card per kind
    and person. The first visit is scheduled from the visit rules. Raises `ValidationError`
    with every field error (nothing saved). Audited as ``registry.card.open`` (kind only,
    no attribute values).
    """
    require_registry_write(actor)
    require_in_scope(actor, person, "registry.person")
    errors: dict[str, Any] = {}
    spec = SPECS.get(kind)
    if spec is None:
        raise ValidationError({"kind": [_("未知的人员类型。")]})
    valid = code_labels({f.code_table for f in spec.fields if f.code_table}, active_only=True)
    values, attr_errors = clean_attributes(spec, attributes, valid)
    errors.update(_prefixed(attr_errors))
    level = _risk(spec, risk_level, errors)
    clean_attention = _attention(attention, errors)
    opened = _clean_date(opened_on, "opened_on", errors) or timezone.localdate()
    if opened > timezone.localdate():
        errors["opened_on"] = [_("列管日期不能晚于今天。")]
    responsible = _responsible(actor, responsible_id, errors)
    helpers = _users(actor, helper_ids, "helper_ids", errors)
    _kind_rules(spec, person, values, opened, errors)
    if errors:
        raise ValidationError(errors)
    if Card.objects.filter(person=person, kind=kind, status=CardStatus.ACTIVE).exists():
        raise _already_open(spec)
    card = Card(
        person=person,
        kind=kind,
        region_code=person.region_code,
        risk_level=level,
        attention=clean_attention,
        opened_on=opened,
        responsible=responsible[0] if responsible else None,
        next_visit_on=next_visit_date(kind, level, opened),
    )
    card.set_attribute_values(values)
    try:
        with transaction.atomic():
            card.save(force_insert=True)
            card.helpers.set(helpers)
            audit_log(
                actor=actor,
                action="registry.card.open",
                object_type=OBJECT_TYPE,
                object_id=str(card.pk),
                region_code=card.region_code,
                detail={"kind": kind, "person": person.pk},
            )
    except IntegrityError as exc:  # a concurrent open of the same kind
        raise _already_open(spec) from exc
    return card


def card_update(
    *,
    actor: Actor,
    card: Card,
    version: int,
    attributes: dict[str, Any] | None = None,
    attention: str | None = None,
    responsible_id: int | None = None,
    helper_ids: list[int] | None = None,
) -> Card:
    """Replace an active card's attributes (the full set, validated like `card_open`) and
    optionally its attention level, responsible user and helpers. The risk level changes
    through a visit's reassessment (`visit_record`), so the schedule follows it.

    Permission as `card_open`. Version mismatch → `ConflictError`. Audited as
    ``registry.card.update`` with the names of the changed parts.
    """
    require_registry_write(actor)
    require_in_scope(actor, card, OBJECT_TYPE)
    if card.status != CardStatus.ACTIVE:
        raise ValidationError({"status": [_("已注销的信息不能修改。")]})
    spec = SPECS[card.kind]
    errors: dict[str, Any] = {}
    values = None
    if attributes is not None:
        valid = code_labels({f.code_table for f in spec.fields if f.code_table}, active_only=True)
        values, attr_errors = clean_attributes(spec, attributes, valid)
        errors.update(_prefixed(attr_errors))
        _kind_rules(spec, card.person, values, card.opened_on, errors)
    clean_attention = _attention(attention, errors) if attention is not None else None
    responsible = _responsible(actor, responsible_id, errors)
    helpers = _users(actor, helper_ids, "helper_ids", errors) if helper_ids is not None else None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Card.objects.select_for_update().get(pk=card.pk)
        if current.version != version:
            raise ConflictError(_("该信息已被他人修改，请刷新后重试。"))
        if current.status != CardStatus.ACTIVE:
            raise ValidationError({"status": [_("已注销的信息不能修改。")]})
        changed = []
        if values is not None and values != current.attribute_values():
            current.set_attribute_values(values)
            changed.append("attributes")
        if clean_attention is not None and clean_attention != current.attention:
            current.attention = clean_attention
            changed.append("attention")
        if responsible_id is not None and current.responsible_id != responsible[0].pk:
            current.responsible = responsible[0]
            changed.append("responsible_id")
        if helpers is not None:
            current.helpers.set(helpers)
            changed.append("helper_ids")
        if changed:
            current.version += 1
            current.save()
            audit_log(
                actor=actor,
                action="registry.card.update",
                object_type=OBJECT_TYPE,
                object_id=str(current.pk),
                region_code=current.region_code,
                detail={"kind": current.kind, "fields": changed},
            )
    return current


def card_close(
    *, actor: Actor, card: Card, reason: str, closed_on: date | str | None = None
) -> Card:
    """Close (注销) an active card: a reason is required; the closing date defaults to
    today and lies between the opening date and today. Visits stop being scheduled.

    Permission as `card_open`. Audited as ``registry.card.close`` with the reason.
    """
    require_registry_write(actor)
    require_in_scope(actor, card, OBJECT_TYPE)
    errors: dict[str, list[str]] = {}
    reason = " ".join(str(reason or "").split())
    if not reason:
        errors["reason"] = [_("请填写注销原因。")]
    elif len(reason) > 200:
        errors["reason"] = [_("注销原因不能超过 200 个字。")]
    closed = _clean_date(closed_on, "closed_on", errors) or timezone.localdate()
    if "closed_on" not in errors and not card.opened_on <= closed <= timezone.localdate():
        errors["closed_on"] = [_("注销日期应在列管日期和今天之间。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Card.objects.select_for_update().get(pk=card.pk)
        if current.status != CardStatus.ACTIVE:
            raise ValidationError({"status": [_("该信息已注销。")]})
        current.status = CardStatus.CLOSED
        current.closed_on = closed
        current.close_reason = reason
        current.next_visit_on = None
        current.version += 1
        current.save()
        audit_log(
            actor=actor,
            action="registry.card.close",
            object_type=OBJECT_TYPE,
            object_id=str(current.pk),
            region_code=current.region_code,
            detail={"kind": current.kind, "reason": reason},
        )
    return current
