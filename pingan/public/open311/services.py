"""Writes of the Open311 channel: creating a service request (POST requests).

Client keys (issue, rotate, revoke) live in `clients` and are re-exported here, so every
write of the channel can be imported from `services`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from pingan.audit.services import audit_log
from pingan.core.phones import normalize_mobile
from pingan.events.geo import grid_for_point
from pingan.flow.errors import ActionInvalid
from pingan.flow.models import Case
from pingan.flow.units import unit_names
from pingan.public.models import Open311Client, PublicChannel, PublicReport
from pingan.public.open311 import attributes as attrs
from pingan.public.open311.catalogue import Service, find_service
from pingan.public.open311.clients import (
    audit_post_error,
    audit_refusal,
    audit_rejected,
    check_client,
    client_for_key,
    key_hash,
    open311_client_issue,
    open311_client_revoke,
    open311_client_rotate,
    open311_client_update,
)
from pingan.public.open311.errors import Open311Error, bad_request, not_found
from pingan.public.open311.params import Arguments
from pingan.public.services import portal_url, public_report_submit

__all__ = [
    "Submitted",
    "audit_post_error",
    "audit_refusal",
    "audit_rejected",
    "check_client",
    "client_for_key",
    "key_hash",
    "open311_client_issue",
    "open311_client_revoke",
    "open311_client_rotate",
    "open311_client_update",
    "open311_request_create",
]
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 200
ID_MAX = 100
NAME_MAX = 50
MEDIA_MAX = 9
MEDIA_URL_MAX = 500
# Event fields (ActionInvalid keys) → the Open311 argument a client should fix.
ARGUMENT_OF_FIELD = {
    "category": "service_code",
    "description": "description",
    "address": "address_string",
    "lng": "lat/long",
    "lat": "lat/long",
    "unit": "lat/long",
    "urgency": "attribute[urgency]",
    "phone": "phone",
    "name": "first_name/last_name",
    "email": "email",
}


# --- POST requests -----------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    case: Case
    report: PublicReport
    query_code: str
    notice: str
    account_id: str


def _float(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def _location(args: Arguments, errors: list[str]) -> tuple[float | None, float | None, str]:
    """(lng, lat, address) from lat/long, address_string, address_id."""
    lat_raw, long_raw = args.get("lat"), args.get("long")
    address = args.get("address_string")
    lat = lng = None
    if lat_raw or long_raw:
        if not (lat_raw and long_raw):
            errors.append(_("lat 和 long 必须同时提供。"))
        else:
            lat, lng = _float(lat_raw, -90, 90), _float(long_raw, -180, 180)
            if lat is None:
                errors.append(_("lat 应为 -90 到 90 之间的数字（WGS84）。"))
            if lng is None:
                errors.append(_("long 应为 -180 到 180 之间的数字（WGS84）。"))
    elif not address:
        if args.get("address_id"):
            errors.append(
                _("本系统没有地址库，无法识别 address_id；请提供 lat 和 long，或 address_string。")
            )
        else:
            errors.append(_("请提供位置：lat 和 long，或 address_string。"))
    if len(address) > ADDRESS_MAX:
        errors.append(_("address_string 不能超过 %(max)d 字。") % {"max": ADDRESS_MAX})
    return lng, lat, address


def person_name(args: Arguments, errors: list[str]) -> str:
    """`first_name` + `last_name` as one name (also used by POST servicerequestupdates)."""
    first, last = args.get("first_name"), args.get("last_name")
    # Chinese order (family name first) when either part is Chinese; else "first last".
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
    name = (last + first) if chinese else " ".join(p for p in (first, last) if p)
    if len(name) > NAME_MAX:
        errors.append(_("first_name 与 last_name 合计不能超过 %(max)d 字。") % {"max": NAME_MAX})
    return name


def email_address(args: Arguments, errors: list[str]) -> str:
    email = args.get("email")
    if email and (len(email) > 254 or "@" not in email):
        errors.append(_("email 格式不正确。"))
    return email


def _contact(args: Arguments, errors: list[str]) -> dict[str, str]:
    name = person_name(args, errors)
    phone = args.get("phone")
    if phone:
        try:
            phone = normalize_mobile(phone)
        except ValidationError:
            errors.append(_("phone 应为 11 位手机号码（用于短信告知办理进展）。"))
    email = email_address(args, errors)
    contact = {"name": name, "phone": phone, "email": email}
    for field in ("device_id", "account_id"):
        contact[field] = args.get(field)
        if len(contact[field]) > ID_MAX:
            errors.append(_("%(field)s 不能超过 %(max)d 字。") % {"field": field, "max": ID_MAX})
    return contact


def media_urls(args: Arguments, errors: list[str]) -> list[str]:
    urls = args.getlist("media_url")
    if len(urls) > MEDIA_MAX:
        errors.append(_("media_url 最多 %(max)d 个。") % {"max": MEDIA_MAX})
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MEDIA_URL_MAX:
            errors.append(_("media_url 应为 http(s) 网址：%(url)s") % {"url": url[:100]})
    return urls


def _description(args: Arguments, service: Service, values: dict, errors: list[str]) -> str:
    text = args.get("description")
    if len(text) > DESCRIPTION_MAX:
        errors.append(_("description 不能超过 %(max)d 字。") % {"max": DESCRIPTION_MAX})
    # The answers go into the case file too, so every handler sees them.
    extra = attrs.summary(service, values)
    text = text or _("（未填写描述）")
    if extra and len(text) + 2 + len(extra) <= DESCRIPTION_MAX:
        text = f"{text}\n\n{extra}"
    return text


def _check_region(client: Open311Client, lng: float | None, lat: float | None) -> None:
    """A point must lie in the key's region: in one of its grids, or inside its boundary."""
    if lng is None or lat is None:
        return
    region = client.region
    grid = grid_for_point(lng, lat)
    if grid is not None:
        inside = grid.startswith(region.code)
    elif region.geometry:
        try:
            inside = shape(region.geometry).covers(Point(lng, lat))
        except (ValueError, TypeError, AttributeError, KeyError):
            inside = True  # an unreadable boundary is the installer's problem, not the client's
    else:
        inside = True  # no boundary to check against: taken in and flagged outside every grid
    if not inside:
        raise bad_request(
            _("位置（lat %(lat)s，long %(lng)s）不在本接入密钥限定的区划（%(region)s）范围内。")
            % {"lat": lat, "lng": lng, "region": f"{region.name} {region.code}"}
        )


