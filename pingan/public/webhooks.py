"""What the inbound gateway webhooks share (SMS short code, voice IVR): the signature check,
reading a JSON or form body, per-sender rate limits, and the record of refused requests.

Signature: the scheme of every Pingan webhook (`pingan.notify.backends.sign`): header
`X-Pingan-Signature: sha256=<hex>` = HMAC-SHA256 with the shared secret over
`<X-Pingan-Timestamp>.<raw body>`, the timestamp in Unix seconds and within ±300 s of our
clock, so a captured request cannot be replayed later. A setting may hold two secrets,
comma-separated, while the gateway moves to a new one.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.audit.services import audit_log
from pingan.notify.backends import sign
from pingan.public.portal.ratelimit import count_in_window, parse_limit, window_start

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 16 * 1024
TIMESTAMP_HEADER = "HTTP_X_PINGAN_TIMESTAMP"
SIGNATURE_HEADER = "HTTP_X_PINGAN_SIGNATURE"
# Refused requests audited per client address and window (a flood is not copied into the
# audit log line by line; the counter still counts every one).
AUDITED_REFUSALS = "10/10m"


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # code for the audit record
    message: str  # Chinese, for the gateway's operator


def secrets_of(setting: str) -> list[str]:
    return [part.strip() for part in (setting or "").split(",") if part.strip()]


def check_signature(
    request: HttpRequest, secrets: list[str], *, now: float | None = None
) -> Refusal | None:
    """None when the request is signed with one of `secrets` within the time window."""
    if not secrets:
        return Refusal(503, "not_configured", _("接入密钥未配置，平台暂不接收该网关的请求。"))
    timestamp = request.META.get(TIMESTAMP_HEADER, "").strip()
    signature = request.META.get(SIGNATURE_HEADER, "").strip()
    if not timestamp or not signature:
        return Refusal(401, "unsigned", _("缺少签名（X-Pingan-Timestamp、X-Pingan-Signature）。"))
    moment = time.time() if now is None else now
    if not timestamp.isdigit() or abs(moment - int(timestamp)) > TOLERANCE_SECONDS:
        return Refusal(403, "stale", _("时间戳无效或已超过 300 秒，请用当前时间重新签名。"))
    body = request.body
    if not any(hmac.compare_digest(sign(secret, timestamp, body), signature) for secret in secrets):
        return Refusal(403, "bad_signature", _("签名不正确。"))
    return None


def too_large(request: HttpRequest) -> Refusal | None:
    """Checked before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return Refusal(413, "too_large", _("请求体过大（上限 16 KB）。"))
    try:
        if len(request.body) > MAX_BODY_BYTES:
            return Refusal(413, "too_large", _("请求体过大（上限 16 KB）。"))
    except RequestDataTooBig:
        return Refusal(413, "too_large", _("请求体过大（上限 16 KB）。"))
    return None


class BodyError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def body_fields(request: HttpRequest) -> dict[str, Any]:
    """The request's fields: a JSON object, or a form (urlencoded or multipart)."""
    kind = request.content_type or ""
    if kind == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyError({"body": [_("请求体不是有效的 JSON。")]}) from exc
        if not isinstance(data, dict):
            raise BodyError({"body": [_("请求体应为 JSON 对象。")]})
        return data
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.POST.dict()
    raise BodyError(
        {"body": [_("Content-Type 应为 application/json 或 application/x-www-form-urlencoded。")]}
    )


def text_field(data: dict[str, Any], name: str) -> str | None:
    """A field as text (numbers are accepted and written out); None when absent."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


# --- rate limits ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Count:
    count: int
    limit: int
    retry_after: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


def count_hit(scope: str, value: str, limit_text: str, *, now: dt.datetime | None = None) -> Count:
    """Count one request of `scope` from `value` (a phone, a caller, an IP) in the current
    fixed window of `limit_text` ("3/1h"). Counted in the database (`RateCounter`, shared
    with the portal under its own scopes), one UPDATE or INSERT, so every process sees the
    same count; inside the caller's transaction, a request rolled back is not counted."""
    limit = parse_limit(limit_text)
    now = now or timezone.now()
    start = window_start(now, limit.seconds)
    count = count_in_window(scope, value, start, now)
    retry_after = max(1, int((start - now).total_seconds()) + limit.seconds)
    return Count(count=count, limit=limit.count, retry_after=retry_after)


# --- refusals ------------------------------------------------------------------------------
def refuse(request: HttpRequest, refusal: Refusal, *, channel: str, ip: str | None) -> JsonResponse:
    """Answer a refused request (`{"detail": …}` with the refusal's status) and audit it, up
    to AUDITED_REFUSALS per client address."""
    with transaction.atomic():
        counted = count_hit(f"{channel}_refused", ip or "-", AUDITED_REFUSALS)
        if counted.allowed:
            audit_log(
                actor=None,
                username=f"public:{channel}",
                action=f"public.{channel}_refused",
                object_type=f"public.{channel}",
                ip=ip,
                outcome="denied",
                detail={"reason": refusal.reason, "status": refusal.status, "path": request.path},
            )
    return JsonResponse({"detail": refusal.message}, status=refusal.status)
