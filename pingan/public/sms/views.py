"""HTTP layer of the inbound SMS webhook (`POST /public/sms/inbound/`, docs/integration/sms.md).

Answers (JSON): 200 `{"id", "status": "processed"|"duplicate", "command", "outcome"}`;
400 field errors `{"field": ["消息"]}`; 401 unsigned; 403 bad or stale signature; 413 body
over 16 KB; 503 not configured (no secret, or no county/category for reports: the gateway
should retry later). CSRF-exempt: the caller is a machine with a signature, not a browser.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pingan.core.http import client_ip
from pingan.public import webhooks
from pingan.public.sms.payload import inbound_sms
from pingan.public.sms.services import sms_inbound_receive

log = logging.getLogger("pingan.public.sms")
CHANNEL = "sms"


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    ip = client_ip(request)
    refusal = webhooks.too_large(request) or webhooks.check_signature(
        request, webhooks.secrets_of(settings.PINGAN_SMS_INBOUND_SECRET)
    )
    if refusal is not None:
        return webhooks.refuse(request, refusal, channel=CHANNEL, ip=ip)
    try:
        fields = webhooks.body_fields(request)
    except webhooks.BodyError as exc:
        return JsonResponse(exc.errors, status=400)
    message, errors = inbound_sms(fields)
    if message is None:
        return JsonResponse(errors, status=400)
    try:
        row, created = sms_inbound_receive(message=message, ip=ip)
    except ImproperlyConfigured as exc:
        log.error("inbound SMS %s not processed: %s", message.id, exc)
        return JsonResponse({"detail": _("平台短信接入配置不完整，请稍后重发。")}, status=503)
    return JsonResponse(
        {
            "id": row.gateway_id,
            "status": "processed" if created else "duplicate",
            "command": row.command,
            "outcome": row.outcome,
        }
    )
