"""Client systems of the Open311 channel and their keys (system administrators only).

A client key is `p311_` + 40 random URL-safe characters, shown once when issued or rotated;
only its SHA-256 and its first 12 characters (to recognise it in lists and logs) are kept.
Each key belongs to one client system and is bound to one region (a county, town or
village): requests it posts must lie there. Also the audit records of refused calls.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.accounts.services import require_role
from pingan.audit.services import audit_log
from pingan.public.models import Open311Client
from pingan.public.open311.errors import Open311Error
from pingan.regions.models import Region, RegionLevel

KEY_PREFIX = "p311_"
SHOWN_PREFIX = 12
CLIENT_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(30)


def _audit_client(actor: Actor | None, action: str, client: Open311Client, **detail: Any) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type="public.open311client",
        object_id=str(client.pk),
        region_code=client.region_id,
        ip=actor.ip if actor else None,
        username="" if actor else "system",
        detail={"name": client.name, "key_prefix": client.key_prefix, **detail},
    )


def check_client(name: str, region: Region | None, contact: str) -> tuple[str, str]:
    """Cleaned (name, contact); ValidationError({field: [message]}) on bad input."""
    errors: dict[str, list[str]] = {}
    name, contact = (name or "").strip(), (contact or "").strip()
    if not name:
        errors["name"] = [_("请填写客户端名称。")]
    elif len(name) > 100:
        errors["name"] = [_("客户端名称不能超过 100 字。")]
    if len(contact) > 100:
        errors["contact"] = [_("联系人不能超过 100 字。")]
    if region is None or region.level not in CLIENT_LEVELS:
        errors["region"] = [_("限定区划应为县（市、区）、乡镇（街道）或村（社区）。")]
    if errors:
        raise ValidationError(errors)
    return name, contact


def open311_client_issue(
    *, actor: Actor | None, name: str, region: Region, contact: str = ""
) -> tuple[Open311Client, str]:
    """Register a client system and issue its key; returns (client, key in clear).

    Permission: system administrators (or the installation itself, `actor=None`: the
    `open311-key` command and the demo); others get PermissionDenied (audited). Field
    errors raise ValidationError ({field: [message]}). Side effects: the client row and one
    `open311.client_issue` audit record (with the key prefix, never the key).
    """
    require_role(actor, Role.SYSTEM_ADMIN, "open311.client_issue")
    name, contact = check_client(name, region, contact)
    key = _new_key()
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name,
            key_prefix=key[:SHOWN_PREFIX],
            key_hash=key_hash(key),
            region=region,
            contact=contact,
            created_by=actor.user if actor else None,
            created_at=timezone.now(),
        )
        _audit_client(actor, "open311.client_issue", client)
    return client, key


def open311_client_rotate(
    *, actor: Actor | None, client: Open311Client
) -> tuple[Open311Client, str]:
    """Replace an active client's key (the old key stops working at once); returns the new
    key in clear. Permission as `open311_client_issue`. A revoked client cannot be rotated
    (ValidationError): issue a new one. Side effects: one `open311.client_rotate` record."""
    require_role(actor, Role.SYSTEM_ADMIN, "open311.client_rotate")
    key = _new_key()
    with transaction.atomic():
        locked = Open311Client.objects.select_for_update().get(pk=client.pk)
        if not locked.active:
            raise ValidationError(_("该客户端已停用，不能重新签发密钥；请签发新的客户端。"))
        old_prefix = locked.key_prefix
        locked.key_prefix, locked.key_hash = key[:SHOWN_PREFIX], key_hash(key)
        locked.save(update_fields=["key_prefix", "key_hash"])
        _audit_client(actor, "open311.client_rotate", locked, old_key_prefix=old_prefix)
    return locked, key


def open311_client_revoke(*, actor: Actor | None, client: Open311Client) -> Open311Client:
    """Deactivate a client: its key is refused from now on (kept for history). Permission
    as `open311_client_issue`; an inactive client raises ValidationError. Side effects: one
    `open311.client_revoke` record."""
    require_role(actor, Role.SYSTEM_ADMIN, "open311.client_revoke")
    with transaction.atomic():
        locked = Open311Client.objects.select_for_update().get(pk=client.pk)
        if not locked.active:
            raise ValidationError(_("该客户端已停用。"))
        locked.active = False
        locked.save(update_fields=["active"])
        _audit_client(actor, "open311.client_revoke", locked)
    return locked


def open311_client_update(
    *, actor: Actor | None, client: Open311Client, name: str, contact: str
) -> Open311Client:
    """Rename a client or change its contact (the region and key stay). Permission as
    `open311_client_issue`. Side effects: one `open311.client_change` audit record."""
    require_role(actor, Role.SYSTEM_ADMIN, "open311.client_change")
    with transaction.atomic():
        locked = (
            Open311Client.objects.select_for_update().select_related("region").get(pk=client.pk)
        )
        name, contact = check_client(name, locked.region, contact)
        before = {"name": locked.name, "contact": locked.contact}
        locked.name, locked.contact = name, contact
        locked.save(update_fields=["name", "contact"])
        _audit_client(actor, "open311.client_change", locked, before=before, contact=contact)
    return locked


def client_for_key(key: str) -> Open311Client | None:
    """The client a presented key belongs to (active or not), or None."""
    if not key or len(key) > 200:
        return None
    return Open311Client.objects.select_related("region").filter(key_hash=key_hash(key)).first()


def audit_refusal(*, reason: str, key: str, ip: str | None, path: str, client=None) -> None:
    """A refused or throttled call (missing/invalid/revoked key, rate limit): audited."""
    audit_log(
        actor=None,
        username=f"open311:{client.key_prefix}" if client else "open311",
        action="open311.denied",
        object_type="public.open311client" if client else "",
        object_id=str(client.pk) if client else "",
        region_code=client.region_id if client else "",
        ip=ip,
        outcome="denied",
        detail={"reason": reason, "key_prefix": (key or "")[:SHOWN_PREFIX], "path": path[:200]},
    )


def audit_rejected(
    *, client: Open311Client, ip: str | None, error: Open311Error, action: str = "open311.request"
) -> None:
    """A POST with a valid key that was refused for its content (400/404)."""
    audit_log(
        actor=None,
        username=f"open311:{client.key_prefix}",
        action=action,
        object_type="public.open311client",
        object_id=str(client.pk),
        region_code=client.region_id,
        ip=ip,
        outcome="failed",
        detail={"status": error.status, "errors": [text[:200] for _code, text in error.errors]},
    )


def audit_post_error(*, ip: str | None, path: str, error: Open311Error) -> None:
    """A POST refused before its key was read (format, jurisdiction)."""
    audit_log(
        actor=None,
        username="open311",
        action="open311.request",
        ip=ip,
        outcome="failed",
        detail={
            "status": error.status,
            "path": path[:200],
            "errors": [text[:200] for _code, text in error.errors],
        },
    )
