"""Merging a person registered twice into one record (重复人员合并).

What happens to the merged person's data (one transaction):

- **Cards**: every card moves to the kept person. Where both have an *active* card of the
  same kind (one active card per kind: `registry_card_one_active_per_kind`), the kept
  person's card stays active; the duplicate card is closed (注销) with the reason
  "合并：…" and moves over as history, its visits move to the active card (so the visit
  timeline and schedule are in one place), its helpers are added to the active card, and
  the active card takes the duplicate's last visit, risk level and next visit date when
  that visit is the more recent one. Cards keep their responsible grid: a card filed in
  another grid stays there until a hand-over moves it.
- **Houses and everything else** that points at the person (house ownership, finished
  moves, earlier merge records, and any table a later module adds) is re-pointed to the
  kept person.
- **Gaps**: a blank phone, address or ethnicity of the kept person is filled from the
  merged one, and so is the house (occupancy) when the merged person's house lies in the
  kept person's grid. Nothing the kept person has is overwritten.
- The merged `Person` row is **deleted** (searches, lists and the finder no longer show
  it); a `PersonMerge` row keeps its masked snapshot, the blind index of its ID number and
  what moved, and one ``registry.person.merge`` audit record names both people.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor, in_region_scope
from pingan.audit.services import audit_log
from pingan.core.masking import mask_id_number, mask_phone
from pingan.registry.models import (
    Card,
    CardStatus,
    MoveStatus,
    Person,
    PersonMerge,
    PersonMove,
    Visit,
)
from pingan.registry.selectors import access_person
from pingan.registry.services.common import (
    ConflictError,
    require_in_scope,
    require_registry_write,
)

OBJECT_TYPE = "registry.person"
FILLED_FIELDS = ("phone", "address", "ethnicity")


def _person_id(value: Any, field: str, errors: dict) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        errors[field] = [
            _("请选择要保留的人员。") if field == "keep" else _("请选择要并入的人员。")
        ]
        return None
    if not text.isdigit() or len(text) > 18:
        errors[field] = [_("人员编号应为正整数。")]
        return None
    return int(text)


def _version(value: Any, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 9:
        errors[field] = [_("版本号应为正整数。")]
        return None
    return int(text)


def _check_moves(keep_id: int, merge_id: int) -> None:
    """A person in the middle of a hand-over is not merged: the move would point at a
    person who no longer exists, or carry cards the receiver has not seen."""
    pending = set(
        PersonMove.objects.filter(
            person_id__in=[keep_id, merge_id], status=MoveStatus.PENDING
        ).values_list("person_id", flat=True)
    )
    errors = {}
    for field, pk in (("keep", keep_id), ("merge", merge_id)):
        if pk in pending:
            errors[field] = [_("该人员有待接收的迁移，请先办结或撤回迁移再合并。")]
    if errors:
        raise ValidationError(errors)


def _snapshot(person: Person) -> dict[str, Any]:
    """The merged person as a list would show them: ID number and phone masked."""
    return {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "address": person.address,
        "ethnicity": person.ethnicity,
        "region_code": person.region_code,
        "house_id": person.house_id,
        "created_at": person.created_at.isoformat() if person.created_at else None,
    }


def _merge_cards(kept: Person, merged: Person) -> list[dict[str, Any]]:
    cards = list(Card.objects.select_for_update().filter(person__in=[kept, merged]).order_by("pk"))
    active = {c.kind: c for c in cards if c.person_id == kept.pk and c.status == CardStatus.ACTIVE}
    today = timezone.localdate()
    moved = []
    for card in (c for c in cards if c.person_id == merged.pk):
        entry: dict[str, Any] = {"id": card.pk, "kind": card.kind, "status": card.status}
        target = active.get(card.kind) if card.status == CardStatus.ACTIVE else None
        if target is not None:
            entry["visits"] = Visit.objects.filter(card=card).update(card=target)
            entry["closed_into"] = target.pk
            helpers = list(card.helpers.all())
            if helpers:
                target.helpers.add(*helpers)
            if card.last_visit_at and (
                target.last_visit_at is None or card.last_visit_at > target.last_visit_at
            ):
                target.last_visit_at = card.last_visit_at
                target.risk_level = card.risk_level
                target.next_visit_on = card.next_visit_on
            target.version += 1
            target.save()
            card.status = CardStatus.CLOSED
            card.closed_on = max(today, card.opened_on)
            card.close_reason = _(
                "合并：重复登记，已并入人员 #%(keep)d，走访记录转入同类卡 #%(card)d。"
            ) % {"keep": kept.pk, "card": target.pk}
            card.next_visit_on = None
        card.person = kept
        card.version += 1
        card.save()
        moved.append(entry)
    return moved


def _relink_others(kept: Person, merged: Person) -> dict[str, list[int]]:
    """Re-point every other reference to the merged person (houses owned, finished moves,
    merge records, tables of later modules) to the kept person."""
    moved: dict[str, list[int]] = {}
    # Hidden relations (related_name="+") too: a row left pointing at the merged person
    # would block its deletion (PROTECT) or, worse, be deleted with it (CASCADE).
    for rel in Person._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or rel.related_model is Card:
            continue
        # Every relation to Person is a foreign key (tests/registry/test_dedup_merge.py
        # checks it, so a module adding a many-to-many one must extend this).
        model = rel.related_model
        field = rel.field.name
        label = f"{model._meta.label_lower}.{field}"
        rows_qs = model._base_manager.filter(**{field: merged})
        rows = list(rows_qs.values_list("pk", flat=True))
        if rel.one_to_one and rows and model._base_manager.filter(**{field: kept}).exists():
            raise ValidationError(
                {
                    "merge": [
                        _("两人都有“%(what)s”记录，不能自动合并。")
                        % {"what": model._meta.verbose_name}
                    ]
                }
            )
        rows_qs.update(**{field: kept})
        if rows:
            moved[label] = sorted(rows)
    return moved


def _fill_gaps(kept: Person, merged: Person) -> list[str]:
    filled = []
    for field in FILLED_FIELDS:
        if not getattr(kept, field) and getattr(merged, field):
            setattr(kept, field, getattr(merged, field))
            filled.append(field)
    if "phone" in filled:
        kept.phone_hash = merged.phone_hash
    if (
        kept.house_id is None
        and merged.house_id is not None
        and merged.house.region_code == kept.region_code
    ):
        kept.house_id = merged.house_id
        filled.append("house_id")
    return filled


def check_merge_ids(
    keep: Any, merge: Any, keep_version: Any = None, merge_version: Any = None
) -> tuple[int, int, int | None, int | None]:
    """The ids and versions of a merge request as integers; `ValidationError` with field
    errors (`keep`, `merge`, `keep_version`, `merge_version`) when malformed or the same
    person twice."""
    errors: dict[str, list[str]] = {}
    keep_id = _person_id(keep, "keep", errors)
    merge_id = _person_id(merge, "merge", errors)
    keep_seen = _version(keep_version, "keep_version", errors)
    merge_seen = _version(merge_version, "merge_version", errors)
    if keep_id is not None and keep_id == merge_id:
        errors["merge"] = [_("不能把人员与其自身合并。")]
    if errors:
        raise ValidationError(errors)
    return keep_id, merge_id, keep_seen, merge_seen


def person_merge(
    *,
    actor: Actor,
    keep: int | str,
    merge: int | str,
    keep_version: int | str | None = None,
    merge_version: int | str | None = None,
) -> PersonMerge:
    """Merge person `merge` into person `keep` (ids), then delete `merge` (see module doc).

    Permission: region positions with a writing role (`require_registry_write`: read-only
    roles, departments and the three administrators get `PermissionDenied`, audited), and
    both people in the actor's scope: a person missing or outside it is `Http404`, the
    second audited as ``scope.denied``. Bad ids, the same id twice, or a person with a
    pending move raise `ValidationError` with field errors (`keep`, `merge`). Versions,
    when given, are the versions the client read; a different current version raises
    `ConflictError` (HTTP 409). Both rows and all their cards are locked
    (`select_for_update`, by id) so two merges or a merge and a visit cannot interleave.
    Nothing changes on any error. Side effects: one `PersonMerge` row and one
    ``registry.person.merge`` audit record.
    """
    require_registry_write(actor)
    keep_id, merge_id, keep_seen, merge_seen = check_merge_ids(
        keep, merge, keep_version, merge_version
    )
    # Scope first, outside the transaction, so the denial records are kept (scope.py).
    for person_id in (keep_id, merge_id):
        require_in_scope(actor, access_person(actor, person_id), OBJECT_TYPE)
    _check_moves(keep_id, merge_id)
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update()
            .filter(pk__in=[keep_id, merge_id])
            .order_by("pk")
        }
        if len(locked) != 2:  # merged away or deleted since the check above
            raise Http404
        kept, merged = locked[keep_id], locked[merge_id]
        if (keep_seen is not None and kept.version != keep_seen) or (
            merge_seen is not None and merged.version != merge_seen
        ):
            raise ConflictError(_("人员信息已被他人修改，请刷新后重试。"))
        if not (
            in_region_scope(actor, kept.region_code) and in_region_scope(actor, merged.region_code)
        ):
            raise ConflictError(_("人员已迁出您的管辖范围，请刷新后重试。"))
        _check_moves(keep_id, merge_id)
        snapshot = _snapshot(merged)
        cards = _merge_cards(kept, merged)
        others = _relink_others(kept, merged)
        filled = _fill_gaps(kept, merged)
        merged_hash = merged.id_hash
        merged.delete()
        kept.version += 1
        kept.save()
        moved = {"cards": cards, "filled": filled, **others}
        record = PersonMerge.objects.create(
            kept=kept,
            merged_person_id=merge_id,
            merged_id_hash=merged_hash,
            merged_snapshot=snapshot,
            moved=moved,
            region_code=kept.region_code,
            merged_by=actor.user,
            position=actor.position,
        )
        audit_log(
            actor=actor,
            action="registry.person.merge",
            object_type=OBJECT_TYPE,
            object_id=str(kept.pk),
            region_code=kept.region_code,
            ip=actor.ip,
            detail={
                "merged": merge_id,
                "merge_record": record.pk,
                "cards": [c["id"] for c in cards],
                "closed_cards": [c["id"] for c in cards if "closed_into" in c],
                "visits": sum(c.get("visits", 0) for c in cards),
                "relinked": {k: len(v) for k, v in others.items()},
                "filled": filled,
            },
        )
    return record


def merge_preview(actor: Actor, kept: Person, merged: Person) -> dict[str, Any]:
    """What `person_merge` would move, for the confirmation page (counts only): cards,
    cards that would be closed, visits, houses owned. Callers fetched both people with
    `access_person`."""
    cards = list(
        Card.objects.filter(person__in=[kept, merged]).values_list(
            "person_id", "kind", "status", "pk"
        )
    )
    active = {
        kind
        for person, kind, status, _pk in cards
        if person == kept.pk and status == CardStatus.ACTIVE
    }
    theirs = [(kind, status, pk) for person, kind, status, pk in cards if person == merged.pk]
    closing = [pk for kind, status, pk in theirs if status == CardStatus.ACTIVE and kind in active]
    return {
        "cards": len(theirs),
        "closing": len(closing),
        "visits": Visit.objects.filter(card__person=merged).count(),
        "visits_moving": Visit.objects.filter(card_id__in=closing).count(),
        "houses": merged.owned_houses.count(),
    }


__all__ = ["check_merge_ids", "merge_preview", "person_merge"]
