"""Idempotent registry writes for offline clients (the grid worker app's outbox).

The phone stores a new person or visit with a random key before sending it and sends it
again until an answer arrives. The first submission of a key creates the row and records
`RegistrySubmission(user, key)`; a repeat returns that row with ``created=False`` and writes
nothing, so a lost answer never gives two people or two visits.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.registry.models import Card, Person, RegistrySubmission, Visit
from pingan.registry.services.common import require_in_scope, require_registry_write
from pingan.registry.services.people import DuplicatePersonError, person_create
from pingan.registry.services.visits import visit_record

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
PERSON, VISIT, VISIT_PHOTOS = "registry.person", "registry.visit", "registry.visit_photos"


def clean_key(value: Any) -> str:
    """The stripped key, or a `ValidationError` on ``idempotency_key``."""
    key = str(value or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationError({"idempotency_key": [_("幂等键应为 1–64 位字母、数字或 _.:- 。")]})
    return key


def remembered(actor: Actor, key: str, object_type: str) -> int | None:
    """The object id the actor's earlier submission of `key` created, or None.

    A key already used for another kind of record is a `ValidationError` (keys are random
    per submission, so this only happens when a client reuses keys by mistake)."""
    row = RegistrySubmission.objects.filter(user=actor.user, key=key).first()
    if row is None:
        return None
    if row.object_type != object_type:
        raise ValidationError({"idempotency_key": [_("该幂等键已用于其他记录。")]})
    return row.object_id


def remember(actor: Actor, key: str, object_type: str, object_id: int) -> None:
    """Record the key inside the caller's transaction (unique per user: a concurrent
    submission of the same key fails here and rolls back what it created)."""
    RegistrySubmission.objects.create(
        user=actor.user, key=key, object_type=object_type, object_id=object_id
    )


def person_create_idempotent(
    *, actor: Actor, idempotency_key: str, **fields: Any
) -> tuple[Person, bool]:
    """`person_create` once per (user, key): returns (person, created).

    Permission, checks, side effects and errors as `person_create` (a registered ID number
    is `DuplicatePersonError` unless it was this key's own submission). A repeated key
    returns the person the first submission created, with created=False, and writes nothing.
    """
    key = clean_key(idempotency_key)
    require_registry_write(actor)  # before the transaction: a denial record must be kept
    existing = remembered(actor, key, PERSON)
    if existing is not None:
        return Person.objects.get(pk=existing), False
    try:
        with transaction.atomic():
            person = person_create(actor=actor, **fields)
            remember(actor, key, PERSON, person.pk)
    except (IntegrityError, DuplicatePersonError):
        # A concurrent send of the same key committed first (same ID number, same key).
        existing = remembered(actor, key, PERSON)
        if existing is None:
            raise
        return Person.objects.get(pk=existing), False
    return person, True


def visit_record_idempotent(
    *, actor: Actor, card: Card, idempotency_key: str, **fields: Any
) -> tuple[Visit, bool]:
    """`visit_record` once per (user, key): returns (visit, created).

    Permission, checks and side effects as `visit_record`. A repeated key returns the visit
    the first submission recorded (even if the card was closed since), created=False; a key
    that recorded a visit on another card is a `ValidationError`.
    """
    key = clean_key(idempotency_key)
    require_registry_write(actor)
    require_in_scope(actor, card, "registry.card")
    existing = remembered(actor, key, VISIT)
    if existing is not None:
        return _same_card(existing, card), False
    try:
        with transaction.atomic():
            visit = visit_record(actor=actor, card=card, **fields)
            remember(actor, key, VISIT, visit.pk)
    except IntegrityError:
        existing = remembered(actor, key, VISIT)
        if existing is None:
            raise
        return _same_card(existing, card), False
    return visit, True


def _same_card(visit_id: int, card: Card) -> Visit:
    visit = Visit.objects.get(pk=visit_id)
    if visit.card_id != card.pk:
        raise ValidationError({"idempotency_key": [_("该幂等键已用于其他记录。")]})
    return visit