def _field_errors(exc: ActionInvalid) -> Open311Error:
    errors = []
    for field, messages in exc.errors.items():
        argument = ARGUMENT_OF_FIELD.get(field, field)
        errors.extend((400, f"{argument}：{message}") for message in messages)
    return Open311Error(400, errors=errors)


def _notice(case: Case, code: str) -> str:
    unit = unit_names([case.holder_code]).get(case.holder_code, case.holder_code)
    text = _("已登记，编号 %(number)s，转%(unit)s受理。") % {"number": case.number, "unit": unit}
    if case.due_at:
        due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
        text += _("受理期限 %(due)s。") % {"due": due}
    text += _("查询码 %(code)s：凭编号和查询码可在 %(url)s 查看进展、评价办理结果。") % {
        "code": code,
        "url": portal_url("track/"),
    }
    return text


def open311_request_create(
    *, client: Open311Client, args: Arguments, ip: str | None = None
) -> Submitted:
    """Create a service request posted by `client` (its key has been checked).

    Unknown `service_code` → Open311Error 404; every other problem → 400, all reported
    together; nothing is saved then. The request enters the event loop through
    `public_report_submit` (channel open311, bounded by the client's region). Side effects,
    in one transaction: the case, its detail and history, the `PublicReport` (contact
    encrypted), the client's `last_used_at`, the `case.report` and `open311.request` audit
    records; the "received" SMS with the query code after commit when a mobile was given.
    """
    code = args.get("service_code")
    if not code:
        errors = [_("service_code 为必填项。")]
        _location(args, errors)
        raise Open311Error(400, errors=[(400, text) for text in errors])
    service = find_service(code)
    if service is None:
        raise not_found(_("service_code %(code)s 不存在。") % {"code": code[:50]})
    errors: list[str] = []
    lng, lat, address = _location(args, errors)
    contact = _contact(args, errors)
    media = media_urls(args, errors)
    values, attribute_errors = attrs.clean(service, args.attributes())
    errors += attribute_errors
    description = _description(args, service, values, errors)
    if errors:
        raise Open311Error(400, errors=[(400, text) for text in errors])
    _check_region(client, lng, lat)
    data = {
        "category": service.code,
        "description": description,
        "lng": lng,
        "lat": lat,
        "address": address,
        "urgency": attrs.urgency_for(values),
    }
    try:
        with transaction.atomic():
            case, report, query_code = public_report_submit(
                channel=PublicChannel.OPEN311,
                county=client.region_id,
                data=data,
                phone=contact["phone"],
                name=contact["name"],
                email=contact["email"],
                client=client,
                ip=ip,
                extra={
                    "account_id": contact["account_id"],
                    "device_id": contact["device_id"],
                    "attributes": values,
                    "media_urls": media,
                },
            )
            now = timezone.now()
            Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
            audit_log(
                actor=None,
                username=f"open311:{client.key_prefix}",
                action="open311.request",
                object_type="flow.case",
                object_id=case.number,
                region_code=case.region_code,
                ip=ip,
                detail={
                    "client": client.pk,
                    "client_name": client.name,
                    "service_code": service.code,
                    "attributes": sorted(values),
                    "media": len(media),
                },
            )
    except ActionInvalid as exc:
        raise _field_errors(exc) from exc
    return Submitted(
        case=case,
        report=report,
        query_code=query_code,
        notice=_notice(case, query_code),
        account_id=contact["account_id"],
    )
