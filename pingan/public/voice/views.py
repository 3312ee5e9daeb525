"""HTTP layer of the voice status query (`POST /public/voice/query/`, docs/integration/voice.md).

Body (JSON or form): `number` (the digits the caller keyed; letters allowed), `code` (the
6-digit query code), `caller` (the calling number, optional), `call_id` (optional, logged).
Answer: `{"text", "ssml", "result": "found"|"not_found"|"limited"}`, or with `?format=ssml`
the SSML alone as `application/ssml+xml`. 429 (with `Retry-After`) past
PINGAN_VOICE_LIMIT_CALLER queries per caller number (withheld numbers share one count).
Signed like the SMS webhook, with PINGAN_VOICE_INBOUND_SECRET.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pingan.audit.services import audit_log
from pingan.core.http import client_ip
from pingan.core.phones import clean_phone_text
from pingan.public import webhooks
from pingan.public.voice.selectors import limited, voice_answer
from pingan.public.voice.speech import Speech

log = logging.getLogger("pingan.public.voice")
CHANNEL = "voice"
HIDDEN_CALLER = "hidden"


def _answer(request: HttpRequest, said: Speech, result: str, status: int = 200) -> HttpResponse:
    if request.GET.get("format") == "ssml":
        return HttpResponse(
            said.ssml, content_type="application/ssml+xml; charset=utf-8", status=status
        )
    return JsonResponse({"text": said.text, "ssml": said.ssml, "result": result}, status=status)


def _fields(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[str]]]:
    data = webhooks.body_fields(request)
    values = {
        name: webhooks.text_field(data, name) for name in ("number", "code", "caller", "call_id")
    }
    errors: dict[str, list[str]] = {}
    if values["number"] is None:
        errors["number"] = [_("请提供来电者输入的案件编号（number）。")]
    if values["code"] is None:
        errors["code"] = [_("请提供来电者输入的查询码（code）。")]
    for name in ("number", "code", "caller", "call_id"):
        if len(values[name] or "") > 64:
            errors[name] = [_("不能超过 64 个字符。")]
    return {name: value or "" for name, value in values.items()}, errors


@csrf_exempt
@require_POST
def query(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request)
    refusal = webhooks.too_large(request) or webhooks.check_signature(
        request, webhooks.secrets_of(settings.PINGAN_VOICE_INBOUND_SECRET)
    )
    if refusal is not None:
        return webhooks.refuse(request, refusal, channel=CHANNEL, ip=ip)
    try:
        values, errors = _fields(request)
    except webhooks.BodyError as exc:
        return JsonResponse(exc.errors, status=400)
    if errors:
        return JsonResponse(errors, status=400)
    caller = clean_phone_text(values["caller"]) or HIDDEN_CALLER
    try:
        counted = _count(caller, values["call_id"], ip)
    except ImproperlyConfigured as exc:
        log.error("voice query refused: %s", exc)
        return JsonResponse({"detail": _("平台语音查询配置不完整。")}, status=503)
    if not counted.allowed:
        response = _answer(request, limited(), "limited", status=429)
        response["Retry-After"] = str(counted.retry_after)
        return response
    said, found = voice_answer(values["number"], values["code"])
    log.info("voice query call=%s found=%s", values["call_id"] or "-", found)
    return _answer(request, said, "found" if found else "not_found")


def _count(caller: str, call_id: str, ip: str | None) -> webhooks.Count:
    """Count the attempt; the first refused attempt of a window is audited."""
    with transaction.atomic():
        counted = webhooks.count_hit("voice_caller", caller, settings.PINGAN_VOICE_LIMIT_CALLER)
        if counted.count == counted.limit + 1:
            # Audited once per window: the first refused attempt of this caller.
            audit_log(
                actor=None,
                username="public:voice",
                action="public.voice_refused",
                object_type="public.voice",
                ip=ip,
                outcome="denied",
                detail={"reason": "rate_limited", "call_id": call_id},
            )
    return counted
