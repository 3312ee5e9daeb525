"""Recording visits (走访/随访) and rescheduling the next one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.audit.services import audit_log
from pingan.registry.codes import code_labels
from pingan.registry.kinds import SPECS
from pingan.registry.models import Card, CardStatus, Visit
from pingan.registry.rules import next_visit_date
from pingan.registry.services.cards import _risk
from pingan.registry.services.common import require_in_scope, require_registry_write

OBJECT_TYPE = "registry.visit"


def _when(value: Any, card: Card, errors: dict) -> datetime | None:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors["visited_at"] = [_("时间格式应为 YYYY-MM-DDTHH:MM。")]
            return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + timezone.timedelta(minutes=5):
        errors["visited_at"] = [_("走访时间不能晚于现在。")]
    elif timezone.localtime(value).date() < card.opened_on:
        errors["visited_at"] = [_("走访时间不能早于列管日期。")]
    return value


def visit_record(
    *,
    actor: Actor,
    card: Card,
    method: str,
    visited_at: datetime | str | None = None,
    place: str = "",
    notes: str = "",
    risk_level: int | None = None,
) -> Visit:
    """Record a visit to an active card's person and reschedule the next one.

    Permission: region positions with a writing role, card in scope (callers fetch it with
    `access_card`). `method` is a `visit_method` code (or its label). `risk_level` is the
    reassessed level (required for kinds with a risk scale, so each visit carries an
    assessment); it becomes the card's level. The next visit date is the visit date plus
    the interval of the rule for the new level; a late entry of an older visit records it
    but leaves a newer schedule alone. Notes are stored encrypted. Audited as
    ``registry.visit.create``.
    """
    require_registry_write(actor)
    require_in_scope(actor, card, "registry.card")
    errors: dict[str, list[str]] = {}
    if card.status != CardStatus.ACTIVE:
        raise ValidationError({"card": [_("已注销的人员不再走访。")]})
    spec = SPECS[card.kind]
    methods = code_labels(["visit_method"], active_only=True).get("visit_method", {})
    method = str(method or "").strip()
    method = {label: code for code, label in methods.items()}.get(method, method)
    if method not in methods:
        errors["method"] = [_("请选择有效的走访方式。")]
    when = _when(visited_at, card, errors)
    place = " ".join(str(place or "").split())
    if len(place) > 200:
        errors["place"] = [_("走访地点不能超过 200 个字。")]
    notes = str(notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = [_("走访情况不能超过 2000 个字。")]
    level = _risk(spec, risk_level, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Card.objects.select_for_update().get(pk=card.pk)
        if current.status != CardStatus.ACTIVE:  # closed since the caller read it
            raise ValidationError({"card": [_("已注销的人员不再走访。")]})
        visit = Visit(
            card=current,
            region_code=current.region_code,
            visited_at=when,
            method=method,
            place=place,
            notes=notes,
            risk_level_before=current.risk_level,
            risk_level_after=level,
            visitor=actor.user,
            position=actor.position,
            next_visit_on=next_visit_date(current.kind, level, timezone.localtime(when).date()),
        )
        visit.save(force_insert=True)
        if current.last_visit_at is None or when >= current.last_visit_at:
            current.last_visit_at = when
            current.risk_level = level
            current.next_visit_on = visit.next_visit_on
            current.version += 1
            current.save()
        audit_log(
            actor=actor,
            action="registry.visit.create",
            object_type=OBJECT_TYPE,
            object_id=str(visit.pk),
            region_code=visit.region_code,
            detail={"card": current.pk, "kind": current.kind},
        )
    return visit
