"""Writes of the public channels: a citizen's (or client system's) report.

Portal, Open311, SMS and hotline all end in `public_report_submit`, so every channel enters
the same event loop (`events.services`) and gets the same query code and progress messages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.accounts.scope import Actor
from pingan.core.phones import normalize_mobile, phone_hash
from pingan.events.models import ReporterKind
from pingan.events.services import event_report, event_report_public
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case
from pingan.notify.models import Channel
from pingan.notify.services import notify_send
from pingan.public.codes import new_query_code, query_code_hash
from pingan.public.models import Open311Client, PublicChannel, PublicReport

REPORTER_KIND = {
    PublicChannel.PORTAL: ReporterKind.CITIZEN,
    PublicChannel.OPEN311: ReporterKind.API,
    PublicChannel.SMS: ReporterKind.SMS,
    PublicChannel.HOTLINE: ReporterKind.HOTLINE,
}


def portal_url(path: str = "") -> str:
    return settings.PINGAN_PUBLIC_URL.rstrip("/") + "/portal/" + path.lstrip("/")


def _contact(phone: str, name: str, email: str, *, phone_required: bool) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    clean = {"name": (name or "").strip(), "email": (email or "").strip()}
    try:
        clean["phone"] = normalize_mobile(phone) if (phone or phone_required) else ""
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    if len(clean["name"]) > 50:
        errors["name"] = [_("称呼不能超过 50 字。")]
    if len(clean["email"]) > 254 or (clean["email"] and "@" not in clean["email"]):
        errors["email"] = [_("电子邮箱格式不正确。")]
    if errors:
        raise ActionInvalid(errors)
    return clean


def public_report_submit(
    *,
    channel: str,
    county: str,
    data: dict[str, Any],
    phone: str = "",
    name: str = "",
    email: str = "",
    phone_required: bool = False,
    wants_updates: bool = True,
    actor: Actor | None = None,
    client: Open311Client | None = None,
    ip: str | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[Case, PublicReport, str]:
    """Register a public report; returns (case, public report, query code in clear).

    `data` holds the event fields (`category`, `description`, `lng`, `lat`, `address`,
    `unit`, `urgency`; a hotline call without a point may give `grid`). The channel
    checked its own credential first; a hotline report is taken by an operator (`actor`,
    through `event_report` and its permission rules), the others have no actor. `extra` may
    set Open311's `account_id`, `device_id`, `attributes`, `media_urls`. Field errors
    (Chinese, per field) raise `ActionInvalid` and nothing is saved. Side effects in one
    transaction: the case and its detail and audit rows, the public report row, and (with
    a mobile number) the "received" SMS with the query code, sent after commit.
    """
    contact = _contact(phone, name, email, phone_required=phone_required)
    extra = extra or {}
    with transaction.atomic():
        if actor is not None:
            case, _created = event_report(actor=actor, reporter_kind=REPORTER_KIND[channel], **data)
        else:
            case = event_report_public(
                county=county, reporter_kind=REPORTER_KIND[channel], channel=channel, ip=ip, **data
            )
        code = new_query_code()
        report = PublicReport.objects.create(
            case=case,
            channel=channel,
            query_code_hash=query_code_hash(case.number, code),
            phone=contact["phone"],
            phone_hash=phone_hash(contact["phone"]),
            name=contact["name"],
            email=contact["email"],
            wants_updates=wants_updates,
            client=client,
            account_id=str(extra.get("account_id", ""))[:100],
            device_id=str(extra.get("device_id", ""))[:100],
            attributes=extra.get("attributes") or {},
            media_urls=list(extra.get("media_urls") or []),
            ip=ip or None,
            created_at=timezone.now(),
        )
        if contact["phone"]:
            notify_send(
                topic="public.received",
                key=f"public.received:{case.number}",
                channel=Channel.SMS,
                phone=contact["phone"],
                context={"number": case.number, "code": code, "url": portal_url("track/")},
                case_number=case.number,
                region_code=case.region_code,
            )
    return case, report, code
